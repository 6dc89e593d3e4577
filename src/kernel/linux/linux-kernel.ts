import { spawn as spawnChild } from 'node:child_process';
import * as fs from 'node:fs';
import { constants } from 'node:os';
import {
  CALL_NAMES as CALL,
  dataArg,
  modeArg,
  mountCall,
  umountCall,
  xattrFlagsArg,
} from '../call-args.js';
import { ERRNO } from '../errno.js';
import type { CallArgs } from '../errors.js';
import { makedev } from '../flags.js';
import { ErrnoFailure, traced } from '../trace.js';
import type { Kernel, MountRequest, ProcessExit, SpawnedProcess } from '../types.js';
import * as libc from './libc.js';
import { toFileStat } from '../node-stat.js';
import { execErrno } from './spawn-errno.js';

export { linuxKernelAvailable } from './linux-available.js';

/**
The real kernel: libc through koffi for what node:fs cannot do (mount, device nodes, xattrs,
ownership), node:fs *Sync for plain files, child_process for host processes. Every call goes
through `traced`, so it is published on the trace channel and a failure is a SyscallError that
names the call, its arguments and the errno.
*/
export function createLinuxKernel(): Kernel {
  const run = <T>(call: string, args: CallArgs, body: () => T, show?: (value: T) => string | number): T =>
    traced('linux', call, args, body, show);

  return {
    backend: 'linux',
    label: 'REAL',

    mount(request: MountRequest) {
      const { call, args } = mountCall(request);
      run(call, args, () => libc.mount(request.source, request.target, request.fstype, request.flags, request.data ?? null));
    },
    umount(target, flags = 0) {
      const { call, args } = umountCall(target, flags);
      run(call, args, () => libc.umount2(target, flags));
    },

    mkdir(path, mode = 0o777) {
      run(CALL.mkdir, { path, mode: modeArg(mode) }, () => fs.mkdirSync(path, { mode }));
    },
    rmdir(path) {
      run(CALL.rmdir, { path }, () => fs.rmdirSync(path));
    },
    unlink(path) {
      run(CALL.unlink, { path }, () => fs.unlinkSync(path));
    },
    rename(from, to) {
      run(CALL.rename, { from, to }, () => fs.renameSync(from, to));
    },
    writeFile(path, data) {
      run(CALL.writeFile, { path, data: dataArg(data) }, () => fs.writeFileSync(path, data), () =>
        typeof data === 'string' ? Buffer.byteLength(data) : data.byteLength,
      );
    },
    readFile(path) {
      return run(CALL.readFile, { path }, () => fs.readFileSync(path, 'utf8'), (text) => Buffer.byteLength(text));
    },
    readdir(path) {
      return run(CALL.readdir, { path }, () => fs.readdirSync(path), (names) => names.length);
    },
    lstat(path) {
      return run(CALL.lstat, { path }, () => toFileStat(fs.lstatSync(path, { bigint: true })), (stat) => modeArg(stat.mode));
    },
    symlink(target, path) {
      run(CALL.symlink, { target, path }, () => fs.symlinkSync(target, path));
    },
    readlink(path) {
      return run(CALL.readlink, { path }, () => fs.readlinkSync(path), (target) => target);
    },
    mknod(path, mode, major, minor) {
      run(CALL.mknod, { path, mode: modeArg(mode), dev: `${major}:${minor}` }, () => libc.mknod(path, mode, makedev(major, minor)));
    },
    chmod(path, mode) {
      run(CALL.chmod, { path, mode: modeArg(mode) }, () => libc.chmod(path, mode));
    },
    lchown(path, uid, gid) {
      run(CALL.lchown, { path, uid, gid }, () => libc.lchown(path, uid, gid));
    },
    mkdtemp(prefix) {
      return run(CALL.mkdtemp, { prefix }, () => fs.mkdtempSync(prefix), (path) => path);
    },

    setxattr(path, name, value, flags = 0) {
      const bytes = typeof value === 'string' ? Buffer.from(value) : value;
      run(CALL.setxattr, { path, name, size: bytes.byteLength, flags: xattrFlagsArg(flags) }, () =>
        libc.lsetxattr(path, name, bytes, flags),
      );
    },
    getxattr(path, name) {
      return run(CALL.getxattr, { path, name }, () => libc.lgetxattr(path, name), (value) => value.length);
    },
    listxattr(path) {
      return run(CALL.listxattr, { path }, () => libc.llistxattr(path), (names) => names.length);
    },
    removexattr(path, name) {
      run(CALL.removexattr, { path, name }, () => libc.lremovexattr(path, name));
    },

    getpid() {
      return run(CALL.getpid, {}, () => process.pid, (pid) => pid);
    },
    spawn(argv) {
      return run(CALL.spawn, { argv: argv.join(' ') }, () => spawnProcess(argv), (child) => child.pid);
    },
    kill(pid, signal) {
      run(CALL.kill, { pid, sig: signal }, () => {
        // kill(2) says EINVAL for a signal it does not know; Node would throw ERR_UNKNOWN_SIGNAL for a name.
        if (typeof signal === 'string' && !(signal in constants.signals)) throw new ErrnoFailure(ERRNO.EINVAL);
        process.kill(pid, signal);
      });
    },
  };
}

function spawnProcess(argv: string[]): SpawnedProcess {
  const [file, ...rest] = argv;
  if (file === undefined) throw new ErrnoFailure(ERRNO.EINVAL); // execve(2) of nothing
  const child = spawnChild(file, rest, { stdio: 'ignore' });
  // The failure also arrives as an 'error' event; it is reported by the throw below, not by a crash.
  child.on('error', () => undefined);
  if (child.pid === undefined) throw new ErrnoFailure(execErrno(file));
  const exited = new Promise<ProcessExit>((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal }));
  });
  return { pid: child.pid, exited };
}
