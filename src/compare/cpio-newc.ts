/**
A writer for the "newc" cpio format, the one the kernel unpacks as an initramfs
(Documentation/driver-api/early-userspace/buffer-format.rst). Writing the archive
ourselves lets it hold device nodes (/dev/console) without mknod on the host, and
keeps every field fixed (owner root, one mtime) so the same inputs give the same bytes.

Each entry: a 110-byte ASCII header (magic `070701` and 13 fields of 8 hex digits),
the name with its NUL, padding to 4 bytes, the data, padding to 4 bytes. The archive
ends with an entry named `TRAILER!!!`.
*/
export type CpioEntry =
  | { type: 'dir'; name: string; mode: number }
  | { type: 'file'; name: string; mode: number; data: Uint8Array }
  | { type: 'symlink'; name: string; target: string }
  | { type: 'char'; name: string; mode: number; major: number; minor: number };

const S_IFDIR = 0o040000;
const S_IFREG = 0o100000;
const S_IFLNK = 0o120000;
const S_IFCHR = 0o020000;

/** 2024-01-01T00:00:00Z, as the demo image uses: reproducible archives. */
export const CPIO_MTIME = 1704067200;

const TRAILER = 'TRAILER!!!';

function hex8(value: number): string {
  if (!Number.isInteger(value) || value < 0 || value > 0xffffffff) throw new RangeError(`cpio field out of range: ${value}`);
  return value.toString(16).padStart(8, '0');
}

function pad4(length: number): number {
  return (4 - (length % 4)) % 4;
}

function modeOf(entry: CpioEntry): number {
  switch (entry.type) {
    case 'dir':
      return S_IFDIR | (entry.mode & 0o7777);
    case 'file':
      return S_IFREG | (entry.mode & 0o7777);
    case 'symlink':
      return S_IFLNK | 0o777;
    case 'char':
      return S_IFCHR | (entry.mode & 0o7777);
  }
}

function bodyOf(entry: CpioEntry): Uint8Array {
  if (entry.type === 'file') return entry.data;
  // A symlink's target is its data, without a NUL.
  if (entry.type === 'symlink') return Buffer.from(entry.target, 'utf8');
  return new Uint8Array(0);
}

function header(fields: { ino: number; mode: number; nlink: number; size: number; rdevMajor: number; rdevMinor: number; nameSize: number }): string {
  return [
    '070701',
    hex8(fields.ino),
    hex8(fields.mode),
    hex8(0), // uid: root
    hex8(0), // gid: root
    hex8(fields.nlink),
    hex8(CPIO_MTIME),
    hex8(fields.size),
    hex8(0), // devmajor: the kernel ignores the archive's own device
    hex8(0), // devminor
    hex8(fields.rdevMajor),
    hex8(fields.rdevMinor),
    hex8(fields.nameSize),
    hex8(0), // check: only the "070702" format has a checksum
  ].join('');
}

/** Names are relative (`bin/busybox`): the kernel unpacks them below its rootfs. */
function checkName(name: string): string {
  const clean = name.replace(/^\/+/, '');
  if (clean === '' || clean.split('/').some((part) => part === '' || part === '.' || part === '..')) {
    throw new RangeError(`invalid cpio entry name ${JSON.stringify(name)}`);
  }
  return clean;
}

/** The whole archive in memory: an initramfs for a probe is a few megabytes. */
export function writeNewc(entries: readonly CpioEntry[]): Buffer {
  const parts: Uint8Array[] = [];
  const push = (name: string, fields: Omit<Parameters<typeof header>[0], 'nameSize' | 'size'>, body: Uint8Array): void => {
    const nameBytes = Buffer.from(`${name}\0`, 'utf8');
    const head = Buffer.from(header({ ...fields, size: body.length, nameSize: nameBytes.length }), 'ascii');
    parts.push(head, nameBytes, new Uint8Array(pad4(head.length + nameBytes.length)), body, new Uint8Array(pad4(body.length)));
  };
  entries.forEach((entry, index) => {
    push(
      checkName(entry.name),
      {
        ino: index + 1,
        mode: modeOf(entry),
        nlink: entry.type === 'dir' ? 2 : 1,
        rdevMajor: entry.type === 'char' ? entry.major : 0,
        rdevMinor: entry.type === 'char' ? entry.minor : 0,
      },
      bodyOf(entry),
    );
  });
  push(TRAILER, { ino: 0, mode: 0, nlink: 1, rdevMajor: 0, rdevMinor: 0 }, new Uint8Array(0));
  return Buffer.concat(parts);
}
