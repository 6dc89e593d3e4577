import { GlassboxError } from '../errors.js';
import { parseUser, type ContainerSpec, type NamespaceName } from './spec.js';

/**
What `exec` starts in a running container: gbx-run joins the namespaces of the container's
first process (`pid`, as the host sees it) instead of making new ones, and the new process
gets its own ids, capabilities, environment and cwd, as in run. Built from the container's
spec and `docker exec` flags by `execSpecFor`; encoded by `encodeExecSpec`.
*/
export interface ExecSpec {
  /** The container's id (the step channel names it). */
  id: string;
  /** The container's first process on the host. */
  pid: number;
  /** The container's namespaces: the ones to join. */
  namespaces: NamespaceName[];
  process: ContainerSpec['process'];
  tty?: boolean;
}

/** The `docker exec` flags glassbox knows. */
export interface DockerExecFlags {
  env?: string[];
  workdir?: string;
  user?: string;
  tty?: boolean;
  privileged?: boolean;
}

function bad(flag: string, value: string, why: string): GlassboxError {
  return new GlassboxError('EXEC_BAD_FLAG', `invalid ${flag} ${JSON.stringify(value)}: ${why}`, { kind: 'user' });
}

/** The container's process settings, with exec's args and flags on top (Docker: env added, cwd and user replaced). */
export function execSpecFor(container: ContainerSpec, pid: number, args: string[], flags: DockerExecFlags = {}): ExecSpec {
  if (args.length === 0) throw new GlassboxError('EXEC_NO_COMMAND', 'exec needs a command to run', { kind: 'user' });
  if (flags.privileged === true) throw bad('--privileged', 'true', 'not supported');
  const base = container.process;
  const process: ExecSpec['process'] = { ...base, args, env: [...base.env], groups: [...base.groups], caps: [...base.caps], rlimits: [...base.rlimits] };
  for (const entry of flags.env ?? []) {
    const eq = entry.indexOf('=');
    if (eq <= 0) throw bad('-e', entry, 'expected NAME=VALUE');
    process.env = [...process.env.filter((e) => !e.startsWith(entry.slice(0, eq + 1))), entry];
  }
  if (flags.workdir !== undefined) {
    if (!flags.workdir.startsWith('/')) throw bad('-w', flags.workdir, 'must be an absolute path');
    process.cwd = flags.workdir;
  }
  if (flags.user !== undefined) Object.assign(process, parseUser(flags.user), { groups: [] });
  const namespaces = [...container.namespaces];
  if (container.userns !== undefined && !namespaces.includes('user')) namespaces.push('user');
  return { id: container.id, pid, namespaces, process, tty: flags.tty === true };
}
