import { GlassboxError } from '../errors.js';
import { procPath, type KernelReader, type ProcRef } from './reader.js';

/** One line of /proc/<pid>/mountinfo (see proc(5)), with octal escapes decoded. */
export interface MountEntry {
  mountId: number;
  /** The parent mount; for the root of this namespace, a mount that is not in the table. */
  parentId: number;
  major: number;
  minor: number;
  /** The directory of the filesystem that is mounted here: `/` unless a bind of a subtree. */
  root: string;
  mountPoint: string;
  /** Per-mount options (`rw`, `nosuid`, `relatime`...): the flags of this one mount. */
  options: string[];
  optionalFields: MountPropagation;
  fsType: string;
  source: string;
  /** Per-superblock options, shared by every mount of the same filesystem. */
  superOptions: string[];
}

/** The optional fields: peer groups of mount propagation (shared-subtrees). */
export interface MountPropagation {
  /** `shared:N`: this mount propagates to and from peer group N. */
  shared: number | null;
  /** `master:N`: this mount is a slave of peer group N. */
  master: number | null;
  /** `propagate_from:N`: the nearest dominant peer group visible in this namespace. */
  propagateFrom: number | null;
  unbindable: boolean;
}

/**
Undoes the kernel's escaping of space, tab, newline and backslash (`\040`, `\011`,
`\012`, `\134`). Works on bytes so that any other octal escape decodes to UTF-8 too.
*/
export function decodeMountField(field: string): string {
  if (!field.includes('\\')) return field;
  const bytes: number[] = [];
  const raw = Buffer.from(field, 'utf8');
  for (let i = 0; i < raw.length; i++) {
    const octal = raw.subarray(i + 1, i + 4).toString('latin1');
    if (raw[i] === 0x5c && /^[0-7]{3}$/.test(octal)) {
      bytes.push(parseInt(octal, 8));
      i += 3;
    } else {
      bytes.push(raw[i]!);
    }
  }
  return Buffer.from(bytes).toString('utf8');
}

/** Splits an option list first and decodes each item after: an escaped comma stays inside its item. */
function splitOptions(field: string): string[] {
  return field === '' ? [] : field.split(',').map(decodeMountField);
}

function parsePropagation(fields: string[], line: string): MountPropagation {
  const result: MountPropagation = { shared: null, master: null, propagateFrom: null, unbindable: false };
  for (const field of fields) {
    const [tag, value] = field.split(':');
    if (tag === 'unbindable') result.unbindable = true;
    else if (tag === 'shared') result.shared = Number(value);
    else if (tag === 'master') result.master = Number(value);
    else if (tag === 'propagate_from') result.propagateFrom = Number(value);
    // proc(5): readers must ignore optional fields they do not know.
    else if (tag === undefined || tag === '') throw badLine(line);
  }
  return result;
}

function badLine(line: string): GlassboxError {
  return new GlassboxError('OBSERVE_BAD_MOUNTINFO', `cannot parse mountinfo line: ${JSON.stringify(line)}`, { kind: 'bug' });
}

export function parseMountInfoLine(line: string): MountEntry {
  const fields = line.split(' ');
  const separator = fields.indexOf('-', 6);
  if (fields.length < 10 || separator < 0 || fields.length < separator + 4) throw badLine(line);
  const [mountId, parentId, device, root, mountPoint, options] = fields as [string, string, string, string, string, string];
  const [major, minor] = device.split(':').map(Number);
  if (!/^\d+$/.test(mountId) || !/^\d+$/.test(parentId) || !Number.isInteger(major) || !Number.isInteger(minor)) {
    throw badLine(line);
  }
  return {
    mountId: Number(mountId),
    parentId: Number(parentId),
    major: major!,
    minor: minor!,
    root: decodeMountField(root),
    mountPoint: decodeMountField(mountPoint),
    options: splitOptions(options),
    optionalFields: parsePropagation(fields.slice(6, separator), line),
    fsType: decodeMountField(fields[separator + 1]!),
    source: decodeMountField(fields[separator + 2]!),
    // The super options are the last field; a source never holds a raw space, so no rejoin is needed.
    superOptions: splitOptions(fields.slice(separator + 3).join(' ')),
  };
}

export function parseMountInfo(text: string): MountEntry[] {
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map(parseMountInfoLine);
}

/** The mount table as the process `pid` sees it (its mount namespace, its root). */
export function readMountInfo(reader: KernelReader, pid: ProcRef = 'self'): MountEntry[] {
  return parseMountInfo(reader.readFile(procPath(pid, 'mountinfo')));
}

/** `size=4k` → `4k`; a flag (`ro`) → `''`; absent → `undefined`. The last one wins, as in the kernel. */
export function mountOption(options: string[], key: string): string | undefined {
  let found: string | undefined;
  for (const option of options) {
    const eq = option.indexOf('=');
    const name = eq < 0 ? option : option.slice(0, eq);
    if (name === key) found = eq < 0 ? '' : option.slice(eq + 1);
  }
  return found;
}

/** `shared`, `slave`, `shared,slave`, `private` or `unbindable`, as findmnt -o PROPAGATION prints it. */
export function describePropagation(fields: MountPropagation): string {
  const kinds: string[] = [];
  if (fields.shared !== null) kinds.push('shared');
  if (fields.master !== null) kinds.push('slave');
  if (fields.unbindable) kinds.push('unbindable');
  return kinds.length === 0 ? 'private' : kinds.join(',');
}
