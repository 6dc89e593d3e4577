import { describe, expect, it } from 'vitest';
import { outcome } from '../helpers/outcome.js';
import { createSimKernel } from '../../src/kernel/sim/index.js';

describe('simulated processes', () => {
  it('runs sleep, true and false from PATH, with their exit statuses', async () => {
    const k = createSimKernel();
    expect(await k.spawn(['true']).exited).toEqual({ code: 0, signal: null });
    expect(await k.spawn(['/bin/false']).exited).toEqual({ code: 1, signal: null });
    expect(await k.spawn(['sleep']).exited).toEqual({ code: 1, signal: null });
    expect(await k.spawn(['sleep', '0.01']).exited).toEqual({ code: 0, signal: null });
  });

  it('fails exec as execve(2) and execvp(3) do', () => {
    const k = createSimKernel();
    const d = k.mkdtemp('/tmp/glassbox-');
    expect(outcome(() => k.spawn([]))).toBe('EINVAL');
    expect(outcome(() => k.spawn(['glassbox-no-such-program']))).toBe('ENOENT');
    expect(outcome(() => k.spawn([d]))).toBe('EACCES');
    k.writeFile(`${d}/script`, '#!/nonexistent/sh\n');
    expect(outcome(() => k.spawn([`${d}/script`]))).toBe('EACCES');
    k.chmod(`${d}/script`, 0o755);
    // A missing interpreter is ENOENT, although the script itself exists.
    expect(outcome(() => k.spawn([`${d}/script`]))).toBe('ENOENT');
  });

  it('runs #! scripts with their interpreter and other files as shell scripts', async () => {
    const k = createSimKernel();
    const d = k.mkdtemp('/tmp/glassbox-');
    k.writeFile(`${d}/wait`, '#!/usr/bin/sleep 1000\n');
    k.writeFile(`${d}/garbage`, 'no such command\n');
    k.writeFile(`${d}/empty`, '# nothing to do\n');
    for (const name of ['wait', 'garbage', 'empty']) k.chmod(`${d}/${name}`, 0o755);
    const waiting = k.spawn([`${d}/wait`]);
    expect(k.readFile(`/proc/${waiting.pid}/cmdline`)).toBe(`/usr/bin/sleep\u00001000\u0000${d}/wait\u0000`);
    k.kill(waiting.pid, 'SIGKILL');
    expect(await waiting.exited).toEqual({ code: null, signal: 'SIGKILL' });
    expect(await k.spawn([`${d}/garbage`]).exited).toEqual({ code: 127, signal: null });
    expect(await k.spawn([`${d}/empty`]).exited).toEqual({ code: 0, signal: null });
    // An interpreter that is itself no program is ENOEXEC, and execvp falls back to the shell.
    k.writeFile(`${d}/nested`, `#!${d}/garbage\nrun\n`);
    k.chmod(`${d}/nested`, 0o755);
    expect(await k.spawn([`${d}/nested`]).exited).toEqual({ code: 127, signal: null });
  });

  it('delivers signals with their default actions', async () => {
    const k = createSimKernel();
    const child = k.spawn(['sleep', '1000']);
    k.kill(child.pid, 'SIGSTOP');
    expect(k.readFile(`/proc/${child.pid}/stat`).split(' ')[2]).toBe('T');
    k.kill(child.pid, 'SIGCONT');
    expect(k.readFile(`/proc/${child.pid}/stat`).split(' ')[2]).toBe('S');
    // A stopped process acts on SIGTERM only once continued.
    const stopped = k.spawn(['sleep', '1000']);
    k.kill(stopped.pid, 'SIGSTOP');
    k.kill(stopped.pid, 'SIGTERM');
    expect(k.readFile(`/proc/${stopped.pid}/stat`).split(' ')[2]).toBe('T');
    k.kill(stopped.pid, 'SIGCONT');
    expect(await stopped.exited).toEqual({ code: null, signal: 'SIGTERM' });
    k.kill(child.pid, 'SIGCHLD');
    k.kill(child.pid, 28);
    k.kill(child.pid, 0);
    expect(outcome(() => k.kill(child.pid, 65))).toBe('EINVAL');
    expect(outcome(() => k.kill(child.pid, 'SIGBOGUS' as NodeJS.Signals))).toBe('EINVAL');
    k.kill(child.pid, 'SIGUSR1');
    expect(await child.exited).toEqual({ code: null, signal: 'SIGUSR1' });
    expect(outcome(() => k.kill(child.pid, 0))).toBe('ESRCH');
  });

  it('leaves pid 1 and kernel threads alone, and names a group with pid 0', async () => {
    const k = createSimKernel();
    k.kill(1, 'SIGKILL');
    k.kill(2, 'SIGKILL');
    expect(k.readFile('/proc/1/comm')).toBe('systemd\n');
    expect(k.readFile('/proc/2/stat').split(' ')[2]).toBe('I');
    const child = k.spawn(['sleep', '1000']);
    k.kill(0, 'SIGTERM');
    expect(await child.exited).toEqual({ code: null, signal: 'SIGTERM' });
    // glassbox itself received it too, and the model does not end the program that runs it.
    k.kill(k.getpid(), 0);
    expect(outcome(() => k.kill(-4194000, 'SIGTERM'))).toBe('ESRCH');
  });

  it('publishes spawn and kill on the trace channel like the Linux backend', async () => {
    const k = createSimKernel();
    const { subscribeCalls } = await import('../../src/kernel/trace.js');
    const seen: string[] = [];
    const stop = subscribeCalls((event) => {
      if (event.backend === 'sim') seen.push(`${event.call} ${JSON.stringify(event.args)} ${event.result ?? event.errnoName}`);
    });
    try {
      const child = k.spawn(['sleep', '1000']);
      k.kill(child.pid, 'SIGKILL');
      await child.exited;
      expect(seen).toEqual([`spawn {"argv":"sleep 1000"} ${child.pid}`, `kill {"pid":${child.pid},"sig":"SIGKILL"} 0`]);
    } finally {
      stop();
    }
  });
});
