import { errnoDescription } from '../errno.js';
import { ErrnoFailure } from '../trace.js';
import { CAP, hasCap } from './access.js';
import { exitSoon, runSleep, type ProgramMain, type ProgramRun } from './program-types.js';
import { pidIn } from './processes.js';
import { lstatAt, readFileAt, readdirAt } from './vfs-files.js';

/**
The busybox applets lessons type, modelled: what they print and their exit status, reading files
through the simulated VFS as the process (so a masked /proc/kcore reads empty, a missing file fails
as busybox says it). Messages follow busybox's wording: `cat: can't open 'x': No such file or directory`.
*/
function say(run: ProgramRun, fd: 1 | 2, text: string): void {
  run.io.write(fd, text.endsWith('\n') || text === '' ? text : `${text}\n`);
}

/** strerror() wording, capitalised as glibc and musl print it. */
function strerror(error: unknown): string {
  if (!(error instanceof ErrnoFailure)) throw error;
  const text = errnoDescription(error.errno);
  return text.charAt(0).toUpperCase() + text.slice(1);
}

function finish(run: ProgramRun, code: number): void {
  exitSoon(run, code);
}

const echo: ProgramMain = (run) => {
  const args = run.argv.slice(1);
  const newline = args[0] !== '-n';
  say(run, 1, `${(newline ? args : args.slice(1)).join(' ')}${newline ? '\n' : ''}`);
  finish(run, 0);
};

const cat: ProgramMain = (run) => {
  const ctx = run.machine.contextOf(run.process);
  let code = 0;
  for (const file of run.argv.slice(1)) {
    try {
      run.io.write(1, readFileAt(ctx, file).toString('utf8'));
    } catch (error) {
      say(run, 2, `cat: can't open '${file}': ${strerror(error)}`);
      code = 1;
    }
  }
  finish(run, code);
};

const ls: ProgramMain = (run) => {
  const ctx = run.machine.contextOf(run.process);
  const targets = run.argv.slice(1).filter((arg) => !arg.startsWith('-'));
  let code = 0;
  for (const target of targets.length === 0 ? ['.'] : targets) {
    try {
      const stat = lstatAt(ctx, target);
      const names = stat.type === 'dir' ? readdirAt(ctx, target).filter((name) => !name.startsWith('.')).sort() : [target];
      if (targets.length > 1) say(run, 1, `${target}:`);
      for (const name of names) say(run, 1, name);
    } catch (error) {
      say(run, 2, `ls: ${target}: ${strerror(error)}`);
      code = 1;
    }
  }
  finish(run, code);
};

const hostname: ProgramMain = (run) => {
  const name = run.argv[1];
  if (name === undefined) {
    say(run, 1, run.process.ns.uts.hostname);
    finish(run, 0);
    return;
  }
  // sethostname(2): EPERM without CAP_SYS_ADMIN; the name goes to the process's UTS namespace.
  if (!hasCap({ pid: run.process.pid, uid: run.process.uid, gid: run.process.gid, caps: run.process.caps.effective }, CAP.CAP_SYS_ADMIN)) {
    say(run, 2, 'hostname: sethostname: Operation not permitted');
    finish(run, 1);
    return;
  }
  run.process.ns.uts.hostname = name.slice(0, 64);
  finish(run, 0);
};

/** Names from the container's own /etc/passwd and /etc/group, numbers where it has none. */
function nameOf(run: ProgramRun, file: string, id: number): string {
  try {
    const line = readFileAt(run.machine.contextOf(run.process), file).toString('utf8').split('\n').find((l) => l.split(':')[2] === String(id));
    return line === undefined ? `${id}` : `${id}(${line.split(':')[0]})`;
  } catch {
    return `${id}`;
  }
}

const id: ProgramMain = (run) => {
  const p = run.process;
  const groups = [p.gid, ...(p.groups ?? []).filter((g) => g !== p.gid)];
  say(run, 1, `uid=${nameOf(run, '/etc/passwd', p.uid)} gid=${nameOf(run, '/etc/group', p.gid)} groups=${groups.map((g) => nameOf(run, '/etc/group', g)).join(',')}`);
  finish(run, 0);
};

/** busybox ps: PID, USER, TIME, COMMAND of every process its /proc shows. */
const ps: ProgramMain = (run) => {
  const ctx = run.machine.contextOf(run.process);
  let pids: number[];
  try {
    pids = readdirAt(ctx, '/proc').filter((name) => /^\d+$/.test(name)).map(Number).sort((a, b) => a - b);
  } catch (error) {
    say(run, 2, `ps: can't open '/proc': ${strerror(error)}`);
    finish(run, 1);
    return;
  }
  say(run, 1, 'PID   USER     TIME  COMMAND');
  for (const pid of pids) {
    const p = run.machine.processes.all().find((x) => pidIn(x, run.process.ns.pid) === pid);
    if (p === undefined) continue;
    const user = p.uid === 0 ? 'root' : String(p.uid);
    say(run, 1, `${String(pid).padStart(5)} ${user.padEnd(8)} 0:00 ${p.argv.length > 0 ? p.argv.join(' ') : `[${p.comm}]`}`);
  }
  finish(run, 0);
};

const pwd: ProgramMain = (run) => {
  say(run, 1, run.process.cwd);
  finish(run, 0);
};

const uname: ProgramMain = (run) => {
  const p = run.process;
  const flags = run.argv.slice(1).join('');
  const fields: string[] = [];
  if (flags.includes('a') || flags.includes('s') || flags === '') fields.push('Linux');
  if (flags.includes('a') || flags.includes('n')) fields.push(p.ns.uts.hostname);
  if (flags.includes('a') || flags.includes('r')) fields.push(run.machine.osrelease);
  if (flags.includes('a') || flags.includes('m')) fields.push('x86_64');
  say(run, 1, fields.join(' '));
  finish(run, 0);
};

/**
`sh -c 'COMMAND ARGS'` for one simple command, run in place as `exec` would; pipes, redirections,
lists and variables are beyond the model (status 2, saying so).
*/
const sh: ProgramMain = (run) => {
  const script = run.argv[1] === '-c' ? run.argv[2] : undefined;
  if (script === undefined || /[;&|<>$`()*?'"\\]/.test(script)) {
    say(run, 2, 'sh: the simulated shell runs one simple command (sh -c "cmd args")');
    finish(run, 2);
    return;
  }
  const argv = script.trim().split(/\s+/);
  const applet = BUSYBOX_APPLETS[argv[0]!.slice(argv[0]!.lastIndexOf('/') + 1)];
  if (applet === undefined || argv[0] === 'sh') {
    say(run, 2, `sh: ${argv[0]}: not found`);
    finish(run, 127);
    return;
  }
  run.process.argv = argv;
  applet({ ...run, argv });
};

export const BUSYBOX_APPLETS: Record<string, ProgramMain> = {
  cat,
  echo,
  false: (run) => finish(run, 1),
  hostname,
  id,
  ls,
  ps,
  pwd,
  sh,
  sleep: runSleep,
  true: (run) => finish(run, 0),
  uname,
};

