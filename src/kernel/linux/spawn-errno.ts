import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { ERRNO } from '../errno.js';


/**
Why execve(2) of `file` would fail, found without running it. child_process.spawn reports a failed
exec only through an 'error' event on the next tick, but Kernel.spawn is synchronous and must throw
the errno at once; when spawn gave no pid, this names the reason.
*/
export function execErrno(file: string, pathEnv = process.env.PATH ?? ''): number {
  const candidates = file.includes('/') ? [file] : pathEnv.split(delimiter).filter((d) => d !== '').map((d) => join(d, file));
  let sawDenied = false;
  for (const candidate of candidates) {
    try {
      if (!statSync(candidate).isFile()) {
        sawDenied = true;
        continue;
      }
      accessSync(candidate, constants.X_OK);
      // Present and executable, yet the exec failed: a bad interpreter or format.
      return ERRNO.ENOEXEC;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EACCES') sawDenied = true;
    }
  }
  return sawDenied ? ERRNO.EACCES : ERRNO.ENOENT;
}
