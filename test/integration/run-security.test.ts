import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { execSpecFor } from '../../src/container/exec-spec.js';
import { warmCgroupTarget } from '../../src/container/cgroups.js';
import { launchContainer, launchExec, startHelper } from '../../src/container/launch.js';
import { detectCgroupLayout } from '../../src/observe/cgroup-layout.js';
import { nativeBinary } from '../../src/native/paths.js';
import { parseProbeReport } from '../../src/native/probe.js';
import { describeGateOutcome, realKernelGate } from '../helpers/real-kernel.js';
import { collect, useRunHarness } from './run-harness.js';

const gate = await realKernelGate();
const ready = nativeBinary('gbx-run') !== undefined && fs.existsSync('/bin/busybox');

function sha256(file: string): string {
  return createHash('sha256').update(fs.readFileSync(file)).digest('hex');
}

function fileIdentity(file: string): { hash: string; mtimeMs: number; size: number } {
  const st = fs.statSync(file);
  return { hash: sha256(file), mtimeMs: st.mtimeMs, size: st.size };
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

if (gate.mode !== 'run') {
  describeGateOutcome('run: the security checks of the issue on the real kernel', gate);
} else {
  describe.skipIf(!ready && process.env.GLASSBOX_REQUIRE_REAL !== '1')('run: the security checks of the issue on the real kernel', () => {
    const h = useRunHarness('run-security', gate.createKernel);

    it('throttles a busy loop under --cpus 0.5: nr_throttled grows in the cgroup\'s cpu.stat', async () => {
      // Two loops want two CPUs. The top --cpu-shares makes sure the group wants more than its
      // quota even on a busy machine: with the default weight it competes with every other task
      // at its level, and may get less than half a CPU without ever touching the quota.
      const spec = h.spec(['/bin/sh', '-c', 'while :; do :; done & while :; do :; done'], { cpus: '0.5', cpuShares: '262144' });
      const container = await h.start(spec);
      const group = container.plan.groups.find((g) => g.controllers.includes('cpu'))!;
      let stat = '';
      try {
        expect(await container.launched.running).toBe(true);
        // Ten 100 ms periods: at 50 000 us of quota each, a loop that wants all of them is throttled in most.
        await sleep(1000);
        stat = fs.readFileSync(path.join(group.dir, 'cpu.stat'), 'utf8');
        expect(fs.readFileSync(path.join(group.dir, group.version === 1 ? 'cpu.cfs_quota_us' : 'cpu.max'), 'utf8')).toMatch(/^50000\b/);
      } finally {
        process.kill(container.launched.pid, 'SIGKILL');
        await container.wait();
      }
      const throttled = Number(/^nr_throttled (\d+)$/m.exec(stat)?.[1]);
      expect(throttled, stat).toBeGreaterThan(0);
    });

    it('cannot write the cgroup v1 release_agent from inside, with the default caps or with CAP_SYS_ADMIN', async () => {
      const hostAgent = '/sys/fs/cgroup/memory/release_agent';
      const before = fs.existsSync(hostAgent) ? fs.readFileSync(hostAgent, 'utf8') : null;
      const attempt = [
        'echo /evil > /sys/fs/cgroup/memory/release_agent; echo direct=$?',
        'mkdir -p /tmp/cg; /bin/busybox mount -t cgroup -o memory cgroup /tmp/cg; echo mount=$?',
        // Only through a mount that worked: otherwise /tmp/cg is a plain directory of the image.
        'if [ -e /tmp/cg/cgroup.procs ]; then echo /evil > /tmp/cg/release_agent; echo agent=$?; else echo agent=unmounted; fi',
      ].join('; ');
      const plain = await h.run(['/bin/sh', '-c', attempt]);
      expect(plain.stdout).toMatch(/direct=[12]/);
      expect(plain.stdout).toMatch(/mount=[1-9]/); // no CAP_SYS_ADMIN: mount(2) is EPERM
      expect(plain.stdout).toMatch(/agent=unmounted/);
      // CVE-2022-0492: even allowed to mount the hierarchy, a task outside the initial cgroup
      // namespace may not set release_agent.
      const admin = await h.run(['/bin/sh', '-c', attempt], { capAdd: ['SYS_ADMIN'] });
      expect(admin.stdout).toMatch(/mount=0/);
      expect(admin.stdout).toMatch(/agent=[12]/);
      expect(admin.stderr).toMatch(/release_agent.*(Operation not permitted|Permission denied)/);
      expect(fs.existsSync(hostAgent) ? fs.readFileSync(hostAgent, 'utf8') : null).toBe(before);
    });

    it('does not pass a caller\'s leaked fd to the container, and -w /proc/self/fd/N through it fails (CVE-2024-21626)', async () => {
      const dir = h.scratch();
      const wrapper = path.join(dir, 'leaky-caller');
      // A caller that leaks fd 7, the host's /, into gbx-run (not close-on-exec).
      fs.writeFileSync(wrapper, `#!/bin/sh\nexec 7</\nexec ${nativeBinary('gbx-run')!} "$@"\n`, { mode: 0o755 });
      const probe = await launchContainer(h.spec(['/gbx-probe']), { helper: wrapper, stdio: ['ignore', 'pipe', 'pipe'] });
      h.track(probe.pid, probe.helperPid);
      const [stdout, , result] = await Promise.all([collect(probe.stdout), collect(probe.stderr), probe.exited]);
      expect(result.status).toBe(0);
      expect(parseProbeReport(stdout).fds!.map((fd) => fd.fd)).toEqual([0, 1, 2]);

      const spec = h.spec(['/bin/true'], { workdir: '/proc/self/fd/7' });
      const cwd = await launchContainer(spec, { helper: wrapper, stdio: ['ignore', 'ignore', 'ignore'] });
      h.track(cwd.pid, cwd.helperPid);
      const refused = await cwd.exited;
      expect(refused.status).toBe(125);
      expect(refused.error?.message).toMatch(/working directory \/proc\/self\/fd\/7 is outside it/);
    });

    it('a helper started ahead keeps the cgroup lock warm from its own group: it stays there, and the host\'s cgroup.procs never reaches the container', async () => {
      const warmCgroup = warmCgroupTarget(h.kernel(), detectCgroupLayout(h.kernel()));
      if (warmCgroup === undefined) return console.warn('skipped: no cgroup v1 hierarchy on this machine (gbx-run has nothing to keep warm)');
      const helper = startHelper({ warmCgroup, stdio: ['ignore', 'pipe', 'pipe'] });
      h.track(helper.child.pid!);
      // Long enough for many rounds of its moves into where it already is.
      await sleep(60);
      expect(fs.readFileSync(`/proc/${helper.child.pid}/cgroup`, 'utf8')).toBe(fs.readFileSync('/proc/self/cgroup', 'utf8'));
      const probe = await launchContainer(h.spec(['/gbx-probe']), { started: helper });
      h.track(probe.pid);
      const [stdout, , result] = await Promise.all([collect(probe.stdout), collect(probe.stderr), probe.exited]);
      expect(result.status).toBe(0);
      const report = parseProbeReport(stdout);
      expect(report.fds!.map((fd) => fd.fd)).toEqual([0, 1, 2]);
      expect(() => launchContainer(h.spec(['/bin/true']), { started: helper })).toThrow(/already taken/);
    });

    it('a helper started ahead and not needed ends when cancelled, or when glassbox goes', async () => {
      const cancelled = startHelper({ stdio: ['ignore', 'ignore', 'ignore'] });
      const orphaned = startHelper({ stdio: ['ignore', 'ignore', 'ignore'], warmCgroup: '/nonexistent/cgroup.procs' });
      h.track(cancelled.child.pid!, orphaned.child.pid!);
      cancelled.cancel();
      expect(await cancelled.closed).toEqual({ code: null, signal: 'SIGKILL' });
      // What gbx-run sees when glassbox dies: its control socket closes. It exits on its own.
      orphaned.control.destroy();
      expect((await orphaned.closed).code).toBe(125);
    });

    it('runs an entrypoint "#!/proc/self/exe" on the sealed copy: the helper and node binaries stay as they were (CVE-2019-5736)', async () => {
      const helper = nativeBinary('gbx-run')!;
      const before = [fileIdentity(helper), fileIdentity(process.execPath)];
      const ran = await h.run(['/evil'], {}, (spec) => {
        fs.writeFileSync(path.join(spec.rootfs, 'evil'), '#!/proc/self/exe\n', { mode: 0o755 });
      });
      // /proc/self/exe of the exec'ing child is gbx-run's memfd: it ran, saw arguments, printed its usage.
      expect(ran.status).toBe(2);
      expect(ran.stderr).toMatch(/usage: gbx-run/);
      expect([fileIdentity(helper), fileIdentity(process.execPath)]).toEqual(before);
    });

    it('a container process with CAP_SYS_PTRACE sees an exec\'d helper child but cannot write its /proc/<pid>/exe', async () => {
      const helper = nativeBinary('gbx-run')!;
      const before = fileIdentity(helper);
      const watcher = [
        'for i in $(seq 200); do',
        '  for p in /proc/[0-9]*; do',
        '    l=$(/bin/busybox readlink $p/exe 2>/dev/null)',
        '    case "$l" in *gbx-run*) echo "seen $l"; (echo x >> $p/exe) 2>/dev/null && echo WROTE || echo refused; exit 0;; esac',
        '  done',
        '  sleep 0.05',
        'done; echo none',
      ].join('\n');
      const spec = h.spec(['/bin/sh', '-c', watcher], { capAdd: ['SYS_PTRACE'] });
      const container = await h.start(spec);
      const output = collect(container.launched.stdout);
      expect(await container.launched.running).toBe(true);
      // Paused just before its execve, the exec'd child is inside the pid namespace, still the helper's image.
      const joined = await launchExec(execSpecFor(spec, container.launched.pid, ['/bin/true']), {
        stdio: ['ignore', 'ignore', 'ignore'],
        onNext: async (step) => {
          if (step.op === 'execve') await Promise.race([output, sleep(3000)]);
        },
      });
      h.track(joined.pid, joined.helperPid);
      await joined.exited;
      const [text] = await Promise.all([output, container.wait()]);
      expect(text).toMatch(/^seen \/memfd:gbx-run \(deleted\)$/m);
      expect(text).toMatch(/^refused$/m);
      expect(fileIdentity(helper)).toEqual(before);
    });

    it.each(['/sys', '/dev/null'])('refuses an image whose %s is a symlink', async (target) => {
      const ran = await h.run(['/bin/true'], {}, (spec) => {
        fs.mkdirSync(path.join(spec.rootfs, path.dirname(target)), { recursive: true });
        fs.symlinkSync('/etc', path.join(spec.rootfs, target));
      });
      expect(ran.status).toBe(125);
      expect(ran.error?.message).toMatch(new RegExp(`${target.replace('/', '\\/')} is a symlink`));
    });
  });
}
