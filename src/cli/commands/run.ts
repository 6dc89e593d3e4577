import { createContainer } from '../../container/create.js';
import { collectGarbage } from '../../container/gc.js';
import { prepareStart, startCreated, type ContainerExit } from '../../container/start.js';
import { GlassboxError } from '../../errors.js';
import { ownIdentity } from '../../store/process-alive.js';
import { printJson, type Io } from '../output.js';
import type { GlobalOptions } from '../run.js';
import { containerKernel } from './container-context.js';
import { prepareImage } from './run-image.js';
import { parseCommandArgs, RUN_FLAGS, toDockerFlags } from './run-args.js';

/**
`glassbox run [flags] IMAGE [CMD...]`, as `docker run`: the image (pulled when missing),
its layers unpacked, a container created (state on disk first), then either
- foreground: the container's stdio is this terminal's (passed to gbx-run as they are, no
  copying), Ctrl-C and other signals are forwarded, and the exit code is the container's
  (128+signal when killed; a clear line when the OOM killer did it); or
- `-d`: a monitor process owns the container and the id is printed.
*/
const HINT = 'glassbox run [-d] [--rm] [--name NAME] [-e K=V] [--memory 32m] IMAGE [CMD...]';

const FORWARDED = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT', 'SIGUSR1', 'SIGUSR2', 'SIGWINCH'] as const;

export async function runRun(options: GlobalOptions, args: string[], io: Io): Promise<number> {
  const { values, operands } = parseCommandArgs(args, RUN_FLAGS, 1, HINT);
  const [input, ...command] = operands;
  if (input === undefined) throw new GlassboxError('CLI_USAGE', 'run needs an image', { kind: 'user', hint: HINT });
  const json = options.json || values.json === true;
  const detach = values.detach === true;
  const flags = toDockerFlags(values);
  const kernel = await containerKernel(options);
  // Orphans of a killed glassbox first (as every container command does); the list itself is
  // read once, by createContainer under its lock, where the name is picked.
  await collectGarbage(kernel);

  // Ctrl-C while the image is pulled or unpacked stops that (nothing is taken yet); signals that
  // arrive while the container is being made are kept and delivered once it runs.
  const abort = new AbortController();
  let forward: ((signal: NodeJS.Signals) => void) | undefined;
  let making = false;
  const pending: NodeJS.Signals[] = [];
  // The foreground run starts gbx-run now, while it finds the image and makes the container.
  const stdio = [values.interactive === true ? 'inherit' : 'ignore', 'inherit', 'inherit'] as const;
  const early = detach ? undefined : prepareStart(kernel, [...stdio]);
  const handlers = FORWARDED.map((signal) => {
    const handler = (): void => {
      if (forward !== undefined) forward(signal);
      else if (!making && signal !== 'SIGWINCH') abort.abort(new GlassboxError('RUN_INTERRUPTED', 'run interrupted', { kind: 'user' }));
      else pending.push(signal);
    };
    if (!detach) process.on(signal, handler);
    return [signal, handler] as const;
  });
  try {
    let prepared;
    try {
      prepared = await prepareImage(kernel, input, io, { quiet: json, signal: abort.signal });
    } catch (error) {
      if (!abort.signal.aborted) throw error;
      io.stderr.write('glassbox: run interrupted before the container was made; nothing was kept\n');
      return 130;
    }
    making = true;
    const { image, layers } = prepared;
    const state = await createContainer(kernel, {
      image: { input, id: image.id, ...(image.names[0] === undefined ? {} : { reference: image.names[0] }), config: image.config },
      layers,
      args: command,
      ...(typeof values.entrypoint === 'string' ? { entrypoint: values.entrypoint } : {}),
      flags,
      ...(typeof values.name === 'string' ? { name: values.name } : {}),
      tty: values.tty === true,
      openStdin: values.interactive === true,
      autoRemove: values.rm === true,
      detach,
      owner: ownIdentity(),
      ...(early === undefined ? {} : { cgroupLayout: early.layout }),
    });
    if (detach) {
      const { startMonitor } = await import('../../container/monitor.js');
      await startMonitor(state);
      if (json) printJson(io, { id: state.id, name: state.name });
      else io.stdout.write(`${state.id}\n`);
      return 0;
    }
    const running = await startCreated(kernel, state, { stdio: [...stdio], ...(early === undefined ? {} : { prepared: early }) });
    forward = (signal) => running.launched.kill(signal);
    for (const signal of pending.splice(0)) forward(signal);
    const exit = await running.wait();
    reportExit(io, exit, json, state.id, state.name);
    return exit.status;
  } finally {
    early?.helper.cancel();
    for (const [signal, handler] of handlers) process.removeListener(signal, handler);
  }
}

function reportExit(io: Io, exit: ContainerExit, json: boolean, id: string, name: string): void {
  if (json) {
    printJson(io, { id, name, exitCode: exit.status, oomKilled: exit.oomKilled, error: exit.error });
    return;
  }
  if (exit.error !== null) io.stderr.write(`glassbox: ${exit.error}\n`);
  if (exit.oomKilled) io.stderr.write(`glassbox: container ${name} was killed by the kernel's OOM killer: it reached its memory limit (--memory)\n`);
}

/** `glassbox container-monitor ID`: not for users; `run -d` starts it (container/monitor.ts). */
export async function runContainerMonitor(options: GlobalOptions, args: string[]): Promise<number> {
  const [id] = args;
  if (id === undefined || args.length !== 1) throw new GlassboxError('CLI_USAGE', 'container-monitor takes a container id', { kind: 'bug' });
  const { runMonitor } = await import('../../container/monitor.js');
  return runMonitor(await containerKernel(options), id);
}
