/**
Flag values from <linux/mount.h>, <sys/mount.h> and <sys/stat.h>, and how to print them
as names (`MS_NODEV|MS_NOSUID`), so that a failed call reads like the code that made it.
*/
export const MS = {
  MS_RDONLY: 0x1,
  MS_NOSUID: 0x2,
  MS_NODEV: 0x4,
  MS_NOEXEC: 0x8,
  MS_SYNCHRONOUS: 0x10,
  MS_REMOUNT: 0x20,
  MS_MANDLOCK: 0x40,
  MS_DIRSYNC: 0x80,
  MS_NOSYMFOLLOW: 0x100,
  MS_NOATIME: 0x400,
  MS_NODIRATIME: 0x800,
  MS_BIND: 0x1000,
  MS_MOVE: 0x2000,
  MS_REC: 0x4000,
  MS_SILENT: 0x8000,
  MS_POSIXACL: 0x10000,
  MS_UNBINDABLE: 0x20000,
  MS_PRIVATE: 0x40000,
  MS_SLAVE: 0x80000,
  MS_SHARED: 0x100000,
  MS_RELATIME: 0x200000,
  MS_KERNMOUNT: 0x400000,
  MS_I_VERSION: 0x800000,
  MS_STRICTATIME: 0x1000000,
  MS_LAZYTIME: 0x2000000,
} as const;

export type MountFlagName = keyof typeof MS;

export const MNT = {
  MNT_FORCE: 0x1,
  MNT_DETACH: 0x2,
  MNT_EXPIRE: 0x4,
  UMOUNT_NOFOLLOW: 0x8,
} as const;

export type UmountFlagName = keyof typeof MNT;

/** File type bits of st_mode. */
export const S_IF = {
  S_IFMT: 0o170000,
  S_IFSOCK: 0o140000,
  S_IFLNK: 0o120000,
  S_IFREG: 0o100000,
  S_IFBLK: 0o060000,
  S_IFDIR: 0o040000,
  S_IFCHR: 0o020000,
  S_IFIFO: 0o010000,
} as const;

export const XATTR = {
  XATTR_CREATE: 0x1,
  XATTR_REPLACE: 0x2,
} as const;

function formatBits(value: number, table: Record<string, number>): string {
  if (value === 0) return '0';
  const names: string[] = [];
  let rest = value;
  for (const [name, bit] of Object.entries(table)) {
    if ((value & bit) === bit && bit !== 0) {
      names.push(name);
      rest &= ~bit;
    }
  }
  if (rest !== 0) names.push(`0x${rest.toString(16)}`);
  return names.join('|');
}

/** `MS_NODEV|MS_NOSUID` for 0x6; unknown bits are printed in hex. */
export function formatMountFlags(flags: number): string {
  return formatBits(flags, MS);
}

export function formatUmountFlags(flags: number): string {
  return formatBits(flags, MNT);
}

export function formatXattrFlags(flags: number): string {
  return formatBits(flags, XATTR);
}

/** Builds a flag word from names: `mountFlags('MS_BIND', 'MS_REC')`. */
export function mountFlags(...names: MountFlagName[]): number {
  return names.reduce((acc, name) => acc | MS[name], 0);
}

export function umountFlags(...names: UmountFlagName[]): number {
  return names.reduce((acc, name) => acc | MNT[name], 0);
}

/** `S_IFCHR|0644` style text for a mode. */
export function formatMode(mode: number): string {
  const type = mode & S_IF.S_IFMT;
  const typeName = Object.entries(S_IF).find(([name, bits]) => name !== 'S_IFMT' && bits === type)?.[0];
  const perm = (mode & 0o7777).toString(8).padStart(4, '0');
  return typeName === undefined ? perm : `${typeName}|${perm}`;
}

/** makedev(3) as glibc encodes it. */
export function makedev(major: number, minor: number): bigint {
  const ma = BigInt(major);
  const mi = BigInt(minor);
  return ((ma & 0xfffff000n) << 32n) | ((ma & 0xfffn) << 8n) | ((mi & 0xffffff00n) << 12n) | (mi & 0xffn);
}

export function majorOf(dev: bigint | number): number {
  const d = BigInt(dev);
  return Number(((d >> 32n) & 0xfffff000n) | ((d >> 8n) & 0xfffn));
}

export function minorOf(dev: bigint | number): number {
  const d = BigInt(dev);
  return Number(((d >> 12n) & 0xffffff00n) | (d & 0xffn));
}
