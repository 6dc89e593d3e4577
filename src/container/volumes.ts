import fs from 'node:fs';
import path from 'node:path';
import { GlassboxError } from '../errors.js';
import type { EtcFiles, MountSpec } from './spec.js';

/**
`-v host:ctr[:opts]` and `--tmpfs /ctr[:opts]` as mounts, with Docker's rules: a bind
source is an absolute host path that exists (named and anonymous volumes need a volume
store, which glassbox does not have yet), a destination is absolute and not `/`, one
mount per destination. gbx-run mounts them parents first (`orderMounts`).
*/
function bad(flag: string, value: string, why: string, hint?: string): GlassboxError {
  return new GlassboxError('RUN_BAD_FLAG', `invalid ${flag} ${JSON.stringify(value)}: ${why}`, {
    kind: 'user',
    ...(hint === undefined ? {} : { hint }),
  });
}

function destination(flag: string, value: string, dest: string): string {
  if (!dest.startsWith('/')) throw bad(flag, value, `the container path ${dest} must be absolute`);
  const clean = path.posix.normalize(dest).replace(/\/+$/, '');
  if (clean === '' || clean === '/') throw bad(flag, value, 'the container path cannot be /');
  // As runc: /proc is the container's procfs, with masked and read-only paths a mount could undo.
  if (clean === '/proc' || clean.startsWith('/proc/')) throw bad(flag, value, 'mounts on /proc are not allowed');
  return clean;
}

/** `-v /host:/ctr`, `-v /host:/ctr:ro`. */
export function parseVolume(value: string): MountSpec {
  const parts = value.split(':');
  if (parts.length === 1) {
    throw bad('-v', value, 'anonymous volumes are not supported yet', 'give a host directory: -v /host/dir:/container/dir');
  }
  if (parts.length > 3) throw bad('-v', value, 'expected /host/path:/container/path[:ro]');
  const [source = '', dest = '', mode = ''] = parts;
  if (!source.startsWith('/')) {
    throw bad('-v', value, `named volumes (${source}) are not supported yet`, 'give an absolute host path: -v /host/dir:/container/dir');
  }
  if (!fs.existsSync(source)) throw bad('-v', value, `bind source path does not exist: ${source}`);
  let readOnly = false;
  for (const option of mode === '' ? [] : mode.split(',')) {
    if (option === 'ro' || option === 'rw') readOnly = option === 'ro';
    // Every mount of the container is private already: rprivate is what Docker defaults to.
    else if (option !== 'rprivate' && option !== 'private') {
      throw bad('-v', value, `option ${option} is not supported (ro, rw, rprivate)`);
    }
  }
  return { type: 'bind', source, destination: destination('-v', value, dest), options: ['rbind', readOnly ? 'ro' : 'rw'] };
}

const TMPFS_FLAGS = new Set(['ro', 'rw', 'exec', 'noexec', 'suid', 'nosuid', 'dev', 'nodev']);

/** `--tmpfs /run`, `--tmpfs /run:size=64m,mode=1777,exec`: noexec, nosuid, nodev unless asked otherwise, as Docker. */
export function parseTmpfs(value: string): MountSpec {
  const colon = value.indexOf(':');
  const dest = colon === -1 ? value : value.slice(0, colon);
  const given = colon === -1 ? [] : value.slice(colon + 1).split(',').filter(Boolean);
  for (const option of given) {
    const [key = '', arg] = option.split('=', 2);
    if (arg === undefined ? TMPFS_FLAGS.has(key) : checkTmpfsValue(key, arg)) continue;
    throw bad('--tmpfs', value, `option ${option} is not supported (size=, mode=, nr_inodes=, uid=, gid=, ro, exec, suid, dev)`);
  }
  return { type: 'tmpfs', source: 'tmpfs', destination: destination('--tmpfs', value, dest), options: ['noexec', 'nosuid', 'nodev', ...given] };
}

function checkTmpfsValue(key: string, arg: string): boolean {
  if (key === 'size') return /^\d+[kmg%]?$/i.test(arg);
  if (key === 'mode') return /^[0-7]{3,4}$/.test(arg);
  return (key === 'nr_inodes' || key === 'uid' || key === 'gid') && /^\d+$/.test(arg);
}

/** Docker refuses two mounts on one path ("duplicate mount point"). */
export function checkDuplicateMounts(mounts: readonly MountSpec[]): void {
  const seen = new Set<string>();
  for (const mount of mounts) {
    if (seen.has(mount.destination)) {
      throw new GlassboxError('RUN_BAD_FLAG', `duplicate mount point: ${mount.destination}`, { kind: 'user' });
    }
    seen.add(mount.destination);
  }
}

const ETC_DESTINATIONS: readonly [keyof EtcFiles, string][] = [
  ['hostname', '/etc/hostname'],
  ['hosts', '/etc/hosts'],
  ['resolv', '/etc/resolv.conf'],
];

/**
Every mount gbx-run makes, in order: parents before children, so that `/a/b` is not
hidden by a later mount on `/a` (a `-v /x:/etc` comes before /etc/hosts). A user's
mount on /etc/hosts (or the other two) replaces the generated file.
*/
export function orderMounts(mounts: readonly MountSpec[], etcFiles: EtcFiles = {}): MountSpec[] {
  const taken = new Set(mounts.map((mount) => mount.destination));
  const etc: MountSpec[] = ETC_DESTINATIONS.flatMap(([key, dest]) => {
    const source = etcFiles[key];
    return source === undefined || taken.has(dest) ? [] : [{ type: 'bind' as const, source, destination: dest, options: ['bind', 'rw'] }];
  });
  const depth = (mount: MountSpec): number => mount.destination.split('/').length;
  return [...etc, ...mounts].sort((a, b) => depth(a) - depth(b));
}
