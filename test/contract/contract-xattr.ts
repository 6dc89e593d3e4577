import { describe, expect, it } from 'vitest';
import { XATTR } from '../../src/kernel/flags.js';
import { expectErrno, inTestDir, sorted, type ContractState } from './contract-state.js';

const ours = (names: string[]): string[] => sorted(names.filter((n) => n.startsWith('trusted.') || n.startsWith('user.')));

/** Extended attributes, never following symlinks (the l*xattr calls): overlay's opaque dirs, layer metadata. */
export function describeXattrContract(state: ContractState): void {
  describe('extended attributes', () => {
    it('sets, gets, lists and removes trusted.* and user.* attributes', () =>
      inTestDir(state, (dir) => {
        const k = state.kernel;
        const f = `${dir}/f`;
        k.writeFile(f, '');
        expect(ours(k.listxattr(f))).toEqual([]);
        k.setxattr(f, 'trusted.glassbox', 'y');
        k.setxattr(f, 'user.glassbox', new Uint8Array([0, 1, 255]));
        k.setxattr(f, 'user.empty', '');
        expect(k.getxattr(f, 'trusted.glassbox').toString()).toBe('y');
        expect([...k.getxattr(f, 'user.glassbox')]).toEqual([0, 1, 255]);
        expect(k.getxattr(f, 'user.empty').length).toBe(0);
        expect(ours(k.listxattr(f))).toEqual(['trusted.glassbox', 'user.empty', 'user.glassbox']);
        k.setxattr(f, 'user.glassbox', 'replaced', XATTR.XATTR_REPLACE);
        expect(k.getxattr(f, 'user.glassbox').toString()).toBe('replaced');
        k.removexattr(f, 'user.glassbox');
        k.removexattr(f, 'user.empty');
        expect(ours(k.listxattr(f))).toEqual(['trusted.glassbox']);
        k.removexattr(f, 'trusted.glassbox');
        expect(ours(k.listxattr(f))).toEqual([]);
      }));

    it('works on directories too (overlay marks opaque dirs this way)', () =>
      inTestDir(state, (dir) => {
        const k = state.kernel;
        k.mkdir(`${dir}/d`);
        k.setxattr(`${dir}/d`, 'trusted.overlay.opaque', 'y');
        expect(k.getxattr(`${dir}/d`, 'trusted.overlay.opaque').toString()).toBe('y');
      }));

    it('fails with ENODATA, EEXIST, EOPNOTSUPP and ENOENT where the kernel does', () =>
      inTestDir(state, (dir) => {
        const k = state.kernel;
        const f = `${dir}/f`;
        k.writeFile(f, '');
        expectErrno(() => k.getxattr(f, 'user.missing'), 'ENODATA', 'lgetxattr');
        expectErrno(() => k.removexattr(f, 'user.missing'), 'ENODATA', 'lremovexattr');
        expectErrno(() => k.setxattr(f, 'user.missing', 'x', XATTR.XATTR_REPLACE), 'ENODATA', 'lsetxattr');
        k.setxattr(f, 'user.once', '1', XATTR.XATTR_CREATE);
        expectErrno(() => k.setxattr(f, 'user.once', '2', XATTR.XATTR_CREATE), 'EEXIST', 'lsetxattr');
        expect(k.getxattr(f, 'user.once').toString()).toBe('1');
        // Linux knows only the security, system, trusted and user namespaces.
        expectErrno(() => k.setxattr(f, 'glassbox.x', '1'), 'EOPNOTSUPP', 'lsetxattr');
        expectErrno(() => k.getxattr(`${dir}/missing`, 'user.x'), 'ENOENT', 'lgetxattr');
        expectErrno(() => k.listxattr(`${dir}/missing`), 'ENOENT', 'llistxattr');
      }));

    it('acts on a symlink itself, never on its target', () =>
      inTestDir(state, (dir) => {
        const k = state.kernel;
        k.writeFile(`${dir}/target`, '');
        k.symlink('target', `${dir}/link`);
        k.setxattr(`${dir}/link`, 'trusted.glassbox', 'on-link');
        expect(k.getxattr(`${dir}/link`, 'trusted.glassbox').toString()).toBe('on-link');
        expect(ours(k.listxattr(`${dir}/link`))).toEqual(['trusted.glassbox']);
        expectErrno(() => k.getxattr(`${dir}/target`, 'trusted.glassbox'), 'ENODATA');
        expect(ours(k.listxattr(`${dir}/target`))).toEqual([]);
        // user.* is allowed only on regular files and directories (xattr(7)).
        expectErrno(() => k.setxattr(`${dir}/link`, 'user.glassbox', 'x'), 'EPERM', 'lsetxattr');
        k.removexattr(`${dir}/link`, 'trusted.glassbox');
        expect(ours(k.listxattr(`${dir}/link`))).toEqual([]);
      }));
  });
}
