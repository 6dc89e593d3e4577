import { ERRNO } from '../errno.js';
import { MS } from '../flags.js';
import { ErrnoFailure } from '../trace.js';
import type { ProcessExit, SpawnedProcess } from '../types.js';
import { MAY_EXEC, mayAccess } from './access.js';
import { bump, controllerActive, type CgroupNode } from './cgroup-tree.js';
import { chargeFork, memoryUsage, raisePeaksAfterFork, type CgroupHost } from './cgroup-core.js';
import type { SimMachine } from './machine.js';
import { programOf, runProgram, type ProgramName } from './programs.js';
import type { SimProcess } from './processes.js';
import { resolveExisting } from './path-walk.js';
import { statOf, type VfsContext } from './vfs-context.js';
import { SIGNALS } from './signals.js';

const PATH = ['/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin'];
/** What a small program like sleep has resident: 64 pages. */
const PROGRAM_MEMORY = 64 * 4096;

/** What exec ends up running: one of the model's programs, or a script the model has no shell for. */
export type Image = { kind: 'program'; program: ProgramName; argv: string[] } | { kind: 'script'; commands: boolean };

interface Found {
  path: string;
  image: Image;
}

/**
execvp(3): try each PATH directory (or the path itself when it has a slash); EACCES if some candidate
was not executable, ENOENT if none existed.
*/
export function findExecutable(ctx: VfsContext, file: string): { path: string } {
  const candidates = file.includes('/') ? [file] : PATH.map((dir) => `${dir}/${file}`);
  let denied = false;
  for (const candidate of candidates) {
    let resolved;
    try {
      resolved = resolveExisting(ctx, candidate, true);
    } catch (error) {
      if (error instanceof ErrnoFailure && error.errno === ERRNO.EACCES) denied = true;
      continue;
    }
    const stat = statOf(resolved.loc);
    // execve(2): EACCES for a non-regular file, a file without execute permission, or a noexec mount.
    if (stat.type !== 'file' || !mayAccess(stat, ctx.caller, MAY_EXEC) || (resolved.loc.mount.flags & MS.MS_NOEXEC) !== 0) {
      denied = true;
      continue;
    }
    return { path: candidate };
  }
  throw new ErrnoFailure(denied ? ERRNO.EACCES : ERRNO.ENOENT);
}

/**
What execve(2) makes of a file: one of the model's programs, or a `#!` script whose interpreter must
exist (ENOENT) and is one of them. Everything else is ENOEXEC, on which execvp(3), and so Node's
spawn, runs the file with /bin/sh. The model has no shell: such a script ends as if every command in
it were unknown, with status 127, or 0 when it has no commands at all.
*/
export function loadImage(ctx: VfsContext, path: string, argv: string[], read: (path: string) => Buffer): Image {
  const content = read(path);
  const program = programOf(content, resolveExisting(ctx, path, true).path, argv);
  if (program !== undefined) return { kind: 'program', program, argv };
  const text = content.toString('utf8');
  const [interpreter, ...args] = text.startsWith('#!') ? text.slice(2).split('\n')[0]!.trim().split(/\s+/) : [];
  if (interpreter !== undefined && interpreter !== '') {
    const found = findExecutable(ctx, interpreter.includes('/') ? interpreter : `./${interpreter}`);
    const inner = programOf(read(found.path), resolveExisting(ctx, found.path, true).path, [interpreter]);
    if (inner !== undefined) return { kind: 'program', program: inner, argv: [interpreter, ...args.slice(0, 1), path, ...argv.slice(1)] };
  }
  const commands = text.split('\n').some((line) => line.trim() !== '' && !line.trim().startsWith('#'));
  return { kind: 'script', commands };
}

/** The machine: programs may look at all of it (gbx-probe reads the process's view through it). */
export type SpawnHost = SimMachine & CgroupHost;

/**
Starts a program as a child of `parent`: fork (pids limits: EAGAIN), then exec. The child shares the
parent's namespaces and starts in its cgroups; its memory is charged there and stays charged there
when it is moved (cgroup v2 and v1's default move_charge_at_immigrate=0 both work that way).
*/
export function spawnProcess(ctx: VfsContext, host: SpawnHost, parent: SimProcess, argv: string[], read: (path: string) => Buffer): SpawnedProcess {
  const file = argv[0];
  if (file === undefined || file === '') throw new ErrnoFailure(file === undefined ? ERRNO.EINVAL : ERRNO.ENOENT);
  const path = findExecutable(ctx, file).path;
  const found: Found = { path: resolveExisting(ctx, path, true).path, image: loadImage(ctx, path, argv, read) };
  chargeFork(parent.cgroups.values(), host);
  const pid = host.processes.allocatePid();
  let settle!: (exit: ProcessExit) => void;
  const exited = new Promise<ProcessExit>((resolve) => (settle = resolve));
  const child: SimProcess = {
    ...parent,
    pid,
    ppid: parent.pid,
    comm: found.path.split('/').pop()!.slice(0, 15),
    argv: found.image.kind === 'program' ? found.image.argv : ['/bin/sh', path, ...argv.slice(1)],
    exe: found.path,
    caps: { ...parent.caps },
    cgroups: new Map(parent.cgroups),
    charges: new Map(parent.cgroups),
    memoryBytes: PROGRAM_MEMORY,
    state: 'R',
    kernelThread: false,
    startTicks: host.startTicks(),
    settle,
    timer: undefined,
    pending: [],
  };
  host.processes.add(child);
  raisePeaksAfterFork(child.cgroups.values(), host);
  const end = (exit: ProcessExit): void => host.processes.end(child, exit);
  if (found.image.kind === 'program') runProgram(found.image.program, child, end, host);
  else {
    const code = found.image.commands ? 127 : 0;
    setImmediate(() => end({ code, signal: null }));
  }
  oomIfOverLimit(child, host);
  return { pid, exited };
}

/** A charge over a memory limit on the way up makes the OOM killer take the process; true when it does. */
export function oomIfOverLimit(child: SimProcess, host: CgroupHost): boolean {
  for (const start of child.charges.values()) {
    for (let cg: CgroupNode | null = start; cg !== null; cg = cg.parent) {
      if (cg.parent === null || !controllerActive(cg, 'memory')) continue;
      const limit = cg.settings.get(cg.hierarchy.version === 2 ? 'memory.max' : 'memory.limit_in_bytes');
      if (limit === undefined || limit === 'max' || memoryUsage(cg, host) <= Number(limit)) continue;
      bump(cg, cg.hierarchy.version === 2 ? 'memory.oom_kill' : 'memory.failcnt');
      if (cg.hierarchy.version === 2) bump(cg, 'memory.oom');
      else bump(cg, 'memory.oom_kill');
      setImmediate(() => host.signal(child, SIGNALS.SIGKILL!));
      return true;
    }
  }
  return false;
}

