import { describe, expect, it } from 'vitest';
import { expectErrno, type ContractState } from './contract-state.js';

/** Plain host processes: what the cgroup lessons and the tests need (spawn, kill, wait). */
export function describeProcessContract(state: ContractState): void {
  describe('processes', () => {
    it('getpid names a live process', () => {
      const k = state.kernel;
      const pid = k.getpid();
      expect(Number.isInteger(pid) && pid > 0).toBe(true);
      k.kill(pid, 0);
    });

    it('spawns, signals and reaps a process', async () => {
      const k = state.kernel;
      const sleeper = k.spawn(['sleep', '1000']);
      let reaped = false;
      try {
        expect(sleeper.pid).toBeGreaterThan(0);
        k.kill(sleeper.pid, 0);
        expectErrno(() => k.kill(sleeper.pid, 999), 'EINVAL', 'kill');
        k.kill(sleeper.pid, 'SIGTERM');
        expect(await sleeper.exited).toEqual({ code: null, signal: 'SIGTERM' });
        reaped = true;
        expectErrno(() => k.kill(sleeper.pid, 0), 'ESRCH', 'kill');
      } finally {
        if (!reaped) {
          k.kill(sleeper.pid, 'SIGKILL');
          await sleeper.exited;
        }
      }
    });

    it('reports exit codes', async () => {
      const k = state.kernel;
      expect(await k.spawn(['true']).exited).toEqual({ code: 0, signal: null });
      expect(await k.spawn(['false']).exited).toEqual({ code: 1, signal: null });
    });

    it('fails to spawn a missing program with ENOENT', () => {
      expectErrno(() => state.kernel.spawn(['/nonexistent/glassbox-program']), 'ENOENT', 'spawn');
    });
  });
}
