import { ERRNO } from '../errno.js';
import { ErrnoFailure } from '../trace.js';

/** Mount data (`size=1m,mode=0710`) as the filesystems of the model parse it. */

export function splitOptions(data: string | null | undefined): [string, string | undefined][] {
  if (data === null || data === undefined) return [];
  return data
    .split(',')
    .filter((part) => part !== '')
    .map((part) => {
      const at = part.indexOf('=');
      return at < 0 ? [part, undefined] : [part.slice(0, at), part.slice(at + 1)];
    });
}

/** memparse() with a suffix; tmpfs also takes a percentage of RAM for size=. */
function parseSize(value: string, ramBytes: number, percent: boolean): number {
  const match = /^(\d+)([kKmMgGtTpPeE%]?)$/.exec(value);
  if (match === null || (match[2] === '%' && !percent)) throw new ErrnoFailure(ERRNO.EINVAL);
  const n = Number(match[1]);
  if (match[2] === '%') return Math.floor((ramBytes * n) / 100);
  const shift = { '': 0, k: 10, m: 20, g: 30, t: 40, p: 50, e: 60 }[match[2]!.toLowerCase()] ?? 0;
  return n * 2 ** shift;
}

export interface TmpfsOptions {
  /** Bytes; undefined for the default (half of RAM), 0 for unlimited. */
  size?: number;
  nrInodes?: number;
  mode: number;
  uid: number;
  gid: number;
  /** What mountinfo shows, in shmem_show_options() order. */
  shown: string;
}

/** tmpfs(5): size=, nr_inodes=, mode=, uid=, gid=, huge=, inode64, inode32, noswap; anything else is EINVAL. */
export function parseTmpfsOptions(data: string | null | undefined, ramBytes: number): TmpfsOptions {
  const options: TmpfsOptions = { mode: 0o1777, uid: 0, gid: 0, shown: '' };
  const flags: string[] = [];
  for (const [key, value] of splitOptions(data)) {
    const need = (): string => {
      if (value === undefined || value === '') throw new ErrnoFailure(ERRNO.EINVAL);
      return value;
    };
    switch (key) {
      case 'size':
        options.size = parseSize(need(), ramBytes, true);
        break;
      case 'nr_inodes':
        options.nrInodes = parseSize(need(), ramBytes, false);
        break;
      case 'mode':
        if (!/^[0-7]+$/.test(need())) throw new ErrnoFailure(ERRNO.EINVAL);
        options.mode = parseInt(need(), 8) & 0o7777;
        break;
      case 'uid':
      case 'gid':
        if (!/^\d+$/.test(need())) throw new ErrnoFailure(ERRNO.EINVAL);
        options[key] = Number(need());
        break;
      case 'huge':
        if (!['never', 'always', 'within_size', 'advise'].includes(need())) throw new ErrnoFailure(ERRNO.EINVAL);
        break;
      case 'inode64':
      case 'inode32':
      case 'noswap':
        flags.push(key);
        break;
      default:
        throw new ErrnoFailure(ERRNO.EINVAL);
    }
  }
  const shown: string[] = [];
  if (options.size !== undefined) shown.push(`size=${Math.ceil(options.size / 4096) * 4}k`);
  if (options.nrInodes !== undefined) shown.push(`nr_inodes=${options.nrInodes}`);
  if (options.mode !== 0o1777) shown.push(`mode=${options.mode.toString(8).padStart(3, '0')}`);
  if (options.uid !== 0) shown.push(`uid=${options.uid}`);
  if (options.gid !== 0) shown.push(`gid=${options.gid}`);
  shown.push(...flags);
  options.shown = shown.join(',');
  return options;
}

/** proc(5) mount options: hidepid=, gid=, subset=pid. */
export function parseProcOptions(data: string | null | undefined): string {
  const shown: string[] = [];
  const hidepid: Record<string, string> = { '0': 'off', '1': 'noaccess', '2': 'invisible', '4': 'ptraceable', off: 'off', noaccess: 'noaccess', invisible: 'invisible', ptraceable: 'ptraceable' };
  for (const [key, value] of splitOptions(data)) {
    if (key === 'hidepid' && value !== undefined && value in hidepid) shown.push(`hidepid=${hidepid[value]}`);
    else if (key === 'gid' && value !== undefined && /^\d+$/.test(value)) shown.push(`gid=${value}`);
    else if (key === 'subset' && value === 'pid') shown.push('subset=pid');
    else throw new ErrnoFailure(ERRNO.EINVAL);
  }
  return shown.join(',');
}
