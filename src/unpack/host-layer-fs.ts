import fs from 'node:fs';
import { errnoFromNodeError } from '../kernel/errno.js';
import { SyscallError, type CallArgs } from '../kernel/errors.js';
import { formatMode } from '../kernel/flags.js';
import type { Kernel } from '../kernel/types.js';
import { lstatOrNull, type LayerFs } from './layer-fs.js';
import type { TarTime } from './tar-reader.js';

const { O_WRONLY, O_CREAT, O_EXCL, O_NOFOLLOW } = fs.constants;
// O_EXCL makes O_NOFOLLOW redundant for the last component (an existing symlink is EEXIST);
// both are set so that the intent reads in the code and in strace. libuv adds O_CLOEXEC itself.
const CREATE_FLAGS = O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW;

/**
A node:fs failure as a SyscallError naming the call (not published: these are bulk calls). The
arguments are built only for the error: formatting them for every file costs more than the call.
*/
function host<T>(call: string, args: () => CallArgs, run: () => T): T {
  try {
    return run();
  } catch (error) {
    const errno = errnoFromNodeError(error);
    if (errno === undefined) throw error;
    throw new SyscallError(call, args(), errno, { cause: error });
  }
}

function seconds(mtime: TarTime): number {
  // A double keeps about a microsecond at today's dates; node:fs has no integer-nanosecond utimensat.
  return mtime.sec + mtime.nsec / 1e9;
}

function timeArg(mtime: TarTime): string {
  return `${mtime.sec}.${String(mtime.nsec).padStart(9, '0')}`;
}

/** The umask of this process, read without changing it (process.umask() without an argument is deprecated). */
function readUmask(): number {
  try {
    const match = /^Umask:\s*([0-7]+)$/m.exec(fs.readFileSync('/proc/self/status', 'utf8'));
    if (match !== null) return parseInt(match[1]!, 8);
  } catch {
    // not Linux: fall through
  }
  const current = process.umask(0o022);
  process.umask(current);
  return current;
}

/** node:fs for bulk data, the real Kernel for devices, ownership, modes and xattrs (see layer-fs.ts). */
export function createHostLayerFs(kernel: Kernel): LayerFs {
  return {
    kernel,
    writer: 'host',
    umask: readUmask(),
    mkdir(path, mode) {
      host('mkdir', () => ({ path, mode: formatMode(mode) }), () => fs.mkdirSync(path, { mode }));
    },
    createFile(path, mode) {
      const fd = host('open', () => ({ path, flags: 'O_WRONLY|O_CREAT|O_EXCL|O_NOFOLLOW', mode: formatMode(mode) }), () => fs.openSync(path, CREATE_FLAGS, mode));
      let open = true;
      return {
        write(chunk) {
          let done = 0;
          while (done < chunk.length) {
            done += host('write', () => ({ path, size: chunk.length - done }), () => fs.writeSync(fd, chunk, done, chunk.length - done));
          }
        },
        close(mtime) {
          if (!open) return;
          open = false;
          try {
            // futimes on the open file: no second path lookup.
            if (mtime !== undefined) host('futimes', () => ({ path, mtime: timeArg(mtime) }), () => fs.futimesSync(fd, seconds(mtime), seconds(mtime)));
          } finally {
            host('close', () => ({ path }), () => fs.closeSync(fd));
          }
        },
      };
    },
    symlink(target, path) {
      host('symlink', () => ({ target, path }), () => fs.symlinkSync(target, path));
    },
    link(existing, path) {
      // link(2) does not follow a symlink at `existing`: a hardlink to a symlink links the symlink.
      host('link', () => ({ existing, path }), () => fs.linkSync(existing, path));
    },
    mknod: (path, mode, major, minor) => kernel.mknod(path, mode, major, minor),
    lchown: (path, uid, gid) => kernel.lchown(path, uid, gid),
    chmod: (path, mode) => kernel.chmod(path, mode),
    setxattr: (path, name, value) => kernel.setxattr(path, name, value),
    setTimes(path, mtime) {
      host('lutimes', () => ({ path, mtime: timeArg(mtime) }), () => fs.lutimesSync(path, seconds(mtime), seconds(mtime)));
    },
    lstat: (path) => lstatOrNull(kernel, path),
    unlink(path) {
      host('unlink', () => ({ path }), () => fs.unlinkSync(path));
    },
    rename: (from, to) => kernel.rename(from, to),
    removeTree(path) {
      host('rm', () => ({ path, flags: 'recursive' }), () => fs.rmSync(path, { recursive: true, force: true }));
    },
    makeTempDir: (prefix) => kernel.mkdtemp(prefix),
    writeText(path, text) {
      host('write', () => ({ path }), () => fs.writeFileSync(path, text, { mode: 0o644, flag: 'wx' }));
    },
    readText(path) {
      try {
        return fs.readFileSync(path, 'utf8');
      } catch (error) {
        if ((error as { code?: string }).code === 'ENOENT') return null;
        throw error;
      }
    },
  };
}

