import { describe, expect, it } from 'vitest';
import { subscribeCalls, type KernelCallEvent } from '../../src/kernel/trace.js';
import { mountFlags } from '../../src/kernel/flags.js';
import { expectErrno, inTestDir, type ContractState } from './contract-state.js';

/** Every call is published once on the diagnostics channel, with its arguments as printed and its time. */
export function describeTraceContract(state: ContractState): void {
  describe('trace channel', () => {
    it('publishes each call with its args, result or errno, and duration', () =>
      inTestDir(state, (dir) => {
        const k = state.kernel;
        const events: KernelCallEvent[] = [];
        const unsubscribe = subscribeCalls((event) => {
          if (event.backend === k.backend) events.push(event);
        });
        try {
          k.mkdir(`${dir}/t`);
          k.mount({ source: 'tmpfs', target: `${dir}/t`, fstype: 'tmpfs', flags: mountFlags('MS_NOSUID', 'MS_NODEV'), data: 'size=1m' });
          k.writeFile(`${dir}/t/f`, '1');
          k.readFile(`${dir}/t/f`);
          k.lstat(`${dir}/t/f`);
          k.unlink(`${dir}/t/f`);
          k.umount(`${dir}/t`);
          const failure = expectErrno(() => k.umount(`${dir}/t`), 'EINVAL');
          expect(failure.message).toBe(`umount2 target=${dir}/t flags=0: EINVAL (invalid argument)`);
          k.rmdir(`${dir}/t`);
        } finally {
          unsubscribe();
        }
        expect(events.map((event) => event.call)).toEqual(['mkdir', 'mount', 'write', 'read', 'lstat', 'unlink', 'umount2', 'umount2', 'rmdir']);
        const mount = events[1]!;
        expect(mount.args).toEqual({ src: 'tmpfs', dst: `${dir}/t`, fstype: 'tmpfs', flags: 'MS_NOSUID|MS_NODEV', data: 'size=1m' });
        expect(mount.result).toBeDefined();
        expect(mount.errno).toBeUndefined();
        expect(mount.ms).toBeGreaterThanOrEqual(0);
        const failed = events[7]!;
        expect(failed).toMatchObject({ call: 'umount2', args: { target: `${dir}/t`, flags: '0' }, errno: 22, errnoName: 'EINVAL' });
        expect(failed.result).toBeUndefined();
        expect(failed.ms).toBeGreaterThanOrEqual(0);
      }));

    it('names flags in a failed mount', () =>
      inTestDir(state, (dir) => {
        const k = state.kernel;
        const error = expectErrno(
          () => k.mount({ source: 'none', target: `${dir}/missing`, fstype: 'tmpfs', flags: mountFlags('MS_NODEV', 'MS_NOSUID'), data: 'mode=0755' }),
          'ENOENT',
        );
        expect(error.message).toBe(`mount src=none dst=${dir}/missing fstype=tmpfs flags=MS_NOSUID|MS_NODEV data=mode=0755: ENOENT (no such file or directory)`);
      }));
  });
}
