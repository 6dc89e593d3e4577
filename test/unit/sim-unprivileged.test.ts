import { describe, expect, it } from 'vitest';
import { outcome } from '../helpers/outcome.js';
import { S_IF } from '../../src/kernel/flags.js';
import { createSimKernel } from '../../src/kernel/sim/index.js';

/**
glassbox as uid 65534 without capabilities. The expected errnos were measured on Linux 6.18 with
`setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all --bounding-set=-all`.
*/
describe('simulated kernel, unprivileged', () => {
  const k = createSimKernel({ privileged: false });
  const d = k.mkdtemp('/tmp/glassbox-');

  it('runs as nobody with no capabilities', () => {
    const status = k.readFile('/proc/self/status');
    expect(status).toContain('Uid:\t65534\t65534\t65534\t65534\n');
    expect(status).toContain('CapEff:\t0000000000000000\n');
    expect(k.lstat(d)).toMatchObject({ uid: 65534, gid: 65534 });
  });

  it('may not mount or umount, but looks the target up first', () => {
    k.mkdir(`${d}/m`);
    expect(outcome(() => k.mount({ source: 'tmpfs', target: `${d}/m`, fstype: 'tmpfs', flags: 0 }))).toBe('EPERM');
    expect(outcome(() => k.mount({ source: 'tmpfs', target: `${d}/nope`, fstype: 'tmpfs', flags: 0 }))).toBe('ENOENT');
    expect(outcome(() => k.umount('/proc'))).toBe('EPERM');
    expect(outcome(() => k.umount(`${d}/nope`))).toBe('ENOENT');
  });

  it('makes fifos and whiteouts but no devices', () => {
    expect(outcome(() => k.mknod(`${d}/null`, S_IF.S_IFCHR | 0o666, 1, 3))).toBe('EPERM');
    expect(outcome(() => k.mknod(`${d}/fifo`, S_IF.S_IFIFO | 0o644, 0, 0))).toBe('ok');
    expect(outcome(() => k.mknod(`${d}/wh`, S_IF.S_IFCHR, 0, 0))).toBe('ok');
    // The name is checked before the capability.
    expect(outcome(() => k.mknod(`${d}/fifo`, S_IF.S_IFCHR, 1, 3))).toBe('EEXIST');
  });

  it('keeps trusted.* for CAP_SYS_ADMIN and user.* for files and directories it may write', () => {
    k.writeFile(`${d}/own`, '');
    expect(outcome(() => k.setxattr(`${d}/own`, 'trusted.overlay.opaque', 'y'))).toBe('EPERM');
    expect(outcome(() => k.setxattr(`${d}/own`, 'security.glassbox', 'y'))).toBe('EPERM');
    expect(outcome(() => k.setxattr(`${d}/own`, 'user.glassbox', 'y'))).toBe('ok');
    expect(outcome(() => k.setxattr(`${d}/fifo`, 'user.glassbox', 'y'))).toBe('EPERM');
    expect(outcome(() => k.setxattr('/etc/hostname', 'user.glassbox', 'y'))).toBe('EACCES');
    expect(outcome(() => k.getxattr(`${d}/own`, 'trusted.anything'))).toBe('ENODATA');
  });

  it('may not touch cgroups it does not own', () => {
    const scope = '/sys/fs/cgroup/user.slice/user-0.slice/session-1.scope';
    expect(outcome(() => k.mkdir(`${scope}/mine`))).toBe('EACCES');
    expect(outcome(() => k.writeFile(`${scope}/cgroup.procs`, String(k.getpid())))).toBe('EACCES');
    expect(outcome(() => k.writeFile(`${scope}/cgroup.subtree_control`, '+pids'))).toBe('EACCES');
  });

  it('is held to file permissions, ownership and ptrace rules', () => {
    expect(outcome(() => k.writeFile('/etc/hostname', 'x'))).toBe('EACCES');
    expect(outcome(() => k.chmod('/etc/hostname', 0o777))).toBe('EPERM');
    expect(outcome(() => k.lchown(`${d}/own`, 0, 0))).toBe('EPERM');
    expect(outcome(() => k.lchown(`${d}/own`, 65534, 65534))).toBe('ok');
    expect(outcome(() => k.mkdir('/root/x'))).toBe('EACCES');
    expect(outcome(() => k.lstat('/root/x'))).toBe('EACCES');
    k.mkdir(`${d}/closed`, 0);
    expect(outcome(() => k.lstat(`${d}/closed/x`))).toBe('EACCES');
    k.rmdir(`${d}/closed`);
    expect(outcome(() => k.readlink('/proc/1/ns/mnt'))).toBe('EACCES');
    expect(k.readlink('/proc/self/ns/mnt')).toBe('mnt:[4026531832]');
    expect(k.readFile('/proc/1/mountinfo')).toContain(' / / ');
    expect(outcome(() => k.kill(1, 0))).toBe('EPERM');
    expect(outcome(() => k.kill(4194000, 0))).toBe('ESRCH');
    expect(outcome(() => k.writeFile('/proc/sys/kernel/hostname', 'x'))).toBe('EACCES');
  });

  it('may not remove what others own in a sticky directory', () => {
    const root = createSimKernel();
    root.writeFile('/tmp/roots', '');
    root.mkdir('/tmp/shared');
    root.chmod('/tmp/shared', 0o777);
    root.writeFile('/tmp/shared/roots', '');
    // Drop to nobody in the same machine.
    Object.assign(root.machine.self, { uid: 65534, gid: 65534 });
    root.machine.self.caps.effective = 0n;
    expect(outcome(() => root.unlink('/tmp/roots'))).toBe('EPERM');
    expect(outcome(() => root.rename('/tmp/roots', '/tmp/mine'))).toBe('EPERM');
    expect(outcome(() => root.unlink('/tmp/shared/roots'))).toBe('ok');
  });
});
