import fs from 'node:fs';
import type { Readable } from 'node:stream';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ContainerSpec } from '../../src/container/spec.js';
import { dockerFlagsToSpec, type DockerRunFlags } from '../../src/container/docker-flags.js';
import { startContainer, type RunResult } from '../../src/container/run-container.js';
import { launchContainer, subscribeContainerSteps, type ContainerStepEvent } from '../../src/container/launch.js';
import type { Kernel } from '../../src/kernel/types.js';
import { nativeBinary } from '../../src/native/paths.js';
import { parseProbeReport, type ProbeReport } from '../../src/native/probe.js';
import { describeGateOutcome, realKernelGate } from '../helpers/real-kernel.js';
import { diffHostState, snapshotHostState } from '../helpers/host-state.js';
import { makeRunRootfs } from '../helpers/run-rootfs.js';

const gate = await realKernelGate();
const ready = nativeBinary('gbx-run') !== undefined && fs.existsSync('/bin/busybox');

type Ran = RunResult & { stdout: string; stderr: string; pid: number; helperPid: number };

function collect(stream: Readable | null): Promise<string> {
  if (stream === null) return Promise.resolve('');
  const chunks: Buffer[] = [];
  stream.on('data', (chunk: Buffer) => chunks.push(chunk));
  return new Promise((resolve) => stream.on('close', () => resolve(Buffer.concat(chunks).toString('utf8'))));
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

if (gate.mode !== 'run') {
  describeGateOutcome('run: containers on the real kernel', gate);
} else {
  describe.skipIf(!ready && process.env.GLASSBOX_REQUIRE_REAL !== '1')('run: containers on the real kernel', () => {
    let kernel: Kernel;
    const roots: string[] = [];
    const started: number[] = [];
    let counter = 0;
    const before = snapshotHostState('run-container');

    beforeAll(() => {
      kernel = gate.createKernel();
    });

    afterEach(() => {
      for (const root of roots.splice(0)) fs.rmSync(root, { recursive: true, force: true });
      // Nothing left: no mount, no cgroup, no process of ours.
      expect(diffHostState(before, snapshotHostState('run-container'))).toEqual([]);
      const survivors = started.splice(0).filter(alive);
      expect(survivors).toEqual([]);
    });

    async function run(args: string[], flags: DockerRunFlags = {}, edit?: (spec: ContainerSpec) => void): Promise<Ran> {
      const rootfs = makeRunRootfs();
      roots.push(rootfs);
      counter += 1;
      const spec = dockerFlagsToSpec(`t${process.pid}x${counter}`, rootfs, args, flags);
      edit?.(spec);
      const container = await startContainer(kernel, spec, { stdio: ['ignore', 'pipe', 'pipe'] });
      started.push(container.launched.pid, container.launched.helperPid);
      const [stdout, stderr, result] = await Promise.all([
        collect(container.launched.stdout),
        collect(container.launched.stderr),
        container.wait(),
      ]);
      return { ...result, stdout, stderr, pid: container.launched.pid, helperPid: container.launched.helperPid };
    }

    async function probe(flags: DockerRunFlags = {}, edit?: (spec: ContainerSpec) => void): Promise<{ ran: Ran; report: ProbeReport }> {
      const ran = await run(['/gbx-probe'], flags, edit);
      expect(ran.error, ran.stderr).toBeNull();
      expect(ran.status).toBe(0);
      return { ran, report: parseProbeReport(ran.stdout) };
    }

    function hostNs(name: string): number {
      return Number(/\[(\d+)\]/.exec(fs.readlinkSync(`/proc/self/ns/${name}`))![1]);
    }

    it('isolates: PID 1, its own hostname, new namespaces, only lo, default caps', async () => {
      const { ran, report } = await probe({ hostname: 'glassbox-test' });
      expect(report.pid).toBe(1);
      expect(report.ppid).toBe(0);
      expect(report.hostname).toBe('glassbox-test');
      expect(fs.readFileSync('/proc/sys/kernel/hostname', 'utf8').trim()).not.toBe('glassbox-test');
      for (const name of ['mnt', 'uts', 'ipc', 'pid', 'net', 'cgroup'] as const) {
        expect(report.namespaces[name]?.inode, name).not.toBe(hostNs(name));
      }
      expect(report.capabilities.effective!.names.sort()).toEqual(
        ['CAP_AUDIT_WRITE', 'CAP_CHOWN', 'CAP_DAC_OVERRIDE', 'CAP_FOWNER', 'CAP_FSETID', 'CAP_KILL', 'CAP_MKNOD',
          'CAP_NET_BIND_SERVICE', 'CAP_NET_RAW', 'CAP_SETFCAP', 'CAP_SETGID', 'CAP_SETPCAP', 'CAP_SETUID', 'CAP_SYS_CHROOT'],
      );
      expect(report.capabilities.bounding!.hex).toBe(report.capabilities.effective!.hex);
      expect(report.capabilities.inheritable!.hex).toBe('0000000000000000');
      expect(report.capabilities.ambient!.hex).toBe('0000000000000000');
      expect(report.noNewPrivs).toBe(false);
      expect(report.fds!.map((fd) => fd.fd)).toEqual([0, 1, 2]);
      expect(report.root).toBe('/');
      // The steps came back as {op, args, ret, errno}, the last one the execve.
      expect(ran.steps.map((step) => step.op)).toContain('pivot_root');
      expect(ran.steps.at(-1)).toMatchObject({ op: 'execve', ret: 0, errno: null });
    });

    it('shows only lo, up, in the new network namespace', async () => {
      const ran = await run(['/bin/sh', '-c', 'ls /sys/class/net; cat /sys/class/net/lo/operstate /sys/class/net/lo/flags']);
      expect(ran.status).toBe(0);
      const [names, , flags] = ran.stdout.trim().split('\n');
      expect(names).toBe('lo');
      expect(Number(flags) & 1).toBe(1); // IFF_UP
    });

    it('applies --cap-drop ALL, --user, --security-opt no-new-privileges and -w', async () => {
      const { report } = await probe({ capDrop: ['ALL'], capAdd: ['NET_BIND_SERVICE'], user: '1000:1000', securityOpt: ['no-new-privileges'], workdir: '/tmp' });
      expect(report.uid!.effective).toBe(1000);
      expect(report.gid!.effective).toBe(1000);
      expect(report.noNewPrivs).toBe(true);
      expect(report.cwd).toBe('/tmp');
      // A non-root uid keeps nothing across execve without ambient caps; the bounding set is cut to the one kept.
      expect(report.capabilities.effective!.names).toEqual([]);
      expect(report.capabilities.bounding!.names).toEqual(['CAP_NET_BIND_SERVICE']);
    });

    it('masks paths and makes /proc/sys, /proc/sysrq-trigger and --read-only roots read-only', async () => {
      const ran = await run(
        ['/bin/sh', '-c', [
          'wc -c < /proc/kcore; echo kcore=$?',
          'cat /proc/keys | wc -c; ls /sys/firmware | wc -l',
          'echo 1 > /proc/sys/kernel/domainname 2>&1; echo sys=$?',
          'echo x > /proc/sysrq-trigger; echo sysrq=$?',
          'echo x > /file; echo root=$?',
        ].join('; ')],
        { readOnly: true },
      );
      expect(ran.status, ran.stderr).toBe(0);
      const out = ran.stdout.split('\n');
      expect(out).toContain('0'); // kcore reads as /dev/null: 0 bytes
      expect(ran.stdout).toMatch(/sys=1/);
      expect(ran.stdout).toMatch(/sysrq=1/);
      expect(ran.stdout).toMatch(/root=1/);
      expect(ran.stderr).toMatch(/Read-only file system/);
    });

    it('refuses an image whose /proc is a symlink', async () => {
      const ran = await run(['/bin/true'], {}, (spec) => {
        fs.symlinkSync('/etc', `${spec.rootfs}/proc`);
      });
      expect(ran.error?.message).toMatch(/\/proc is a symlink/);
      expect(ran.status).toBe(125);
    });

    it('says clearly when an rlimit is above the hard limit (no CAP_SYS_RESOURCE here)', async () => {
      const hard = Number(/Max open files\s+\d+\s+(\d+)/.exec(fs.readFileSync('/proc/self/limits', 'utf8'))![1]);
      const ran = await run(['/bin/true'], {}, (spec) => {
        spec.process.rlimits = [{ name: 'nofile', soft: hard + 1, hard: hard + 1 }];
      });
      const canRaise = /^CapEff:\s*([0-9a-f]+)/m.exec(fs.readFileSync('/proc/self/status', 'utf8'));
      if (canRaise !== null && (BigInt(`0x${canRaise[1]}`) & (1n << 24n)) !== 0n) {
        expect(ran.status).toBe(0);
      } else {
        expect(ran.error?.message).toMatch(/above the hard limit .* needs CAP_SYS_RESOURCE/);
        expect(ran.error?.errno).toBe('EPERM');
      }
    });

    it('refuses -w through a /proc fd link (CVE-2024-21626 shape)', async () => {
      // Inside, pid 1's fd 3 is gbx-run's control socket until execve: not a directory, so chdir fails.
      const leak = await run(['/bin/true'], { workdir: '/proc/1/fd/3' });
      expect(leak.error?.message).toMatch(/failed to chdir to \/proc\/1\/fd\/3/);
      expect(leak.status).toBe(125);
    });

    it('publishes every step on glassbox:container:step', async () => {
      const events: ContainerStepEvent[] = [];
      const stop = subscribeContainerSteps((event) => events.push(event));
      try {
        const ran = await run(['/bin/true']);
        expect(ran.status).toBe(0);
        expect(events.filter((e) => e.phase === 'done').map((e) => e.op)).toEqual(ran.steps.map((s) => s.op));
        expect(events.find((e) => e.op === 'sethostname')?.args.name).toBeDefined();
      } finally {
        stop();
      }
    });

    it('pauses before each step in step mode; the helper runs from a sealed memfd (CVE-2019-5736)', async () => {
      const rootfs = makeRunRootfs();
      roots.push(rootfs);
      const spec = dockerFlagsToSpec(`t${process.pid}step`, rootfs, ['/bin/true'], {});
      let child = 0;
      const seen: string[] = [];
      const exe: { link: string; writeErrno: string }[] = [];
      const launched = await launchContainer(spec, {
        stdio: ['ignore', 'ignore', 'ignore'],
        beforeRelease: (pid) => {
          child = pid;
        },
        onNext: async (step) => {
          seen.push(step.op);
          if (step.op === 'sethostname') {
            // Paused: the child has not run this step yet, and the host still sees its old name.
            expect(fs.readFileSync(`/proc/${child}/root/proc/sys/kernel/hostname`, 'utf8').trim()).not.toBe(spec.hostname);
            const link = fs.readlinkSync(`/proc/${child}/exe`);
            let writeErrno = 'none';
            try {
              fs.closeSync(fs.openSync(`/proc/${child}/exe`, 'r+'));
            } catch (error) {
              writeErrno = (error as NodeJS.ErrnoException).code ?? '?';
            }
            exe.push({ link, writeErrno });
          }
          await new Promise((resolve) => setTimeout(resolve, 1));
        },
      });
      started.push(launched.pid, launched.helperPid);
      const result = await launched.exited;
      expect(result.status).toBe(0);
      // Every step that ran was announced first, in the same order.
      expect(seen).toEqual(result.steps.map((step) => step.op));
      expect(exe[0]!.link).toMatch(/^\/memfd:gbx-run/);
      expect(exe[0]!.writeErrno).toMatch(/EPERM|ETXTBSY|EACCES/);
    });

    it('contains a fork bomb with --pids-limit', async () => {
      const ran = await run(
        // The bomb runs in a subshell (ash gives up at the first refused fork) and is counted with a
        // glob, a shell builtin: once the bomb holds every pid, nothing else can fork.
        ['/bin/sh', '-c', '(for i in $(seq 60); do sleep 30 & done) 2>/dev/null; set -- /proc/[0-9]*; echo $#'],
        { pidsLimit: '20' },
      );
      expect(ran.status, ran.stderr).toBe(0);
      expect(Number(ran.stdout.trim())).toBeGreaterThan(5);
      expect(Number(ran.stdout.trim())).toBeLessThanOrEqual(20);
      expect(ran.cgroup.pidsRefused).toBeGreaterThan(0);
    });

    it('is OOM-killed above --memory, exit 137 and OOM reported', async () => {
      const ran = await run(['/bin/dd', 'if=/dev/zero', 'of=/dev/null', 'bs=128M', 'count=1'], { memory: '32m' });
      expect(ran.status).toBe(137);
      expect(ran.signal).toBe('SIGKILL');
      expect(ran.oomKilled).toBe(true);
    });
  });
}
