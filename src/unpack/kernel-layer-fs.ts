import { ERRNO } from '../kernel/errno.js';
import { SyscallError } from '../kernel/errors.js';
import { S_IF } from '../kernel/flags.js';
import type { Kernel } from '../kernel/types.js';
import { lstatOrNull, type FileSink, type LayerFs } from './layer-fs.js';

/**
Everything through the Kernel: the writer for the simulated kernel, whose filesystem is its own.
Two things the Kernel interface has no call for are done differently, and the README says so:
- a hardlink becomes a copy (data, mode, owner, xattrs) of the file it links to;
- mtimes are not set (the interface keeps no times).
File data is gathered and written in one `write` per file, which is fine for a model kernel in memory.
*/
export function createKernelLayerFs(kernel: Kernel): LayerFs {
  // Kept for hardlink copies: readFile in the interface returns text, which would mangle binary data.
  const written = new Map<string, Buffer>();
  /** What open(O_CREAT|O_EXCL|O_NOFOLLOW) would say about a name that exists, symlink or not. */
  const refuseExisting = (path: string): void => {
    if (self.lstat(path) !== null) throw new SyscallError('open', { path, flags: 'O_WRONLY|O_CREAT|O_EXCL|O_NOFOLLOW' }, ERRNO.EEXIST);
  };
  const self: LayerFs = {
    kernel,
    writer: 'kernel',
    // Every create below sets its mode explicitly, so nothing is masked.
    umask: 0,
    mkdir(path, mode) {
      kernel.mkdir(path, mode);
      kernel.chmod(path, mode);
    },
    createFile(path, mode): FileSink {
      // The interface's write creates or truncates and follows symlinks: refuse an existing name first.
      refuseExisting(path);
      const chunks: Buffer[] = [];
      return {
        write: (chunk) => void chunks.push(Buffer.from(chunk)),
        close() {
          const data = Buffer.concat(chunks);
          kernel.writeFile(path, data);
          kernel.chmod(path, mode);
          written.set(path, data);
        },
      };
    },
    symlink: (target, path) => kernel.symlink(target, path),
    link(existing, path) {
      const stat = kernel.lstat(existing);
      if (stat.type === 'symlink') kernel.symlink(kernel.readlink(existing), path);
      else if (stat.type === 'file') {
        kernel.writeFile(path, written.get(existing) ?? Buffer.from(kernel.readFile(existing)));
        written.set(path, written.get(existing) ?? Buffer.alloc(0));
      } else kernel.mknod(path, stat.mode & (S_IF.S_IFMT | 0o777), stat.rdevMajor, stat.rdevMinor);
      kernel.lchown(path, stat.uid, stat.gid);
      if (stat.type !== 'symlink') kernel.chmod(path, stat.mode & 0o7777);
      for (const name of kernel.listxattr(existing)) kernel.setxattr(path, name, kernel.getxattr(existing, name));
    },
    mknod(path, mode, major, minor) {
      kernel.mknod(path, mode, major, minor);
      kernel.chmod(path, mode & 0o7777);
    },
    lchown: (path, uid, gid) => kernel.lchown(path, uid, gid),
    chmod: (path, mode) => kernel.chmod(path, mode),
    setxattr: (path, name, value) => kernel.setxattr(path, name, value),
    setTimes: () => undefined,
    lstat: (path) => lstatOrNull(kernel, path),
    unlink(path) {
      kernel.unlink(path);
      written.delete(path);
    },
    rename(from, to) {
      kernel.rename(from, to);
      const prefix = `${from}/`;
      for (const [path, data] of [...written]) {
        if (path.startsWith(prefix)) {
          written.delete(path);
          written.set(`${to}/${path.slice(prefix.length)}`, data);
        }
      }
    },
    removeTree(path) {
      const stat = self.lstat(path);
      if (stat === null) return;
      if (stat.type === 'dir') {
        for (const name of kernel.readdir(path)) self.removeTree(`${path}/${name}`);
        kernel.rmdir(path);
      } else self.unlink(path);
    },
    makeTempDir: (prefix) => kernel.mkdtemp(prefix),
    writeText(path, text) {
      refuseExisting(path);
      kernel.writeFile(path, text);
      kernel.chmod(path, 0o644);
    },
    readText(path) {
      return self.lstat(path) === null ? null : kernel.readFile(path);
    },
  };
  return self;
}
