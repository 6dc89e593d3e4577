/**
A small reader of /proc/self/mountinfo for tests (proc(5)): enough to say what is mounted where.
Mount points are octal-escaped by the kernel (`\040` for a space).
*/
export interface MountinfoEntry {
  id: number;
  parentId: number;
  root: string;
  mountPoint: string;
  /** Per-mount options (`rw,nosuid,nodev,relatime`), split. */
  mountOptions: string[];
  fstype: string;
  source: string;
  /** Per-superblock options (`rw,size=1024k,mode=710`), split. */
  superOptions: string[];
}

function unescapeOctal(field: string): string {
  return field.replace(/\\([0-7]{3})/g, (_match, octal: string) => String.fromCharCode(parseInt(octal, 8)));
}

export function parseMountinfo(text: string): MountinfoEntry[] {
  const entries: MountinfoEntry[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    const [left, right] = line.split(' - ');
    const fields = (left ?? '').split(' ');
    const tail = (right ?? '').split(' ');
    entries.push({
      id: Number(fields[0]),
      parentId: Number(fields[1]),
      root: unescapeOctal(fields[3] ?? ''),
      mountPoint: unescapeOctal(fields[4] ?? ''),
      mountOptions: (fields[5] ?? '').split(','),
      fstype: tail[0] ?? '',
      source: unescapeOctal(tail[1] ?? ''),
      superOptions: (tail[2] ?? '').split(','),
    });
  }
  return entries;
}

/** Mounts at or below `dir`, deepest last in mount order (so reverse order unmounts children first). */
export function mountsUnder(entries: MountinfoEntry[], dir: string): MountinfoEntry[] {
  const prefix = dir.endsWith('/') ? dir : `${dir}/`;
  return entries.filter((entry) => entry.mountPoint === dir || entry.mountPoint.startsWith(prefix));
}
