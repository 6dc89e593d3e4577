import { CALL_NAMES as CALL, dataArg, modeArg, mountCall, umountCall, xattrFlagsArg } from '../call-args.js';
import type { CallArgs } from '../errors.js';
import { ERRNO } from '../errno.js';
import { ErrnoFailure, traced } from '../trace.js';
import type { Kernel } from '../types.js';
import { CAP, hasCap } from './access.js';
import { SimMachine, type SimMachineOptions } from './machine.js';
import { mountAt, umountAt } from './mount-ops.js';
import { signalNumber } from './signals.js';
import { spawnProcess } from './spawn.js';
import { chmodAt, lchownAt, lstatAt, mkdirAt, mkdtempAt, mknodAt, readFileAt, readdirAt, readlinkAt, symlinkAt, writeFileAt } from './vfs-files.js';
import { renameAt, rmdirAt, unlinkAt } from './vfs-remove.js';
import { getxattrAt, listxattrAt, removexattrAt, setxattrAt } from './vfs-xattr.js';

export interface SimKernelOptions {
  /** How cgroups are mounted: pure v2 (most laptops), v1, or hybrid (v1 plus an almost empty v2). */
  cgroupLayout?: 'v1' | 'v2' | 'hybrid';
  /**
  Where glassbox was started: alone in a delegated scope (`systemd-run --scope -p Delegate=yes` as
  root; the default on v2 when privileged, where containers need it) or in the login session with
  its shell (the default otherwise: v1 and hybrid as on this project's test machine).
  */
  cgroupPlacement?: 'delegated' | 'session';
  /** Root with every capability (default), or uid 65534 with none. */
  privileged?: boolean;
  hostname?: string;
}

/** The Kernel over a simulated machine, for tests that need to look behind the interface. */
export interface SimKernel extends Kernel {
  readonly machine: SimMachine;
}

// A view, not a copy: every filesystem's write and setxattr copies what it keeps (fs-types.ts), and a
// layer's 2 MB busybox copied twice more was a ~10 ms stall in the tour's unpack.
const bytes = (data: string | Uint8Array): Buffer =>
  typeof data === 'string' ? Buffer.from(data) : Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength);

