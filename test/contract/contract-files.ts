import { describe, expect, it } from 'vitest';
import { S_IF } from '../../src/kernel/flags.js';
import { expectErrno, inTestDir, sorted, type ContractState } from './contract-state.js';

/** Plain file calls: what layers, overlay directories and cgroupfs need. */
export function describeFileContract(state: ContractState): void {
  describe('files', () => {
    it('makes, writes, reads, lists, renames and removes', () =>
      inTestDir(state, (dir) => {
        const k = state.kernel;
        k.mkdir(`${dir}/d`, 0o700);
        k.writeFile(`${dir}/d/a`, 'alpha\n');
        k.writeFile(`${dir}/d/b`, new TextEncoder().encode('beta'));
        expect(k.readFile(`${dir}/d/a`)).toBe('alpha\n');
        expect(k.readFile(`${dir}/d/b`)).toBe('beta');
        expect(sorted(k.readdir(`${dir}/d`))).toEqual(['a', 'b']);
        k.rename(`${dir}/d/a`, `${dir}/d/c`);
        expect(sorted(k.readdir(`${dir}/d`))).toEqual(['b', 'c']);
        expect(k.readFile(`${dir}/d/c`)).toBe('alpha\n');
        k.writeFile(`${dir}/d/c`, 'x');
        expect(k.readFile(`${dir}/d/c`)).toBe('x');
        k.unlink(`${dir}/d/b`);
        k.unlink(`${dir}/d/c`);
        k.rmdir(`${dir}/d`);
        expect(k.readdir(dir)).toEqual([]);
      }));

    it('lstat reports type, permission bits and size', () =>
      inTestDir(state, (dir) => {
        const k = state.kernel;
        k.mkdir(`${dir}/d`, 0o700);
        const d = k.lstat(`${dir}/d`);
        expect(d.type).toBe('dir');
        expect(d.mode).toBe(S_IF.S_IFDIR | 0o700);
        k.writeFile(`${dir}/f`, '12345');
        const f = k.lstat(`${dir}/f`);
        expect(f.type).toBe('file');
        expect(f.mode & S_IF.S_IFMT).toBe(S_IF.S_IFREG);
        expect(f.size).toBe(5);
        expect(f.nlink).toBe(1);
        k.chmod(`${dir}/f`, 0o640);
        expect(k.lstat(`${dir}/f`).mode).toBe(S_IF.S_IFREG | 0o640);
      }));

    it('symlinks are read and stat-ed as links; lchown changes the link, not its target', () =>
      inTestDir(state, (dir) => {
        const k = state.kernel;
        k.writeFile(`${dir}/target`, 'data');
        k.symlink('target', `${dir}/link`);
        expect(k.readlink(`${dir}/link`)).toBe('target');
        const link = k.lstat(`${dir}/link`);
        expect(link.type).toBe('symlink');
        expect(link.mode & S_IF.S_IFMT).toBe(S_IF.S_IFLNK);
        expect(link.size).toBe('target'.length);
        k.lchown(`${dir}/link`, 1234, 5678);
        expect(k.lstat(`${dir}/link`)).toMatchObject({ uid: 1234, gid: 5678 });
        expect(k.lstat(`${dir}/target`)).toMatchObject({ uid: 0, gid: 0 });
        k.lchown(`${dir}/target`, 42, 43);
        expect(k.lstat(`${dir}/target`)).toMatchObject({ uid: 42, gid: 43 });
        // A dangling link is still a link.
        k.symlink('/nonexistent/glassbox', `${dir}/dangling`);
        expect(k.lstat(`${dir}/dangling`).type).toBe('symlink');
      }));

    it('mknod makes an overlay whiteout: a 0/0 character device', () =>
      inTestDir(state, (dir) => {
        const k = state.kernel;
        k.mknod(`${dir}/wh`, S_IF.S_IFCHR, 0, 0);
        const wh = k.lstat(`${dir}/wh`);
        expect(wh.type).toBe('char');
        expect(wh.mode).toBe(S_IF.S_IFCHR);
        expect([wh.rdevMajor, wh.rdevMinor]).toEqual([0, 0]);
        k.mknod(`${dir}/null`, S_IF.S_IFCHR | 0o666, 1, 3);
        expect(k.lstat(`${dir}/null`)).toMatchObject({ type: 'char', rdevMajor: 1, rdevMinor: 3 });
      }));

    it('fails with the errno the kernel gives', () =>
      inTestDir(state, (dir) => {
        const k = state.kernel;
        k.mkdir(`${dir}/d`);
        k.writeFile(`${dir}/d/f`, '');
        expectErrno(() => k.mkdir(`${dir}/d`), 'EEXIST', 'mkdir');
        expectErrno(() => k.mkdir(`${dir}/missing/d`), 'ENOENT', 'mkdir');
        expectErrno(() => k.rmdir(`${dir}/d`), 'ENOTEMPTY', 'rmdir');
        expectErrno(() => k.rmdir(`${dir}/d/f`), 'ENOTDIR', 'rmdir');
        expectErrno(() => k.rmdir(`${dir}/missing`), 'ENOENT', 'rmdir');
        expectErrno(() => k.unlink(`${dir}/d`), 'EISDIR', 'unlink');
        expectErrno(() => k.unlink(`${dir}/missing`), 'ENOENT', 'unlink');
        expectErrno(() => k.readFile(`${dir}/d`), 'EISDIR', 'read');
        expectErrno(() => k.readFile(`${dir}/missing`), 'ENOENT', 'read');
        expectErrno(() => k.readdir(`${dir}/d/f`), 'ENOTDIR', 'readdir');
        expectErrno(() => k.readlink(`${dir}/d/f`), 'EINVAL', 'readlink');
        expectErrno(() => k.lstat(`${dir}/missing`), 'ENOENT', 'lstat');
        expectErrno(() => k.symlink('x', `${dir}/d/f`), 'EEXIST', 'symlink');
        expectErrno(() => k.mknod(`${dir}/d/f`, S_IF.S_IFCHR, 0, 0), 'EEXIST', 'mknod');
        expectErrno(() => k.mknod(`${dir}/missing/wh`, S_IF.S_IFCHR, 0, 0), 'ENOENT', 'mknod');
        expectErrno(() => k.rename(`${dir}/missing`, `${dir}/x`), 'ENOENT', 'rename');
        expectErrno(() => k.chmod(`${dir}/missing`, 0o644), 'ENOENT', 'chmod');
        expectErrno(() => k.writeFile(`${dir}/d`, 'x'), 'EISDIR', 'write');
      }));
  });
}
