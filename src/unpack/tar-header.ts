import { refuse } from './refusal.js';

/**
One 512-byte tar header, decoded strictly: ustar (POSIX), GNU and v7 layouts, octal or base-256
numbers, both checksum conventions. Names stay bytes until the PAX and GNU overrides are known.
Layout (POSIX.1-2017 pax, "ustar Interchange Format"): name 0–100, mode 100, uid 108, gid 116,
size 124, mtime 136, chksum 148, typeflag 156, linkname 157–257, magic 257, version 263,
uname 265, gname 297, devmajor 329, devminor 337, prefix 345–500.
*/
export const BLOCK = 512;

const USTAR = Buffer.from('ustar\0', 'latin1');
const GNU = Buffer.from('ustar  \0', 'latin1');

export interface RawHeader {
  typeflag: string;
  name: Buffer;
  linkname: Buffer;
  mode: number;
  uid: number;
  gid: number;
  size: number;
  mtime: number;
  devMajor: number;
  devMinor: number;
  format: 'ustar' | 'gnu' | 'v7';
}

export function isZeroBlock(block: Uint8Array): boolean {
  for (let i = 0; i < BLOCK; i++) if (block[i] !== 0) return false;
  return true;
}

function field(block: Buffer, start: number, length: number): Buffer {
  const end = block.indexOf(0, start);
  return block.subarray(start, end === -1 || end > start + length ? start + length : end);
}

function invalid(offset: number, reason: string): Error {
  return refuse('UNPACK_TAR_INVALID', `invalid tar header at byte ${offset}: ${reason}`);
}

/**
A numeric field: octal digits padded with spaces or NULs, or base-256 (GNU, Go, star) when the
high bit of the first byte is set. Negative base-256 numbers are refused: no field here may be negative.
*/
export function parseNumber(block: Buffer, start: number, length: number, name: string, offset: number): number {
  const end = start + length;
  if ((block[start]! & 0x80) !== 0) {
    if ((block[start]! & 0x40) !== 0) throw invalid(offset, `negative ${name}`);
    let value = block[start]! & 0x3f;
    for (let i = start + 1; i < end; i++) {
      value = value * 256 + block[i]!;
      if (value > Number.MAX_SAFE_INTEGER) throw invalid(offset, `${name} is too large`);
    }
    return value;
  }
  // Octal digits, with spaces or NULs before and after (a byte loop: this runs ~8 times per entry).
  let i = start;
  while (i < end && (block[i] === 0x20 || block[i] === 0)) i++;
  let value = 0;
  for (; i < end; i++) {
    const byte = block[i]!;
    if (byte < 0x30 || byte > 0x37) break;
    value = value * 8 + (byte - 0x30);
  }
  for (; i < end; i++) {
    if (block[i] !== 0x20 && block[i] !== 0) {
      throw invalid(offset, `${name} is not an octal number (${JSON.stringify(block.subarray(start, end).toString('latin1'))})`);
    }
  }
  if (!Number.isSafeInteger(value)) throw invalid(offset, `${name} is too large`);
  return value;
}

/** The checksum is the byte sum with its own field read as spaces; old tars summed signed bytes. */
function checksumMatches(block: Buffer, offset: number): boolean {
  const stored = parseNumber(block, 148, 8, 'checksum', offset);
  let unsigned = 8 * 0x20;
  for (let i = 0; i < 148; i++) unsigned += block[i]!;
  for (let i = 156; i < BLOCK; i++) unsigned += block[i]!;
  if (stored === unsigned) return true;
  let signed = unsigned;
  for (let i = 0; i < BLOCK; i++) if ((i < 148 || i >= 156) && block[i]! > 127) signed -= 256;
  return stored === signed;
}

export function decodeHeader(block: Buffer, offset: number): RawHeader {
  if (!checksumMatches(block, offset)) throw invalid(offset, 'checksum mismatch (not a tar archive, or corrupt)');
  const format = USTAR.compare(block, 257, 263) === 0 ? 'ustar' : GNU.compare(block, 257, 265) === 0 ? 'gnu' : 'v7';
  let name = field(block, 0, 100);
  // Only POSIX ustar has a prefix; GNU keeps atime and ctime in those bytes.
  if (format === 'ustar' && block[345] !== 0) name = Buffer.concat([field(block, 345, 155), Buffer.from('/'), name]);
  const typeflag = block[156] === 0 ? '0' : String.fromCharCode(block[156]!);
  return {
    typeflag,
    name,
    linkname: field(block, 157, 100),
    mode: parseNumber(block, 100, 8, 'mode', offset),
    uid: parseNumber(block, 108, 8, 'uid', offset),
    gid: parseNumber(block, 116, 8, 'gid', offset),
    size: parseNumber(block, 124, 12, 'size', offset),
    mtime: parseNumber(block, 136, 12, 'mtime', offset),
    devMajor: format === 'v7' ? 0 : parseNumber(block, 329, 8, 'devmajor', offset),
    devMinor: format === 'v7' ? 0 : parseNumber(block, 337, 8, 'devminor', offset),
    format,
  };
}

/**
PAX extended header records, `"%d %s=%s\n"` each, values kept as bytes: `SCHILY.xattr.*` values are
binary (security.capability), and decoding them as UTF-8 would corrupt them. A later record for the
same key wins (POSIX).
*/
export function parsePaxRecords(data: Buffer, offset: number): Map<string, Buffer> {
  const records = new Map<string, Buffer>();
  let pos = 0;
  while (pos < data.length) {
    // GNU tar pads the last block with NULs after the records.
    if (data[pos] === 0) break;
    const space = data.indexOf(0x20, pos);
    const lengthText = space === -1 ? '' : data.subarray(pos, space).toString('latin1');
    if (!/^[0-9]{1,12}$/.test(lengthText)) throw invalid(offset, 'malformed pax record length');
    const length = Number(lengthText);
    const end = pos + length;
    if (length <= lengthText.length + 1 || end > data.length || data[end - 1] !== 0x0a) {
      throw invalid(offset, 'malformed pax record');
    }
    const record = data.subarray(space + 1, end - 1);
    const equals = record.indexOf(0x3d);
    if (equals <= 0) throw invalid(offset, 'pax record without a key');
    records.set(record.subarray(0, equals).toString('utf8'), Buffer.from(record.subarray(equals + 1)));
    pos = end;
  }
  return records;
}

/** Decimal seconds with an optional fraction (`1700000000.123456789`), as PAX writes mtime. */
export function parsePaxTime(text: string, offset: number): { sec: number; nsec: number } {
  const match = /^(-?[0-9]{1,15})(?:\.([0-9]{1,32}))?$/.exec(text);
  if (match === null) throw invalid(offset, `pax mtime ${JSON.stringify(text)} is not a number`);
  const fraction = (match[2] ?? '').slice(0, 9).padEnd(9, '0');
  return { sec: Number(match[1]), nsec: Number(fraction) };
}

export function parsePaxInteger(text: string, key: string, offset: number): number {
  if (!/^[0-9]{1,16}$/.test(text) || !Number.isSafeInteger(Number(text))) throw invalid(offset, `pax ${key} ${JSON.stringify(text)} is not a number`);
  return Number(text);
}
