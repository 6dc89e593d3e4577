import { parseCapabilityName } from './capabilities.js';
import { isGone, type KernelReader } from './reader.js';
import type { ProcessStatus } from './status.js';

export interface WritableResult {
  writable: boolean;
  /** Why not, in words for `glassbox doctor`; null when writable. */
  reason: string | null;
}

const DAC_OVERRIDE = BigInt(parseCapabilityName('CAP_DAC_OVERRIDE'));

/**
Could this process create a child directory in `dir`? Answered without creating one:
the mount must not be read-only (EROFS, as in a container whose /sys/fs/cgroup is
mounted ro), and the directory must grant write and search to our filesystem ids, the
test mkdir(2) makes, unless CAP_DAC_OVERRIDE bypasses it. Only what the reader sees is
checked: an LSM or a cgroup v2 delegation boundary can still refuse.
*/
export function checkDirWritable(
  reader: KernelReader,
  dir: string,
  mountOptions: string[],
  self: Pick<ProcessStatus, 'uid' | 'gid' | 'groups' | 'capabilities'>,
): WritableResult {
  if (mountOptions.includes('ro')) return { writable: false, reason: 'mounted read-only' };
  let stat;
  try {
    stat = reader.lstat(dir);
  } catch (error) {
    if (isGone(error)) return { writable: false, reason: `${dir} does not exist` };
    throw error;
  }
  if (stat.type !== 'dir') return { writable: false, reason: `${dir} is not a directory` };
  if ((self.capabilities.effective >> DAC_OVERRIDE) & 1n) return { writable: true, reason: null };
  const uid = self.uid.filesystem;
  const gid = self.gid.filesystem;
  // Only one class applies: the owner bits for the owner, even if the group bits are wider.
  const shift = stat.uid === uid ? 6 : stat.gid === gid || self.groups.includes(stat.gid) ? 3 : 0;
  const bits = (stat.mode >> shift) & 0o3;
  if (bits === 0o3) return { writable: true, reason: null };
  const mode = (stat.mode & 0o7777).toString(8).padStart(4, '0');
  return {
    writable: false,
    reason: `${dir} is owned by ${stat.uid}:${stat.gid} with mode ${mode}; we are ${uid}:${gid} without CAP_DAC_OVERRIDE`,
  };
}
