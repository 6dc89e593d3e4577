import { describe, expect, it } from 'vitest';
import { exists, randomSuffix } from '../helpers/scratch.js';
import { withCleanup } from '../helpers/cleanup.js';
import { CGROUP_PREFIX, expectErrno, type ContractState } from './contract-state.js';

/** cgroupfs through plain file calls: make a group, limit it, move a process in, remove it. */
export function describeCgroupContract(state: ContractState): void {
  describe('cgroups', () => {
    it('a child group takes a pids limit and a process, and is busy until the process is gone', async (test) => {
      const cgroup = state.cgroup;
      if ('unavailable' in cgroup) {
        console.warn(`kernel contract: cgroup tests skipped: ${cgroup.unavailable}`);
        test.skip();
        return;
      }
      const k = state.kernel;
      const group = `${cgroup.parent}/${CGROUP_PREFIX}${randomSuffix()}`;
      const limit = `${group}/${cgroup.limitFile}`;
      const procs = `${group}/${cgroup.procsFile}`;
      await withCleanup(async (cleanup) => {
        k.mkdir(group);
        state.createdCgroups.add(group);
        cleanup.defer(() => exists(k, group) && k.rmdir(group), `rmdir ${group}`);
        expect(k.lstat(group).type).toBe('dir');
        expect(k.readdir(group)).toEqual(expect.arrayContaining([cgroup.limitFile, cgroup.procsFile]));
        expectErrno(() => k.mkdir(group), 'EEXIST', 'mkdir');

        expect(k.readFile(limit)).toBe('max\n');
        k.writeFile(limit, '10');
        expect(k.readFile(limit)).toBe('10\n');
        expectErrno(() => k.writeFile(limit, 'many'), 'EINVAL', 'write');
        expectErrno(() => k.writeFile(limit, '-1'), 'EINVAL', 'write');
        expect(k.readFile(limit)).toBe('10\n');
        k.writeFile(limit, 'max');
        expect(k.readFile(limit)).toBe('max\n');

        const sleeper = k.spawn(['sleep', '1000']);
        let reaped = false;
        void sleeper.exited.then(() => (reaped = true));
        cleanup.defer(async () => {
          if (reaped) return;
          k.kill(sleeper.pid, 'SIGKILL');
          await sleeper.exited;
        }, `kill ${sleeper.pid}`);
        expect(k.readFile(procs)).toBe('');
        k.writeFile(procs, String(sleeper.pid));
        expect(k.readFile(procs)).toBe(`${sleeper.pid}\n`);
        // A pid that names no process cannot be moved (below pid_max, so ESRCH and not EINVAL).
        expectErrno(() => k.writeFile(procs, '4194000'), 'ESRCH', 'write');

        expectErrno(() => k.rmdir(group), 'EBUSY', 'rmdir');
        k.kill(sleeper.pid, 'SIGKILL');
        expect(await sleeper.exited).toEqual({ code: null, signal: 'SIGKILL' });
        // Once reaped, the process has left the group and the group can go.
        expect(k.readFile(procs)).toBe('');
        k.rmdir(group);
        expect(exists(k, group)).toBe(false);
        expectErrno(() => k.rmdir(group), 'ENOENT', 'rmdir');
      });
    });

    it('a group with a child group is busy', async (test) => {
      const cgroup = state.cgroup;
      if ('unavailable' in cgroup) {
        test.skip();
        return;
      }
      const k = state.kernel;
      const group = `${cgroup.parent}/${CGROUP_PREFIX}${randomSuffix()}`;
      await withCleanup((cleanup) => {
        k.mkdir(group);
        state.createdCgroups.add(group);
        cleanup.defer(() => exists(k, group) && k.rmdir(group), `rmdir ${group}`);
        // v2 hands a controller to children only through the parent's cgroup.subtree_control
        // (allowed here: the new group has no processes of its own). v1 children always have it.
        if (cgroup.version === 2) k.writeFile(`${group}/cgroup.subtree_control`, '+pids');
        k.mkdir(`${group}/child`);
        cleanup.defer(() => exists(k, `${group}/child`) && k.rmdir(`${group}/child`), `rmdir ${group}/child`);
        expect(k.readdir(`${group}/child`)).toEqual(expect.arrayContaining([cgroup.limitFile, cgroup.procsFile]));
        expectErrno(() => k.rmdir(group), 'EBUSY', 'rmdir');
        // Control files are not files one may delete.
        expectErrno(() => k.unlink(`${group}/${cgroup.limitFile}`), 'EPERM', 'unlink');
        k.rmdir(`${group}/child`);
        k.rmdir(group);
        expect(exists(k, group)).toBe(false);
      });
    });
  });
}
