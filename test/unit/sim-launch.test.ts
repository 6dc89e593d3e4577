import type { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { dockerFlagsToSpec, type DockerRunFlags } from '../../src/container/docker-flags.js';
import { startContainer } from '../../src/container/run-container.js';
import type { ContainerSpec } from '../../src/container/spec.js';
import { parseProbeReport } from '../../src/native/probe.js';
import { createSimKernel, createSimLauncher, type SimKernel } from '../../src/kernel/sim/index.js';
import { pivotRootAt } from '../../src/kernel/sim/root-change.js';
import { errnoName } from '../../src/kernel/errno.js';
import { ErrnoFailure } from '../../src/kernel/trace.js';

/** The errno name a model call fails with, or 'ok'. */
function outcome(call: () => void): string {
  try {
    call();
    return 'ok';
  } catch (error) {
    if (error instanceof ErrnoFailure) return errnoName(error.errno);
    throw error;
  }
}

const ELF = Buffer.concat([Buffer.from('\x7fELF', 'latin1'), Buffer.alloc(60)]);

/** A root like test/helpers/run-rootfs.ts makes, in the simulation: busybox and its applets, gbx-probe, gbx-load. */
function simRootfs(k: SimKernel): string {
  const root = k.mkdtemp('/tmp/glassbox-run-');
  k.chmod(root, 0o755);
  k.mkdir(`${root}/bin`, 0o755);
  k.mkdir(`${root}/tmp`);
  k.chmod(`${root}/tmp`, 0o1777);
  for (const file of ['bin/busybox', 'gbx-probe', 'gbx-load']) {
    k.writeFile(`${root}/${file}`, ELF);
    k.chmod(`${root}/${file}`, 0o755);
  }
  for (const applet of ['sh', 'cat', 'ls', 'sleep', 'echo', 'true', 'hostname']) k.symlink('busybox', `${root}/bin/${applet}`);
  return root;
}

function collect(stream: Readable | null): Promise<string> {
  if (stream === null) return Promise.resolve('');
  let text = '';
  stream.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
  return new Promise((resolve) => stream.on('close', () => resolve(text)));
}

async function run(k: SimKernel, args: string[], flags: DockerRunFlags = {}, edit?: (spec: ContainerSpec) => void) {
  const spec = dockerFlagsToSpec('sim1', simRootfs(k), args, flags);
  edit?.(spec);
  const container = await startContainer(k, spec, { stdio: ['ignore', 'pipe', 'pipe'], launcher: createSimLauncher(k) });
  const [stdout, stderr, result] = await Promise.all([collect(container.launched.stdout), collect(container.launched.stderr), container.wait()]);
  return { ...result, stdout, stderr, pid: container.launched.pid };
}

describe('the simulated launcher (gbx-run modelled)', () => {
  it('takes gbx-run steps in its order and runs the probe as PID 1 in new namespaces', async () => {
    const k = createSimKernel({ cgroupLayout: 'hybrid' });
    const ran = await run(k, ['/gbx-probe'], { hostname: 'inside' });
    expect(ran.status, ran.stderr).toBe(0);
    const ops = ran.steps.map((s) => s.op);
    expect(ops.slice(0, 5)).toEqual(['clone', 'unshare', 'sethostname', 'ioctl', 'mount']);
    expect(ops.indexOf('pivot_root')).toBeGreaterThan(ops.indexOf('mount'));
    expect(ran.steps.at(-1)).toEqual({ op: 'execve', args: { result: 'the program is running' }, ret: 0, errno: null });
    expect(ran.steps[0]).toMatchObject({ op: 'clone', ret: ran.pid, errno: null });
    const report = parseProbeReport(ran.stdout);
    expect(report).toMatchObject({ pid: 1, ppid: 0, hostname: 'inside', root: '/', cwd: '/' });
    const host = (name: string): string => k.readlink(`/proc/self/ns/${name}`);
    for (const name of ['mnt', 'uts', 'ipc', 'pid', 'net', 'cgroup'] as const) expect(`${name}:[${report.namespaces[name]!.inode}]`).not.toBe(host(name));
    expect(`user:[${report.namespaces.user!.inode}]`).toBe(host('user'));
    expect(report.capabilities.effective!.names).toContain('CAP_SYS_CHROOT');
    expect(report.capabilities.effective!.names).not.toContain('CAP_SYS_ADMIN');
    expect(report.cgroups!.every((c) => c.path === '/')).toBe(true);
    expect(k.readFile('/proc/sys/kernel/hostname')).toBe('glassbox\n');
  });

  it('drops every capability of a non-root user at execve', async () => {
    const k = createSimKernel({ cgroupLayout: 'v1' });
    const ran = await run(k, ['/gbx-probe'], { user: '1000:1000', capDrop: ['ALL'], capAdd: ['NET_BIND_SERVICE'] });
    const report = parseProbeReport(ran.stdout);
    expect(report.uid!.effective).toBe(1000);
    expect(report.capabilities.effective!.names).toEqual([]);
    expect(report.capabilities.bounding!.names).toEqual(['CAP_NET_BIND_SERVICE']);
  });

  it('fails a missing program with ENOENT and status 127, before any execve step', async () => {
    const k = createSimKernel({ cgroupLayout: 'hybrid' });
    const ran = await run(k, ['no-such-program']);
    expect(ran.status).toBe(127);
    expect(ran.error).toEqual({ message: expect.stringMatching(/^failed to find no-such-program in PATH/), errno: 'ENOENT' });
    expect(ran.steps.map((s) => s.op)).not.toContain('execve');
    const direct = await run(k, ['/no/such']);
    expect(direct.steps.at(-1)).toMatchObject({ op: 'execve', ret: -1, errno: 'ENOENT' });
    expect(direct.status).toBe(127);
  });

  it('escapes a chroot but not a pivot_root', async () => {
    const k = createSimKernel({ cgroupLayout: 'hybrid' });
    const pivoted = await run(k, ['/gbx-load', 'chroot-escape']);
    expect(pivoted.stdout).toMatch(/escaped=no/);
    const chrooted = await run(k, ['/gbx-load', 'chroot-escape'], {}, (spec) => {
      spec.namespaces = spec.namespaces.filter((ns) => ns !== 'mount');
    });
    expect(chrooted.steps.map((s) => s.op)).toContain('chroot');
    expect(chrooted.steps.map((s) => s.op)).not.toContain('pivot_root');
    expect(chrooted.stdout).toMatch(/escaped=yes/);
  });

  it('is OOM-killed above --memory: 137 and the v1 counters', async () => {
    const k = createSimKernel({ cgroupLayout: 'hybrid' });
    const ran = await run(k, ['/gbx-load', 'hog', '100000000'], { memory: '32m' });
    expect(ran.status).toBe(137);
    expect(ran.signal).toBe('SIGKILL');
    expect(ran.oomKilled).toBe(true);
    expect(ran.stdout.trim().split('\n').at(-1)).toBe('touched=29360128');
  });

  it('stops a fork bomb at pids.max with EAGAIN', async () => {
    const k = createSimKernel({ cgroupLayout: 'hybrid' });
    const ran = await run(k, ['/gbx-load', 'forks', '50', '0'], { pidsLimit: '20' });
    expect(ran.stdout).toMatch(/forked=19 errno=EAGAIN/);
    expect(ran.cgroup.pidsRefused).toBe(1);
  });

  it('pivot_root refuses a new root that is no mount point (EINVAL) or on the current root (EBUSY)', () => {
    const k = createSimKernel();
    const dir = k.mkdtemp('/tmp/glassbox-');
    k.mkdir(`${dir}/old`);
    const self = k.machine.self;
    const ctx = k.machine.context();
    // /tmp is on the root mount: the kernel's EBUSY check comes before "not a mount point".
    expect(outcome(() => pivotRootAt(ctx, self, dir, `${dir}/old`))).toBe('EBUSY');
    k.mount({ source: 'tmpfs', target: dir, fstype: 'tmpfs', flags: 0, data: null });
    k.mkdir(`${dir}/sub`);
    k.mkdir(`${dir}/sub/old`);
    expect(outcome(() => pivotRootAt(ctx, self, `${dir}/sub`, `${dir}/sub/old`))).toBe('EINVAL');
    k.umount(dir);
  });
});
