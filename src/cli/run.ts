import { parseArgs } from 'node:util';
import { GlassboxError } from '../errors.js';
import { detectLang, type Lang } from '../i18n/lang.js';
import { printError, printLines, type Io } from './output.js';
import { runDoctor } from './commands/doctor.js';
import { runLearn } from './commands/learn.js';
import { runPull } from './commands/pull.js';
import { runUnpack } from './commands/unpack.js';
import { VERSION } from '../version.js';

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
  '  learn [lesson]   the step-through tour (what npm start runs)',
  '  doctor           what this machine can do, and which lessons run for real',
  '  pull REF         download an image from a registry (--platform os/arch[/variant], -q)',
  '  unpack IMAGE     unpack its layers, one directory each ([DIR]; --layer BLOB DIR for one blob)',
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

export function parseGlobal(argv: string[]): { options: GlobalOptions; command: string | undefined; rest: string[] } {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: {
      json: { type: 'boolean', default: false },
      lang: { type: 'string' },
      kernel: { type: 'string', default: 'auto' },
      plain: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
      version: { type: 'boolean', default: false },
    },
  });
  if (values.lang !== undefined && values.lang !== 'ko' && values.lang !== 'en') {
    throw usageError(`--lang must be ko or en, not ${JSON.stringify(values.lang)}`);
  }
  const kernel = values.kernel;
  if (kernel !== 'auto' && kernel !== 'real' && kernel !== 'sim') {
    throw usageError(`--kernel must be auto, real or sim, not ${JSON.stringify(kernel)}`);
  }
  let command = positionals[0];
  if (values.help) command = 'help';
  if (values.version) command = 'version';
  return {
    options: { json: values.json, lang: detectLang(values.lang), kernel, plain: values.plain },
    command,
    rest: positionals.slice(1),
  };
}

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
        printLines(io, [VERSION]);
        return 0;
      case 'doctor':
        return await runDoctor(options, io);
      case 'learn':
        return await runLearn(options, rest, io);
      case 'pull':
        return await runPull(options, rest, io);
      case 'unpack':
        return await runUnpack(options, rest, io);
      default:
        throw usageError(`unknown command ${JSON.stringify(command)}`);
    }
  } catch (error) {
    if (error instanceof TypeError && 'code' in error && String(error.code).startsWith('ERR_PARSE_ARGS')) {
      return printError(io, usageError(error.message.toLowerCase().replace(/\.$/, '')), json);
    }
    return printError(io, error, json);
  }
}
