import { describe, expect, it } from 'vitest';
import { outcome } from '../helpers/outcome.js';
import { createSimKernel, SELF_PID } from '../../src/kernel/sim/index.js';
import { detectCgroupLayout } from '../../src/observe/cgroup-layout.js';
import { parseMountInfo } from '../../src/observe/mountinfo.js';
import { readNamespaces } from '../../src/observe/namespaces.js';
import { readProcessTree } from '../../src/observe/process-tree.js';
import { readStatus } from '../../src/observe/status.js';

describe('simulated procfs', () => {
  it('links /proc/self and /proc/thread-self to the calling process', () => {
    const k = createSimKernel();
    expect(k.getpid()).toBe(SELF_PID);
    expect(k.readlink('/proc/self')).toBe(String(SELF_PID));
    expect(k.readlink('/proc/thread-self')).toBe(`${SELF_PID}/task/${SELF_PID}`);
    expect(k.readFile('/proc/self/comm')).toBe('node\n');
    expect(k.readFile(`/proc/${SELF_PID}/task/${SELF_PID}/comm`)).toBe('node\n');
    expect(k.readlink('/proc/mounts')).toBe('self/mounts');
  });

  it('shows namespaces as links with the fixed inode numbers of a 6.x kernel', () => {
    const k = createSimKernel();
    expect(k.readdir('/proc/self/ns')).toEqual(['cgroup', 'ipc', 'mnt', 'net', 'pid', 'pid_for_children', 'time', 'time_for_children', 'user', 'uts']);
    expect(k.readlink('/proc/self/ns/mnt')).toBe('mnt:[4026531832]');
    expect(k.readlink('/proc/self/ns/cgroup')).toBe('cgroup:[4026531835]');
    expect(k.lstat('/proc/self/ns/uts')).toMatchObject({ type: 'symlink', mode: 0o120777 });
    const ns = readNamespaces(k, 'self');
    expect(ns.pid?.inode).toBe(ns.pid_for_children?.inode);
    // Every process of the host shares them: nothing unshared yet.
    expect(readNamespaces(k, 1)).toEqual(ns);
  });

  it('reads status, stat and the process tree the way observe parses a real host', () => {
    const k = createSimKernel();
    const status = readStatus(k, 'self');
    expect(status).toMatchObject({ name: 'node', pid: SELF_PID, noNewPrivs: false });
    expect(status.uid.effective).toBe(0);
    expect(status.capabilities.effective).toBe((1n << 41n) - 1n);
    expect(status.capabilities.ambient).toBe(0n);
    const tree = readProcessTree(k, 1)!;
    expect(tree.stat.comm).toBe('systemd');
    const shell = tree.children.find((c) => c.stat.comm === 'bash')!;
    expect(shell.children.map((c) => c.stat.pid)).toEqual([SELF_PID]);
  });

  it('writes mountinfo that observe parses and the cgroup layout it detects', () => {
    for (const layout of ['v1', 'v2', 'hybrid'] as const) {
      const k = createSimKernel({ cgroupLayout: layout });
      expect(parseMountInfo(k.readFile('/proc/self/mountinfo')).length).toBeGreaterThan(5);
      expect(detectCgroupLayout(k).kind).toBe(layout);
    }
  });

  it('sets the hostname of the UTS namespace through /proc/sys/kernel/hostname', () => {
    const k = createSimKernel({ hostname: 'lab-07' });
    expect(k.readFile('/proc/sys/kernel/hostname')).toBe('lab-07\n');
    expect(k.readFile('/etc/hostname')).toBe('lab-07\n');
    k.writeFile('/proc/sys/kernel/hostname', 'container\n');
    expect(k.readFile('/proc/sys/kernel/hostname')).toBe('container\n');
    // /etc/hostname is a plain file: the kernel does not read it back.
    expect(k.readFile('/etc/hostname')).toBe('lab-07\n');
    expect(k.readFile('/proc/sys/kernel/cap_last_cap')).toBe('40\n');
    expect(k.readFile('/proc/sys/kernel/osrelease')).toMatch(/^6\.\d+\.\d+/);
  });

  it('refuses to make, remove or change what procfs synthesizes', () => {
    const k = createSimKernel();
    expect(outcome(() => k.writeFile('/proc/newfile', 'x'))).toBe('EACCES');
    expect(outcome(() => k.mkdir('/proc/newdir'))).toBe('EPERM');
    expect(outcome(() => k.unlink('/proc/uptime'))).toBe('EPERM');
    expect(outcome(() => k.writeFile('/proc/self/status', 'x'))).toBe('EINVAL');
    expect(outcome(() => k.chmod('/proc/uptime', 0o600))).toBe('EPERM');
    expect(outcome(() => k.setxattr('/proc/uptime', 'user.x', '1'))).toBe('EOPNOTSUPP');
    expect(outcome(() => k.readFile('/proc/4194000/status'))).toBe('ENOENT');
  });

  it('drops /proc/<pid> of a process once it is reaped', async () => {
    const k = createSimKernel();
    const child = k.spawn(['sleep', '5']);
    expect(k.readFile(`/proc/${child.pid}/cmdline`)).toBe('sleep\u00005\u0000');
    expect(k.readlink(`/proc/${child.pid}/exe`)).toBe('/usr/bin/sleep');
    expect(k.readFile(`/proc/${child.pid}/status`)).toContain(`PPid:\t${SELF_PID}\n`);
    k.kill(child.pid, 'SIGTERM');
    await child.exited;
    expect(outcome(() => k.readdir(`/proc/${child.pid}`))).toBe('ENOENT');
    expect(k.readdir('/proc').includes(String(child.pid))).toBe(false);
  });
});
