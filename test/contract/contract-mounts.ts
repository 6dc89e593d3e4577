import { describe, expect, it } from 'vitest';
import { MS, S_IF, mountFlags } from '../../src/kernel/flags.js';
import { readMounts } from '../helpers/scratch.js';
import type { MountEntry } from '../../src/observe/mountinfo.js';
import { expectErrno, inTestDir, sorted, type ContractState } from './contract-state.js';

function mountAt(state: ContractState, target: string): MountEntry | undefined {
  return readMounts(state.kernel).find((entry) => entry.mountPoint === target);
}

function mountedAt(state: ContractState, target: string): string | undefined {
  return mountAt(state, target)?.fsType;
}

/** mount(2) and umount2(2): bind, recursive bind, tmpfs, overlay, and their failures. */
export function describeMountContract(state: ContractState): void {
  describe('mounts', () => {
    it('bind mount shows the source at the target until umount', () =>
      inTestDir(state, (dir) => {
        const k = state.kernel;
        k.mkdir(`${dir}/src`);
        k.mkdir(`${dir}/dst`);
        k.writeFile(`${dir}/src/hello`, 'from src');
        k.mount({ source: `${dir}/src`, target: `${dir}/dst`, fstype: null, flags: MS.MS_BIND });
        expect(k.readdir(`${dir}/dst`)).toEqual(['hello']);
        expect(k.readFile(`${dir}/dst/hello`)).toBe('from src');
        expect(mountedAt(state, `${dir}/dst`)).toBeDefined();
        // The same inode, seen twice: a write through the target lands in the source.
        k.writeFile(`${dir}/dst/back`, 'through dst');
        expect(k.readFile(`${dir}/src/back`)).toBe('through dst');
        k.umount(`${dir}/dst`);
        expect(k.readdir(`${dir}/dst`)).toEqual([]);
        expect(mountedAt(state, `${dir}/dst`)).toBeUndefined();
      }));

    it('a plain bind leaves submounts behind; MS_REC takes them along', () =>
      inTestDir(state, (dir) => {
        const k = state.kernel;
        k.mkdir(`${dir}/src`);
        k.mkdir(`${dir}/src/sub`);
        k.mkdir(`${dir}/dst`);
        k.mount({ source: 'tmpfs', target: `${dir}/src/sub`, fstype: 'tmpfs', flags: 0, data: 'size=1m' });
        k.writeFile(`${dir}/src/sub/inside`, 'on tmpfs');

        k.mount({ source: `${dir}/src`, target: `${dir}/dst`, fstype: null, flags: MS.MS_BIND });
        expect(k.readdir(`${dir}/dst/sub`)).toEqual([]);
        k.umount(`${dir}/dst`);

        k.mount({ source: `${dir}/src`, target: `${dir}/dst`, fstype: null, flags: mountFlags('MS_BIND', 'MS_REC') });
        expect(k.readFile(`${dir}/dst/sub/inside`)).toBe('on tmpfs');
        expect(mountedAt(state, `${dir}/dst/sub`)).toBe('tmpfs');
        // A mount with a child mounted below it is busy: children go first.
        expectErrno(() => k.umount(`${dir}/dst`), 'EBUSY', 'umount2');
        k.umount(`${dir}/dst/sub`);
        k.umount(`${dir}/dst`);
        expect(k.readdir(`${dir}/dst`)).toEqual([]);
      }));

    it('tmpfs takes size= and mode= and starts empty', () =>
      inTestDir(state, (dir) => {
        const k = state.kernel;
        k.mkdir(`${dir}/t`);
        k.writeFile(`${dir}/t/hidden`, 'under the mount');
        k.mount({ source: 'tmpfs', target: `${dir}/t`, fstype: 'tmpfs', flags: mountFlags('MS_NOSUID', 'MS_NODEV'), data: 'size=1m,mode=0710' });
        expect(k.lstat(`${dir}/t`).mode).toBe(S_IF.S_IFDIR | 0o710);
        expect(k.readdir(`${dir}/t`)).toEqual([]);
        // /proc/self/mountinfo shows the flags per mount and the options per superblock, as the kernel prints them.
        const entry = mountAt(state, `${dir}/t`);
        expect(entry?.fsType).toBe('tmpfs');
        expect(entry?.options).toEqual(expect.arrayContaining(['rw', 'nosuid', 'nodev']));
        expect(entry?.superOptions).toEqual(expect.arrayContaining(['size=1024k', 'mode=710']));
        k.writeFile(`${dir}/t/new`, 'on tmpfs');
        k.umount(`${dir}/t`);
        // What was under the mount point comes back; what was on the tmpfs is gone with it.
        expect(k.readdir(`${dir}/t`)).toEqual(['hidden']);
        expectErrno(() => k.mount({ source: 'tmpfs', target: `${dir}/t`, fstype: 'tmpfs', flags: 0, data: 'size=lots' }), 'EINVAL', 'mount');
      }));

    it('tmpfs size= is a hard limit', () =>
      inTestDir(state, (dir) => {
        const k = state.kernel;
        k.mkdir(`${dir}/t`);
        k.mount({ source: 'tmpfs', target: `${dir}/t`, fstype: 'tmpfs', flags: 0, data: 'size=64k' });
        try {
          k.writeFile(`${dir}/t/fits`, new Uint8Array(32 * 1024));
          expectErrno(() => k.writeFile(`${dir}/t/too-big`, new Uint8Array(64 * 1024)), 'ENOSPC', 'write');
        } finally {
          k.umount(`${dir}/t`);
        }
      }));

    it('a file binds onto a file; a file and a directory do not mix', () =>
      inTestDir(state, (dir) => {
        const k = state.kernel;
        k.writeFile(`${dir}/resolv.conf`, 'nameserver 10.0.0.1\n');
        k.writeFile(`${dir}/target`, 'original');
        k.mkdir(`${dir}/d`);
        k.mount({ source: `${dir}/resolv.conf`, target: `${dir}/target`, fstype: null, flags: MS.MS_BIND });
        try {
          expect(k.readFile(`${dir}/target`)).toBe('nameserver 10.0.0.1\n');
          expect(mountedAt(state, `${dir}/target`)).toBeDefined();
        } finally {
          k.umount(`${dir}/target`);
        }
        expect(k.readFile(`${dir}/target`)).toBe('original');
        expectErrno(() => k.mount({ source: `${dir}/resolv.conf`, target: `${dir}/d`, fstype: null, flags: MS.MS_BIND }), 'ENOTDIR', 'mount');
        expectErrno(() => k.mount({ source: `${dir}/d`, target: `${dir}/target`, fstype: null, flags: MS.MS_BIND }), 'ENOTDIR', 'mount');
      }));

    it('a bind remounted read-only refuses writes with EROFS; the source stays writable', () =>
      inTestDir(state, (dir) => {
        const k = state.kernel;
        k.mkdir(`${dir}/src`);
        k.mkdir(`${dir}/ro`);
        k.mount({ source: `${dir}/src`, target: `${dir}/ro`, fstype: null, flags: mountFlags('MS_BIND', 'MS_RDONLY') });
        try {
          // MS_RDONLY is ignored on the first bind (mount(2): only MS_REC counts there); it takes a remount.
          k.writeFile(`${dir}/ro/still-writable`, 'x');
          k.mount({ source: 'none', target: `${dir}/ro`, fstype: null, flags: mountFlags('MS_BIND', 'MS_REMOUNT', 'MS_RDONLY') });
          expect(mountAt(state, `${dir}/ro`)?.options).toContain('ro');
          expectErrno(() => k.writeFile(`${dir}/ro/x`, 'x'), 'EROFS', 'write');
          expectErrno(() => k.mkdir(`${dir}/ro/y`), 'EROFS', 'mkdir');
          k.writeFile(`${dir}/src/x`, 'x');
          expect(k.readFile(`${dir}/ro/x`)).toBe('x');
        } finally {
          k.umount(`${dir}/ro`);
        }
      }));

    it('overlay: two lowers, an upper and a work dir make one merged tree', () =>
      inTestDir(state, (dir) => {
        const k = state.kernel;
        for (const name of ['lower1', 'lower2', 'upper', 'work', 'merged']) k.mkdir(`${dir}/${name}`);
        // lower1 is the bottom layer, lower2 above it, upper on top.
        k.writeFile(`${dir}/lower1/base`, 'lower1 base');
        k.writeFile(`${dir}/lower1/shared`, 'lower1 shared');
        k.writeFile(`${dir}/lower1/middle`, 'lower1 middle');
        k.writeFile(`${dir}/lower1/doomed`, 'lower1 doomed');
        k.mkdir(`${dir}/lower1/opaque`);
        k.writeFile(`${dir}/lower1/opaque/old`, 'hidden by opaque');
        k.writeFile(`${dir}/lower2/middle`, 'lower2 middle');
        k.writeFile(`${dir}/lower2/shared`, 'lower2 shared');
        k.writeFile(`${dir}/upper/shared`, 'upper shared');
        k.mkdir(`${dir}/upper/opaque`);
        k.setxattr(`${dir}/upper/opaque`, 'trusted.overlay.opaque', 'y');
        k.writeFile(`${dir}/upper/opaque/new`, 'upper new');

        const data = `lowerdir=${dir}/lower2:${dir}/lower1,upperdir=${dir}/upper,workdir=${dir}/work`;
        k.mount({ source: 'overlay', target: `${dir}/merged`, fstype: 'overlay', flags: 0, data });
        expect(mountedAt(state, `${dir}/merged`)).toBe('overlay');

        expect(sorted(k.readdir(`${dir}/merged`))).toEqual(['base', 'doomed', 'middle', 'opaque', 'shared']);
        expect(k.readFile(`${dir}/merged/base`)).toBe('lower1 base');
        expect(k.readFile(`${dir}/merged/middle`)).toBe('lower2 middle');
        expect(k.readFile(`${dir}/merged/shared`)).toBe('upper shared');
        expect(k.readdir(`${dir}/merged/opaque`)).toEqual(['new']);

        // Copy-up: the first write to a lower file copies it into upper; the lower stays as it was.
        expect(k.readdir(`${dir}/upper`).includes('base')).toBe(false);
        k.writeFile(`${dir}/merged/base`, 'changed');
        expect(k.readFile(`${dir}/merged/base`)).toBe('changed');
        expect(k.readFile(`${dir}/upper/base`)).toBe('changed');
        expect(k.readFile(`${dir}/lower1/base`)).toBe('lower1 base');

        // Deleting a lower file leaves a whiteout in upper: a 0/0 character device of the same name.
        k.unlink(`${dir}/merged/doomed`);
        expect(k.readdir(`${dir}/merged`).includes('doomed')).toBe(false);
        const whiteout = k.lstat(`${dir}/upper/doomed`);
        expect(whiteout).toMatchObject({ type: 'char', rdevMajor: 0, rdevMinor: 0 });
        expect(k.readFile(`${dir}/lower1/doomed`)).toBe('lower1 doomed');

        // New files go to upper only.
        k.writeFile(`${dir}/merged/fresh`, 'fresh');
        expect(k.readFile(`${dir}/upper/fresh`)).toBe('fresh');
        expect(k.readdir(`${dir}/lower2`).includes('fresh')).toBe(false);

        k.umount(`${dir}/merged`);
        expect(k.readdir(`${dir}/merged`)).toEqual([]);
        expect(mountedAt(state, `${dir}/merged`)).toBeUndefined();
      }));

    it('fails with the errno the kernel gives', () =>
      inTestDir(state, (dir) => {
        const k = state.kernel;
        k.mkdir(`${dir}/plain`);
        k.mkdir(`${dir}/lower`);
        k.mkdir(`${dir}/upper`);
        k.mkdir(`${dir}/work`);
        expectErrno(() => k.umount(`${dir}/plain`), 'EINVAL', 'umount2');
        expectErrno(() => k.umount(`${dir}/missing`), 'ENOENT', 'umount2');
        expectErrno(() => k.mount({ source: `${dir}/plain`, target: `${dir}/missing`, fstype: null, flags: MS.MS_BIND }), 'ENOENT', 'mount');
        expectErrno(() => k.mount({ source: `${dir}/missing`, target: `${dir}/plain`, fstype: null, flags: MS.MS_BIND }), 'ENOENT', 'mount');
        expectErrno(() => k.mount({ source: 'none', target: `${dir}/plain`, fstype: 'glassboxfs', flags: 0 }), 'ENODEV', 'mount');
        expectErrno(() => k.mount({ source: 'tmpfs', target: `${dir}/missing`, fstype: 'tmpfs', flags: 0 }), 'ENOENT', 'mount');
        const overlay = (lower: string, target = `${dir}/plain`) => () =>
          k.mount({ source: 'overlay', target, fstype: 'overlay', flags: 0, data: `lowerdir=${lower},upperdir=${dir}/upper,workdir=${dir}/work` });
        expectErrno(overlay(`${dir}/missing`), 'ENOENT', 'mount');
        expectErrno(overlay(`${dir}/missing:${dir}/lower`), 'ENOENT', 'mount');
        expectErrno(overlay(`${dir}/lower`, `${dir}/missing`), 'ENOENT', 'mount');
        // Nothing was mounted by any of these.
        expect(readMounts(k).some((entry) => entry.mountPoint.startsWith(`${dir}/`))).toBe(false);
      }));
  });
}
