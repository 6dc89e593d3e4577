import { ERRNO } from '../errno.js';
import { ErrnoFailure } from '../trace.js';
import type { FileStat } from '../types.js';
import type { Caller } from './fs-types.js';

/** Capability numbers from <linux/capability.h> that the model checks. */
export const CAP = {
  CAP_CHOWN: 0,
  CAP_DAC_OVERRIDE: 1,
  CAP_DAC_READ_SEARCH: 2,
  CAP_FOWNER: 3,
  CAP_KILL: 5,
  CAP_SYS_PTRACE: 19,
  CAP_SYS_ADMIN: 21,
  CAP_MKNOD: 27,
} as const;

/** /proc/sys/kernel/cap_last_cap on 6.x kernels: 40 (CAP_CHECKPOINT_RESTORE). */
export const CAP_LAST_CAP = 40;
export const ALL_CAPS = (1n << BigInt(CAP_LAST_CAP + 1)) - 1n;

export function hasCap(caller: Caller, cap: number): boolean {
  return (caller.caps & (1n << BigInt(cap))) !== 0n;
}

export const MAY_EXEC = 1;
export const MAY_WRITE = 2;
export const MAY_READ = 4;

/**
generic_permission() for a plain uid/gid caller (no supplementary groups, no ACLs): the owner class,
then the group class, then others; CAP_DAC_OVERRIDE passes everything but executing a file with no x
bit, CAP_DAC_READ_SEARCH passes reading and searching directories.
*/
export function mayAccess(stat: FileStat, caller: Caller, mask: number): boolean {
  const perm = stat.mode & 0o777;
  const bits = caller.uid === stat.uid ? perm >> 6 : caller.gid === stat.gid ? perm >> 3 : perm;
  if ((bits & mask) === mask) return true;
  const dir = stat.type === 'dir';
  if (hasCap(caller, CAP.CAP_DAC_OVERRIDE)) {
    // path_resolution(7): root may execute a file only if some execute bit is set.
    if (!dir && (mask & MAY_EXEC) !== 0 && (stat.mode & 0o111) === 0) return false;
    return true;
  }
  if (hasCap(caller, CAP.CAP_DAC_READ_SEARCH)) {
    if (mask === MAY_READ) return true;
    if (dir && (mask & MAY_WRITE) === 0) return true;
  }
  return false;
}

/** path_resolution(7): EACCES when the caller lacks the permission. */
export function requireAccess(stat: FileStat, caller: Caller, mask: number): void {
  if (!mayAccess(stat, caller, mask)) throw new ErrnoFailure(ERRNO.EACCES);
}

/** inode_owner_or_capable(): the owner, or CAP_FOWNER. */
export function ownerOrCapable(stat: FileStat, caller: Caller): boolean {
  return caller.uid === stat.uid || hasCap(caller, CAP.CAP_FOWNER);
}

/**
unlink(2), rename(2): EPERM in a sticky directory (like /tmp) unless the caller owns the entry or the
directory, or has CAP_FOWNER.
*/
export function requireStickyOwner(dir: FileStat, entry: FileStat, caller: Caller): void {
  if ((dir.mode & 0o1000) === 0) return;
  if (caller.uid === entry.uid || caller.uid === dir.uid || hasCap(caller, CAP.CAP_FOWNER)) return;
  throw new ErrnoFailure(ERRNO.EPERM);
}
