import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import { GlassboxError } from '../errors.js';
import type { Kernel } from '../kernel/types.js';
import { cliEntry, packageRoot } from '../package-root.js';
import { glassboxHome } from '../store/layout.js';
import { openLogWriter } from './container-log.js';
import type { ContainerLauncher } from './launcher.js';
import { identityOf, startCreated } from './start.js';
import { containerPaths, containersRoot, readState, updateState, type ContainerState } from './state.js';

/**
`run -d`: the container outlives the command, so a glassbox process of its own owns it: the
monitor, started with setsid (no terminal, no Ctrl-C from the shell that ran `run -d`). It
reads the container's stdout and stderr from two pipes and appends them to the container's log
as records that keep which stream each chunk came from (container-log.ts); its own stdout and
stderr are that file too, for what it says itself if it breaks. It takes ownership in
state.json before it mounts anything, reports "started" (or the error) to `run -d` over fd 3
once the container's program runs (its execve), then waits for the exit and releases
everything, as a foreground run does.

Handshake on fd 3 (a socketpair): `run -d` writes the monitor's pid and start time as owner,
then sends `go`; the monitor answers one JSON line, `{"ok":true,"pid":N}` or
`{"ok":false,"error":{code,kind,message,hint}}`. A monitor that sees fd 3 close before `go`
exits at once, leaving the container to gc (its owner is gone).
*/
export const MONITOR_COMMAND = 'container-monitor';

interface MonitorReply {
  ok: boolean;
  pid?: number;
  error?: { code: string; kind: string; message: string; hint?: string };
}

function readLine(socket: net.Socket): Promise<string | null> {
  return new Promise((resolve) => {
    let text = '';
    const onData = (chunk: Buffer): void => {
      text += chunk.toString('utf8');
      const nl = text.indexOf('\n');
      if (nl !== -1) finish(text.slice(0, nl));
    };
    const finish = (line: string | null): void => {
      socket.off('data', onData);
      socket.off('end', onEnd);
      socket.off('error', onEnd);
      resolve(line);
    };
    const onEnd = (): void => finish(null);
    socket.on('data', onData);
    socket.once('end', onEnd);
    socket.once('error', onEnd);
  });
}

/** In `run -d`: starts the monitor, hands it the container and waits for its answer. */
export async function startMonitor(state: ContainerState, options: { root?: string; argv?: string[] } = {}): Promise<number> {
  const root = options.root ?? containersRoot();
  const main = cliEntry(packageRoot());
  if (options.argv === undefined && !fs.existsSync(main)) {
    throw new GlassboxError('RUN_NOT_BUILT', `run -d needs the built CLI (${main})`, { kind: 'environment', hint: 'run: npm run build' });
  }
  const log = fs.openSync(containerPaths(state.id, root).logFile, 'a', 0o640);
  let child;
  try {
    child = spawn(process.execPath, options.argv ?? [main, MONITOR_COMMAND, state.id], {
      detached: true,
      stdio: ['ignore', log, log, 'pipe'],
      // Like a daemon: out of the caller's working directory (it may be unmounted later), so
      // every path it is given is absolute.
      cwd: '/',
      env: { ...process.env, GLASSBOX_HOME: glassboxHome(), GLASSBOX_CONTAINERS_ROOT: root },
    });
  } finally {
    fs.closeSync(log);
  }
  const channel = child.stdio[3] as net.Socket;
  const exited = new Promise<null>((resolve) => child.once('exit', () => resolve(null)));
  child.once('error', () => undefined);
  if (child.pid === undefined) throw new GlassboxError('RUN_MONITOR_FAILED', 'could not start the container monitor', { kind: 'environment' });
  updateState(state, { processes: { ...state.processes, owner: identityOf(child.pid) } }, root);
  channel.write('go\n');
  const line = await Promise.race([readLine(channel), exited]);
  channel.destroy();
  child.unref();
  const reply: MonitorReply = line === null ? { ok: false } : (JSON.parse(line) as MonitorReply);
  if (!reply.ok) {
    const error = reply.error;
    throw new GlassboxError(error?.code ?? 'RUN_MONITOR_FAILED', error?.message ?? 'the container monitor exited before the container started', {
      kind: (error?.kind as 'user' | 'environment' | 'bug' | undefined) ?? 'environment',
      ...(error?.hint === undefined ? {} : { hint: error.hint }),
    });
  }
  return reply.pid!;
}

/** The monitor process itself (`glassbox container-monitor ID`, started by startMonitor). */
export async function runMonitor(kernel: Kernel, id: string, options: { launcher?: ContainerLauncher } = {}): Promise<number> {
  const root = process.env.GLASSBOX_CONTAINERS_ROOT ?? containersRoot();
  const channel = new net.Socket({ fd: 3, readable: true, writable: true });
  const go = await readLine(channel);
  if (go !== 'go') return 1;
  const reply = (message: MonitorReply): void => {
    channel.end(`${JSON.stringify(message)}\n`, () => channel.destroy());
  };
  // Signals meant for the container (a kill of the monitor) go to it; the exit is still recorded.
  const target: { kill?: (signal: NodeJS.Signals) => void } = {};
  for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) process.on(signal, () => target.kill?.(signal));
  let running;
  const log = openLogWriter(containerPaths(id, root).logFile);
  try {
    const state = readState(id, root);
    if (state === undefined) throw new GlassboxError('CONTAINER_NOT_FOUND', `no such container: ${id}`, { kind: 'bug' });
    running = await startCreated(kernel, state, { root, stdio: ['ignore', 'pipe', 'pipe'], ...(options.launcher === undefined ? {} : { launcher: options.launcher }) });
  } catch (error) {
    log.close();
    const gb = GlassboxError.is(error) ? error : undefined;
    reply({ ok: false, error: { code: gb?.code ?? 'GB_INTERNAL', kind: gb?.kind ?? 'bug', message: error instanceof Error ? error.message : String(error), ...(gb?.hint === undefined ? {} : { hint: gb.hint }) } });
    return 1;
  }
  // Nothing is lost before this: the pipes hold what the program wrote since its execve.
  // The exit is seen only after both pipes ended, so every record is written before it.
  if (running.launched.stdout !== null) log.pipe('stdout', running.launched.stdout);
  if (running.launched.stderr !== null) log.pipe('stderr', running.launched.stderr);
  target.kill = (signal) => running.launched.kill(signal);
  reply({ ok: true, pid: running.launched.pid });
  const exit = await running.wait();
  if (exit.error !== null) log.write('stderr', `glassbox: ${exit.error}\n`);
  if (exit.oomKilled) log.write('stderr', 'glassbox: the container was killed by the kernel OOM killer (memory limit reached)\n');
  log.close();
  return 0;
}
