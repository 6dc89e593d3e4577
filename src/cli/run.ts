import module from 'node:module';
import { parseArgs } from 'node:util';
import { GlassboxError } from '../errors.js';
import { detectLang, type Lang } from '../i18n/lang.js';
import { printError, printLines, type Io } from './output.js';
import { glassboxVersion } from '../version.js';

// V8's code cache on disk (Node >= 22.1, in the temp dir) for what Node's own loader compiles:
// the ES modules (the tour, and every command when there is no bundle) start from bytecode
// instead of being compiled again on every run, the largest single saving of their start-up.
// Not from the bundle (scripts/build-bundle.mjs defines __glassboxBundleRequire there): it
// has a bytecode cache of its own, and Node's loader only meets tar-stream (save, load), so
// turning the cache on would cost more than it saves: ~3 ms of every command, measured in `run`.
declare const __glassboxBundleRequire: NodeJS.Require | undefined;
if (typeof __glassboxBundleRequire !== 'function') module.enableCompileCache?.();

export interface GlobalOptions {
  json: boolean;
  lang: Lang;
  kernel: 'auto' | 'real' | 'sim';
  plain: boolean;
}

const USAGE = [
  'usage: glassbox <command> [options]',
  '',
  'commands:',
  '  learn [lesson]   the step-through tour (what npm start runs; --plain as text, --all every lesson)',
  '  doctor           what this machine can do, and which lessons run for real',
  '  pull REF         download an image from a registry (--platform os/arch[/variant], -q)',
  '  unpack IMAGE     unpack its layers, one directory each ([DIR]; --layer BLOB DIR for one blob)',
  '  images [REPO]    the images in the store (-q, --digests, --no-trunc)',
  '  inspect NAME     a container (state, config, limits, mounts) or an image (index, manifest, layers), as JSON',
  '  history IMAGE    the build steps and the layer each made (--no-trunc, -q)',
  '  rmi IMAGE        remove names, then the blobs no image needs (-f for an ID with several names)',
  '  save IMAGE       an OCI archive of images, to -o FILE or standard output',
  '  load             images from an archive (-i FILE or standard input; OCI or docker save, gzip too)',
  '  serve [ADDR]     the store as a read-only registry (default 127.0.0.1:5000; --demo adds the demo)',
  '  compare          container vs VM, measured: start-up, memory, kernel, disk (--runs N, --recorded)',
  '  run IMAGE [CMD]  run a container (-d, --rm, --name, -e, -w, --user, --memory, --cpus, --pids-limit, --read-only, --cap-drop, -it)',
  '  ps               containers: running, or all with -a (-q, --no-trunc)',
  '  exec C CMD       run a command in a running container (-d, -it, -e, -w, -u)',
  '  logs C           what a -d container wrote, stdout and stderr apart (-f to follow, -t times)',
  '  stop C...        SIGTERM, then SIGKILL after -t seconds (default 10)',
  '  kill C...        send a signal to a container (-s SIG, default KILL)',
  '  rm C...          remove containers (-f: kill a running one first)',
  '  diff C           files a container added (A), changed (C) or deleted (D)',
  '  gc               remove what a killed glassbox left: mounts, cgroups, processes, state',
  '  report [LESSON]  lab reports of finished lessons, Markdown + SVG (-o DIR, --learner NAME, --all, --no-render)',
  '  version          print the version',
  '  help             this text',
  '',
  'options:',
  '  --json                 machine-readable output',
  '  --lang ko|en           language (default: from the locale)',
  '  --kernel auto|real|sim kernel backend (default: auto, from the doctor)',
  '  --plain                plain text instead of the full-screen tour',
];

function usageError(message: string): GlassboxError {
  return new GlassboxError('CLI_USAGE', message, { kind: 'user', hint: 'run: glassbox help' });
}

/**
Takes the global options out of argv wherever they stand; everything else after the
command (its own flags and operands) is left, in order, for the command to parse.
Command flags go after the command, as with docker: `glassbox pull --platform linux/arm64 busybox`.
*/
const PASS_THROUGH = new Set(['run', 'exec']);

