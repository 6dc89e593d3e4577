import type { DockerRunFlags } from '../../container/docker-flags.js';
import { GlassboxError } from '../../errors.js';

/**
argv of `glassbox run` (and `exec`) the way docker reads it: flags up to the image, then
everything after the image is the container's command, untouched (`run demo ls -l --json`
runs `ls -l --json`). Short flags combine (`-it`, `-dit`); values come as `--name x`,
`--name=x` or `-ex=1`. Flags that repeat (`-e`, `-v`, `--cap-add`...) collect.
*/
export interface FlagDef {
  long: string;
  short?: string;
  value: boolean;
  multiple?: boolean;
}

export interface ParsedCommand {
  values: Record<string, string | string[] | boolean>;
  /** The first operand (the image, or the container for exec) and the rest. */
  operands: string[];
}

function usage(message: string, hint: string): GlassboxError {
  return new GlassboxError('CLI_USAGE', message, { kind: 'user', hint });
}

export function parseCommandArgs(args: readonly string[], defs: readonly FlagDef[], operandsBeforeCommand: number, hint: string): ParsedCommand {
  const values: ParsedCommand['values'] = {};
  const byLong = new Map(defs.map((def) => [def.long, def]));
  const byShort = new Map(defs.filter((def) => def.short !== undefined).map((def) => [def.short!, def]));
  const operands: string[] = [];
  const set = (def: FlagDef, value: string | true): void => {
    if (def.multiple === true) values[def.long] = [...((values[def.long] as string[] | undefined) ?? []), value as string];
    else values[def.long] = value;
  };
  let i = 0;
  for (; i < args.length && operands.length < operandsBeforeCommand; i++) {
    const arg = args[i]!;
    if (arg === '--') {
      i++;
      break;
    }
    if (arg.startsWith('--')) {
      const eq = arg.indexOf('=');
      const name = arg.slice(2, eq === -1 ? undefined : eq);
      const def = byLong.get(name);
      if (def === undefined) throw usage(`unknown flag: --${name}`, hint);
      if (!def.value) {
        if (eq !== -1 && !['true', 'false'].includes(arg.slice(eq + 1))) throw usage(`flag --${name} takes no value`, hint);
        values[def.long] = eq === -1 || arg.slice(eq + 1) === 'true';
        continue;
      }
      const value = eq !== -1 ? arg.slice(eq + 1) : args[++i];
      if (value === undefined) throw usage(`flag needs an argument: --${name}`, hint);
      set(def, value);
    } else if (arg.startsWith('-') && arg.length > 1) {
      for (let j = 1; j < arg.length; j++) {
        const def = byShort.get(arg[j]!);
        if (def === undefined) throw usage(`unknown shorthand flag: '${arg[j]}' in ${arg}`, hint);
        if (!def.value) {
          values[def.long] = true;
          continue;
        }
        // The rest of the cluster is the value (`-eA=1`, `-e=A=1` as docker takes it), else the next argument.
        const rest = arg.slice(j + 1).replace(/^=/, '');
        const value = rest !== '' ? rest : args[++i];
        if (value === undefined) throw usage(`flag needs an argument: '${arg[j]}' in -${arg[j]}`, hint);
        set(def, value);
        break;
      }
    } else {
      operands.push(arg);
    }
  }
  operands.push(...args.slice(i));
  return { values, operands };
}

export const GLOBAL_FLAGS: FlagDef[] = [
  { long: 'json', value: false },
  { long: 'plain', value: false },
  { long: 'lang', value: true },
  { long: 'kernel', value: true },
];

export const RUN_FLAGS: FlagDef[] = [
  { long: 'detach', short: 'd', value: false },
  { long: 'rm', value: false },
  { long: 'name', value: true },
  { long: 'hostname', value: true },
  { long: 'env', short: 'e', value: true, multiple: true },
  { long: 'workdir', short: 'w', value: true },
  { long: 'user', short: 'u', value: true },
  { long: 'memory', short: 'm', value: true },
  { long: 'memory-swap', value: true },
  { long: 'cpus', value: true },
  { long: 'cpu-shares', short: 'c', value: true },
  { long: 'pids-limit', value: true },
  { long: 'read-only', value: false },
  { long: 'cap-add', value: true, multiple: true },
  { long: 'cap-drop', value: true, multiple: true },
  { long: 'security-opt', value: true, multiple: true },
  { long: 'volume', short: 'v', value: true, multiple: true },
  { long: 'tmpfs', value: true, multiple: true },
  { long: 'interactive', short: 'i', value: false },
  { long: 'tty', short: 't', value: false },
  { long: 'entrypoint', value: true },
  ...GLOBAL_FLAGS,
];

const str = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);
const list = (value: unknown): string[] | undefined => (Array.isArray(value) ? (value as string[]) : undefined);

/** The parsed values as the container's DockerRunFlags (the keys dockerFlagsToSpec knows). */
export function toDockerFlags(values: ParsedCommand['values']): DockerRunFlags {
  const flags: DockerRunFlags = {};
  const pairs: [keyof DockerRunFlags, string][] = [
    ['memory', 'memory'], ['memorySwap', 'memory-swap'], ['cpus', 'cpus'], ['cpuShares', 'cpu-shares'], ['pidsLimit', 'pids-limit'],
    ['hostname', 'hostname'], ['user', 'user'], ['workdir', 'workdir'],
  ];
  for (const [key, name] of pairs) {
    const value = str(values[name]);
    if (value !== undefined) (flags as Record<string, unknown>)[key] = value;
  }
  if (values['read-only'] === true) flags.readOnly = true;
  if (values.tty === true) flags.tty = true;
  const lists: [keyof DockerRunFlags, string][] = [
    ['env', 'env'], ['capAdd', 'cap-add'], ['capDrop', 'cap-drop'], ['securityOpt', 'security-opt'], ['volume', 'volume'], ['tmpfs', 'tmpfs'],
  ];
  for (const [key, name] of lists) {
    const value = list(values[name]);
    if (value !== undefined) (flags as Record<string, unknown>)[key] = value;
  }
  return flags;
}