/**
A Kernel that runs anywhere: every call goes to the model machine and is traced exactly like the
Linux backend's (same names, same arguments as printed, same shown result), failing with the errno
the real kernel gives for the same call in the same state.
*/
export function createSimKernel(options: SimKernelOptions = {}): SimKernel {
  const settings: SimMachineOptions = {
    cgroupLayout: options.cgroupLayout ?? 'v2',
    cgroupPlacement: options.cgroupPlacement,
    privileged: options.privileged ?? true,
    hostname: options.hostname ?? 'glassbox',
  };
  const machine = new SimMachine(settings);
  const run = <T>(call: string, args: CallArgs, body: () => T, show?: (value: T) => string | number): T => traced('sim', call, args, body, show);
  const ctx = () => machine.context();

  return {
    backend: 'sim',
    label: 'SIMULATED',
    machine,

    mount(request) {
      const { call, args } = mountCall(request);
      run(call, args, () => mountAt(ctx(), machine, request));
    },
    umount(target, flags = 0) {
      const { call, args } = umountCall(target, flags);
      run(call, args, () => umountAt(ctx(), machine.ids, target, flags));
    },

    mkdir(path, mode = 0o777) {
      run(CALL.mkdir, { path, mode: modeArg(mode) }, () => mkdirAt(ctx(), path, mode));
    },
    rmdir(path) {
      run(CALL.rmdir, { path }, () => rmdirAt(ctx(), path));
    },
    unlink(path) {
      run(CALL.unlink, { path }, () => unlinkAt(ctx(), path));
    },
    rename(from, to) {
      run(CALL.rename, { from, to }, () => renameAt(ctx(), from, to));
    },
    writeFile(path, data) {
      run(CALL.writeFile, { path, data: dataArg(data) }, () => writeFileAt(ctx(), path, bytes(data)), () =>
        typeof data === 'string' ? Buffer.byteLength(data) : data.byteLength,
      );
    },
    readFile(path) {
      return run(CALL.readFile, { path }, () => readFileAt(ctx(), path).toString('utf8'), (text) => Buffer.byteLength(text));
    },
    readdir(path) {
      return run(CALL.readdir, { path }, () => readdirAt(ctx(), path), (names) => names.length);
    },
    lstat(path) {
      return run(CALL.lstat, { path }, () => lstatAt(ctx(), path), (stat) => modeArg(stat.mode));
    },
    symlink(target, path) {
      run(CALL.symlink, { target, path }, () => symlinkAt(ctx(), target, path));
    },
    readlink(path) {
      return run(CALL.readlink, { path }, () => readlinkAt(ctx(), path), (target) => target);
    },
    mknod(path, mode, major, minor) {
      run(CALL.mknod, { path, mode: modeArg(mode), dev: `${major}:${minor}` }, () => mknodAt(ctx(), path, mode, major, minor));
    },
    chmod(path, mode) {
      run(CALL.chmod, { path, mode: modeArg(mode) }, () => chmodAt(ctx(), path, mode));
    },
    lchown(path, uid, gid) {
      run(CALL.lchown, { path, uid, gid }, () => lchownAt(ctx(), path, uid, gid));
    },
    mkdtemp(prefix) {
      return run(CALL.mkdtemp, { prefix }, () => mkdtempAt(ctx(), prefix, () => machine.random()), (path) => path);
    },

    setxattr(path, name, value, flags = 0) {
      const data = bytes(value);
      run(CALL.setxattr, { path, name, size: data.byteLength, flags: xattrFlagsArg(flags) }, () => setxattrAt(ctx(), path, name, data, flags));
    },
    getxattr(path, name) {
      return run(CALL.getxattr, { path, name }, () => getxattrAt(ctx(), path, name), (value) => value.length);
    },
    listxattr(path) {
      return run(CALL.listxattr, { path }, () => listxattrAt(ctx(), path), (names) => names.length);
    },
    removexattr(path, name) {
      run(CALL.removexattr, { path, name }, () => removexattrAt(ctx(), path, name));
    },

    getpid() {
      return run(CALL.getpid, {}, () => machine.self.pid, (pid) => pid);
    },
    spawn(argv) {
      return run(CALL.spawn, { argv: argv.join(' ') }, () => spawnProcess(ctx(), machine, machine.self, argv, (path) => readFileAtAsSelf(path)), (child) => child.pid);
    },
    kill(pid, signal) {
      run(CALL.kill, { pid, sig: signal }, () => killProcess(pid, signal));
    },
  };

  function readFileAtAsSelf(path: string): Buffer {
    return readFileAt(ctx(), path);
  }

  /**
  kill(2): a name the system does not know is EINVAL before anything else (as the Linux backend checks
  names); then ESRCH for no such process, EINVAL for a number out of range, EPERM without the right
  to signal it (same uid or CAP_KILL). pid 0 and negative pids name process groups, -1 everyone.
  */
  function killProcess(pid: number, signal: NodeJS.Signals | number): void {
    const number = signalNumber(signal);
    if (typeof signal === 'string' && number === undefined) throw new ErrnoFailure(ERRNO.EINVAL);
    const caller = machine.caller();
    const all = machine.processes.all();
    const targets =
      pid > 0 ? all.filter((p) => p.pid === pid) : pid === 0 ? all.filter((p) => p.pgid === machine.self.pgid) : pid === -1 ? all.filter((p) => p.pid !== 1 && p !== machine.self && !p.kernelThread) : all.filter((p) => p.pgid === -pid);
    if (targets.length === 0) throw new ErrnoFailure(ERRNO.ESRCH);
    if (number === undefined) throw new ErrnoFailure(ERRNO.EINVAL);
    const allowed = targets.filter((p) => p.uid === caller.uid || hasCap(caller, CAP.CAP_KILL));
    if (allowed.length === 0) throw new ErrnoFailure(ERRNO.EPERM);
    for (const target of allowed) machine.signal(target, number);
  }
}