export function parseGlobal(argv: string[]): { options: GlobalOptions; command: string | undefined; rest: string[] } {
  const options: GlobalOptions = { json: false, lang: detectLang(undefined), kernel: 'auto', plain: false };
  let lang: string | undefined;
  let command: string | undefined;
  let special: 'help' | 'version' | undefined;
  const rest: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') {
      rest.push(...argv.slice(i));
      break;
    }
    // `run IMAGE CMD...` and `exec C CMD...`: from the first operand on, argv is the container's.
    if (command !== undefined && PASS_THROUGH.has(command) && !arg.startsWith('-')) {
      rest.push(...argv.slice(i));
      break;
    }
    const eq = arg.startsWith('--') ? arg.indexOf('=') : -1;
    const name = eq === -1 ? arg : arg.slice(0, eq);
    const value = (): string => {
      const inline = eq === -1 ? undefined : arg.slice(eq + 1);
      const next = inline ?? argv[++i];
      if (next === undefined) throw usageError(`option ${name} needs a value`);
      return next;
    };
    if (name === '--json') options.json = true;
    else if (name === '--plain') options.plain = true;
    else if (name === '--help' || name === '-h') special = 'help';
    else if (name === '--version') special = 'version';
    else if (name === '--lang') lang = value();
    else if (name === '--kernel') {
      const kernel = value();
      if (kernel !== 'auto' && kernel !== 'real' && kernel !== 'sim') {
        throw usageError(`--kernel must be auto, real or sim, not ${JSON.stringify(kernel)}`);
      }
      options.kernel = kernel;
    } else if (command === undefined && !arg.startsWith('-')) command = arg;
    else if (command === undefined) throw usageError(`unknown option '${name}' before the command`);
    else rest.push(arg);
  }
  if (lang !== undefined && lang !== 'ko' && lang !== 'en') {
    throw usageError(`--lang must be ko or en, not ${JSON.stringify(lang)}`);
  }
  options.lang = detectLang(lang);
  return { options, command: special ?? command, rest };
}

/** For commands that take no operands or flags of their own: refuses anything left over. */
export function expectNoArgs(rest: string[]): void {
  parseArgs({ args: rest, strict: true, allowPositionals: false, options: {} });
}

type CommandRunner = (options: GlobalOptions, rest: string[], io: Io) => Promise<number>;

/**
Each command's module is loaded only when that command runs: the CLI starts in a fraction of
the time when `glassbox pull` need not load Ink and React, nor the tour the registry client.
*/
const COMMANDS: Record<string, () => Promise<CommandRunner>> = {
  doctor: async () => {
    const { runDoctor } = await import('./commands/doctor.js');
    return async (options, rest, io) => {
      expectNoArgs(rest);
      return runDoctor(options, io);
    };
  },
  learn: async () => (await import('./commands/learn.js')).runLearn,
  pull: async () => (await import('./commands/pull.js')).runPull,
  unpack: async () => (await import('./commands/unpack.js')).runUnpack,
  images: async () => (await import('./commands/images.js')).runImages,
  inspect: async () => (await import('./commands/inspect.js')).runInspect,
  history: async () => (await import('./commands/history.js')).runHistory,
  rmi: async () => (await import('./commands/rmi.js')).runRmi,
  save: async () => (await import('./commands/save.js')).runSave,
  load: async () => (await import('./commands/load.js')).runLoad,
  serve: async () => (await import('./commands/serve.js')).runServe,
  compare: async () => (await import('./commands/compare.js')).runCompare,
  run: async () => (await import('./commands/run.js')).runRun,
  'container-monitor': async () => (await import('./commands/run.js')).runContainerMonitor,
  ps: async () => (await import('./commands/ps.js')).runPs,
  exec: async () => (await import('./commands/exec.js')).runExec,
  logs: async () => (await import('./commands/logs.js')).runLogs,
  stop: async () => (await import('./commands/stop.js')).runStop,
  kill: async () => (await import('./commands/kill.js')).runKill,
  rm: async () => (await import('./commands/rm.js')).runRm,
  diff: async () => (await import('./commands/diff.js')).runDiff,
  gc: async () => (await import('./commands/gc.js')).runGc,
  report: async () => (await import('./commands/report.js')).runReport,
};

export async function runCli(argv: string[], io: Io): Promise<number> {
  let json = argv.includes('--json');
  try {
    const { options, command, rest } = parseGlobal(argv);
    json = options.json;
    switch (command) {
      case undefined:
      case 'help':
        printLines(io, USAGE);
        return command === undefined ? 2 : 0;
      case 'version':
        expectNoArgs(rest);
        printLines(io, [glassboxVersion()]);
        return 0;
      default: {
        const load = Object.hasOwn(COMMANDS, command) ? COMMANDS[command] : undefined;
        if (load === undefined) throw usageError(`unknown command ${JSON.stringify(command)}`);
        return await (await load())(options, rest, io);
      }
    }
  } catch (error) {
    if (error instanceof TypeError && 'code' in error && String(error.code).startsWith('ERR_PARSE_ARGS')) {
      return printError(io, usageError(error.message.toLowerCase().replace(/\.$/, '')), json);
    }
    return printError(io, error, json);
  }
}
