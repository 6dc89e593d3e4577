import { describe, expect, it } from 'vitest';
import { outcome } from '../helpers/outcome.js';
import { S_IF } from '../../src/kernel/flags.js';
import { createSimKernel } from '../../src/kernel/sim/index.js';
import type { Kernel } from '../../src/kernel/types.js';

/** Three layers as an image unpacker leaves them (whiteouts and opaque dirs in overlay form), mounted. */
function layered(k: Kernel): string {
  const d = k.mkdtemp('/tmp/glassbox-');
  for (const dir of ['base', 'base/etc', 'base/app', 'mid', 'mid/etc', 'mid/app', 'top', 'top/app', 'upper', 'work', 'merged']) k.mkdir(`${d}/${dir}`);
  k.writeFile(`${d}/base/etc/passwd`, 'root');
  k.writeFile(`${d}/base/etc/shadow`, 'secret');
  k.writeFile(`${d}/base/app/old.js`, 'v1');
  k.writeFile(`${d}/mid/etc/passwd`, 'root+app');
  k.mknod(`${d}/mid/etc/shadow`, S_IF.S_IFCHR, 0, 0);
  k.writeFile(`${d}/mid/app/new.js`, 'v2');
  k.setxattr(`${d}/top/app`, 'trusted.overlay.opaque', 'y');
  k.writeFile(`${d}/top/app/main.js`, 'v3');
  k.mount({ source: 'overlay', target: `${d}/merged`, fstype: 'overlay', flags: 0, data: `lowerdir=${d}/top:${d}/mid:${d}/base,upperdir=${d}/upper,workdir=${d}/work` });
  return d;
}

describe('simulated overlayfs', () => {
  it('merges lowers top first: whiteouts in a lower hide the layers below, opaque dirs hide their contents', () => {
    const k = createSimKernel();
    const d = layered(k);
    expect(k.readdir(`${d}/merged/etc`).sort()).toEqual(['passwd']);
    expect(k.readFile(`${d}/merged/etc/passwd`)).toBe('root+app');
    expect(outcome(() => k.lstat(`${d}/merged/etc/shadow`))).toBe('ENOENT');
    expect(k.readdir(`${d}/merged/app`)).toEqual(['main.js']);
    expect(k.readdir(`${d}/merged`).sort()).toEqual(['app', 'etc']);
    k.umount(`${d}/merged`);
  });

  it('copies up on the first change, keeping mode, owner, xattrs and the inode number', () => {
    const k = createSimKernel();
    const d = layered(k);
    k.chmod(`${d}/base/etc/passwd`, 0o600);
    k.lchown(`${d}/mid/etc/passwd`, 7, 8);
    k.setxattr(`${d}/mid/etc/passwd`, 'user.note', 'kept');
    const before = k.lstat(`${d}/merged/etc/passwd`);
    k.writeFile(`${d}/merged/etc/passwd`, 'changed');
    const after = k.lstat(`${d}/merged/etc/passwd`);
    expect(after.ino).toBe(before.ino);
    expect(k.lstat(`${d}/upper/etc/passwd`)).toMatchObject({ uid: 7, gid: 8, mode: S_IF.S_IFREG | 0o644 });
    expect(k.getxattr(`${d}/upper/etc/passwd`, 'user.note').toString()).toBe('kept');
    expect(k.listxattr(`${d}/upper/etc/passwd`)).toContain('trusted.overlay.origin');
    // Through the overlay its own attributes stay hidden.
    expect(k.listxattr(`${d}/merged/etc/passwd`)).toEqual(['user.note']);
    expect(k.readFile(`${d}/mid/etc/passwd`)).toBe('root+app');
    // The parent directory came up too, and only it: its other entries stay below.
    expect(k.readdir(`${d}/upper/etc`)).toEqual(['passwd']);
    k.umount(`${d}/merged`);
  });

  it('deletes with whiteouts, and a directory made over a whiteout is opaque', () => {
    const k = createSimKernel();
    const d = layered(k);
    k.unlink(`${d}/merged/app/main.js`);
    expect(k.lstat(`${d}/upper/app/main.js`)).toMatchObject({ type: 'char', mode: S_IF.S_IFCHR, rdevMajor: 0, rdevMinor: 0 });
    k.rmdir(`${d}/merged/app`);
    expect(k.lstat(`${d}/upper/app`).type).toBe('char');
    k.mkdir(`${d}/merged/app`);
    expect(k.getxattr(`${d}/upper/app`, 'trusted.overlay.opaque').toString()).toBe('y');
    expect(k.readdir(`${d}/merged/app`)).toEqual([]);
    // A name only upper had goes without a trace.
    k.writeFile(`${d}/merged/tmpfile`, '');
    k.unlink(`${d}/merged/tmpfile`);
    expect(k.readdir(`${d}/upper`).includes('tmpfile')).toBe(false);
    k.umount(`${d}/merged`);
  });

  it('refuses what the kernel refuses through an overlay', () => {
    const k = createSimKernel();
    const d = layered(k);
    expect(outcome(() => k.mknod(`${d}/merged/wh`, S_IF.S_IFCHR, 0, 0))).toBe('EPERM');
    expect(outcome(() => k.rename(`${d}/merged/etc`, `${d}/merged/etc2`))).toBe('EXDEV');
    expect(outcome(() => k.rmdir(`${d}/merged/etc`))).toBe('ENOTEMPTY');
    k.mkdir(`${d}/merged/fresh`);
    k.rename(`${d}/merged/fresh`, `${d}/merged/fresh2`);
    expect(k.readdir(`${d}/upper`).sort()).toEqual(['fresh2']);
    k.umount(`${d}/merged`);
  });

  it('is read-only without an upper layer and needs two lowers then', () => {
    const k = createSimKernel();
    const d = layered(k);
    k.umount(`${d}/merged`);
    const mount = (data: string) => () => k.mount({ source: 'overlay', target: `${d}/merged`, fstype: 'overlay', flags: 0, data });
    expect(outcome(mount(`lowerdir=${d}/base`))).toBe('EINVAL');
    expect(outcome(mount(`lowerdir=${d}/mid:${d}/base`))).toBe('ok');
    expect(outcome(() => k.writeFile(`${d}/merged/etc/passwd`, 'x'))).toBe('EROFS');
    expect(k.readFile('/proc/self/mountinfo')).toContain(`overlay overlay ro,lowerdir=${d}/mid:${d}/base,redirect_dir=on`);
    k.umount(`${d}/merged`);
  });

  it('makes workdir/work fresh on each mount and names itself on the upper root', () => {
    const k = createSimKernel();
    const d = layered(k);
    expect(k.lstat(`${d}/work/work`)).toMatchObject({ type: 'dir', mode: S_IF.S_IFDIR });
    expect(k.listxattr(`${d}/upper`)).toContain('trusted.overlay.uuid');
    expect(k.readFile('/proc/self/mountinfo')).toContain(`upperdir=${d}/upper,workdir=${d}/work,uuid=on`);
    k.umount(`${d}/merged`);
  });
});
