import fs from 'node:fs';
import { GlassboxError } from '../errors.js';
import type { IdMapEntry, UserNamespaceSpec } from './spec.js';

/**
The id maps of a container's user namespace, written by Node into /proc/<pid>/uid_map and
gid_map while gbx-run holds the child (a process cannot write a map for its own namespace
from inside it in a useful way, and Node cannot unshare a user namespace at all: it is
multi-threaded). Each file takes one write(2), once.
*/
const MAX_LINES = 340; // the kernel's limit since 4.15

export function formatIdMap(entries: readonly IdMapEntry[]): string {
  return entries.map((e) => `${e.inside} ${e.outside} ${e.count}\n`).join('');
}

/** The kernel would refuse these with a bare EINVAL; said here with the reason. */
export function checkIdMap(kind: 'uid' | 'gid', entries: readonly IdMapEntry[]): void {
  const fail = (why: string): never => {
    throw new GlassboxError('RUN_BAD_ID_MAP', `invalid ${kind} map ${JSON.stringify(formatIdMap(entries).trim())}: ${why}`, { kind: 'user' });
  };
  if (entries.length === 0) fail('no entries');
  if (entries.length > MAX_LINES) fail(`more than ${MAX_LINES} lines`);
  const limit = 2 ** 32 - 1;
  for (const e of entries) {
    if (![e.inside, e.outside, e.count].every(Number.isSafeInteger) || e.count < 1 || e.inside < 0 || e.outside < 0) {
      fail('ids must be whole numbers, count at least 1');
    }
    if (e.inside + e.count > limit || e.outside + e.count > limit) fail('a range goes past 4294967295');
  }
  const overlaps = (key: 'inside' | 'outside'): boolean => {
    const sorted = [...entries].sort((a, b) => a[key] - b[key]);
    return sorted.some((e, i) => i > 0 && sorted[i - 1]![key] + sorted[i - 1]!.count > e[key]);
  };
  if (overlaps('inside') || overlaps('outside')) fail('ranges overlap');
}

export interface WriteIdMapsOptions {
  /** Write "deny" to setgroups first: needed when the writer lacks CAP_SETGID over the parent namespace (rootless). */
  denySetgroups?: boolean;
  /** Where /proc is (tests). */
  proc?: string;
}

/** uid_map, then setgroups (if denied: it must come before gid_map), then gid_map. */
export function writeIdMaps(pid: number, userns: UserNamespaceSpec, options: WriteIdMapsOptions = {}): void {
  checkIdMap('uid', userns.uidMap);
  checkIdMap('gid', userns.gidMap);
  const dir = `${options.proc ?? '/proc'}/${pid}`;
  const write = (file: string, text: string): void => {
    try {
      fs.writeFileSync(`${dir}/${file}`, text);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? 'EIO';
      throw new GlassboxError('RUN_ID_MAP_FAILED', `failed to write ${dir}/${file} (${JSON.stringify(text.trim())}): ${code}`, {
        kind: 'environment',
        hint: 'the outside ids must be ours to give: as root any; otherwise only those in /etc/subuid and /etc/subgid, through newuidmap',
      });
    }
  };
  write('uid_map', formatIdMap(userns.uidMap));
  if (options.denySetgroups === true) write('setgroups', 'deny');
  write('gid_map', formatIdMap(userns.gidMap));
}
