import { createHash } from 'node:crypto';
import zlib from 'node:zlib';

/**
A deterministic tar layer builder for tests: the same specs always give the same bytes, so digests
and diff_ids can be computed here and compared with what unpack reports. It writes what real
producers write (ustar headers, PAX records for long names, sub-second mtimes and SCHILY.xattr.*,
GNU long names on request) and, on purpose, what hostile layers contain: raw typeflags, lying sizes,
headers after the end-of-archive marker, trailing garbage.
*/
export type SpecType = 'file' | 'dir' | 'symlink' | 'hardlink' | 'char' | 'block' | 'fifo';

export interface EntrySpec {
  name: string;
  type?: SpecType;
  data?: string | Uint8Array;
  mode?: number;
  uid?: number;
  gid?: number;
  /** Seconds; a fraction is written as a PAX mtime record. */
  mtime?: number;
  /** Exact PAX mtime text, for nanosecond tests (`1700000000.123456789`). */
  paxMtime?: string;
  linkname?: string;
  devMajor?: number;
  devMinor?: number;
  xattrs?: Record<string, string | Uint8Array>;
  /** How a name or link target over 100 bytes is written (default pax). */
  longNames?: 'pax' | 'gnu';
  /** Extra PAX records, raw. */
  pax?: Record<string, string | Uint8Array>;
  /** Overrides the typeflag byte (`'S'` for a sparse file). */
  typeflag?: string;
  /** Declares this size in the header but writes `data` as it is (a lying header). */
  declaredSize?: number;
}

export interface TarOptions {
  /** How the archive ends: two zero blocks (default), one, or none (truncated). */
  end?: 'two' | 'one' | 'none';
  /** Bytes appended after the end marker and the padding. */
  trailing?: Uint8Array;
  /** Pads the archive with zeros to a multiple of this many bytes (GNU tar's 10240 record). */
  recordSize?: number;
}

export const DEFAULT_MTIME = 1_700_000_000;
const BLOCK = 512;

const TYPEFLAGS: Record<SpecType, string> = { file: '0', hardlink: '1', symlink: '2', char: '3', block: '4', dir: '5', fifo: '6' };

function writeString(block: Buffer, text: string | Buffer, offset: number, length: number): void {
  const bytes = typeof text === 'string' ? Buffer.from(text) : text;
  bytes.copy(block, offset, 0, Math.min(length, bytes.length));
}

/** Octal with a NUL, or base-256 when it does not fit (GNU and Go do the same). */
function writeNumber(block: Buffer, value: number, offset: number, length: number): void {
  const octal = value.toString(8);
  if (octal.length < length) {
    writeString(block, `${octal.padStart(length - 1, '0')}\0`, offset, length);
    return;
  }
  let rest = BigInt(value);
  for (let i = length - 1; i > 0; i--) {
    block[offset + i] = Number(rest & 0xffn);
    rest >>= 8n;
  }
  block[offset] = 0x80;
}

/** One ustar header block with a correct checksum. */
export function headerBlock(fields: {
  name: string | Buffer;
  typeflag: string;
  size?: number;
  mode?: number;
  uid?: number;
  gid?: number;
  mtime?: number;
  linkname?: string | Buffer;
  devMajor?: number;
  devMinor?: number;
  magic?: 'ustar' | 'gnu' | 'v7';
}): Buffer {
  const block = Buffer.alloc(BLOCK);
  writeString(block, fields.name, 0, 100);
  writeNumber(block, fields.mode ?? 0o644, 100, 8);
  writeNumber(block, fields.uid ?? 0, 108, 8);
  writeNumber(block, fields.gid ?? 0, 116, 8);
  writeNumber(block, fields.size ?? 0, 124, 12);
  writeNumber(block, Math.floor(fields.mtime ?? DEFAULT_MTIME), 136, 12);
  block.write(fields.typeflag, 156, 'latin1');
  writeString(block, fields.linkname ?? '', 157, 100);
  const magic = fields.magic ?? 'ustar';
  if (magic === 'ustar') writeString(block, 'ustar\x0000', 257, 8);
  if (magic === 'gnu') writeString(block, 'ustar  \0', 257, 8);
  if (magic !== 'v7') {
    writeString(block, 'root', 265, 32);
    writeString(block, 'root', 297, 32);
    writeNumber(block, fields.devMajor ?? 0, 329, 8);
    writeNumber(block, fields.devMinor ?? 0, 337, 8);
  }
  block.fill(0x20, 148, 156);
  let sum = 0;
  for (const byte of block) sum += byte;
  writeString(block, `${sum.toString(8).padStart(6, '0')}\0 `, 148, 8);
  return block;
}

function padded(data: Uint8Array): Buffer[] {
  const rest = data.length % BLOCK;
  return rest === 0 ? [Buffer.from(data)] : [Buffer.from(data), Buffer.alloc(BLOCK - rest)];
}

/** `"%d %s=%s\n"`, where the length counts itself. */
export function paxRecord(key: string, value: string | Uint8Array): Buffer {
  const body = Buffer.concat([Buffer.from(` ${key}=`), Buffer.from(value), Buffer.from('\n')]);
  let length = body.length + 1;
  while (String(length).length + body.length !== length) length = String(length).length + body.length;
  return Buffer.concat([Buffer.from(String(length)), body]);
}

export function metaBlocks(typeflag: 'x' | 'g' | 'L' | 'K', data: Uint8Array): Buffer[] {
  return [headerBlock({ name: typeflag === 'x' || typeflag === 'g' ? 'PaxHeader' : '././@LongLink', typeflag, size: data.length }), ...padded(data)];
}

/** The blocks of one entry: its metadata headers, its header, its data. */
export function entryBlocks(spec: EntrySpec): Buffer[] {
  const type = spec.type ?? 'file';
  const data = spec.data === undefined ? Buffer.alloc(0) : Buffer.from(spec.data);
  const blocks: Buffer[] = [];
  const pax: Buffer[] = [];
  let name: string | Buffer = spec.name;
  let linkname: string | Buffer = spec.linkname ?? '';
  const long = spec.longNames ?? 'pax';
  if (Buffer.byteLength(spec.name) > 100) {
    if (long === 'gnu') blocks.push(...metaBlocks('L', Buffer.from(`${spec.name}\0`)));
    else pax.push(paxRecord('path', spec.name));
    name = Buffer.from(spec.name).subarray(0, 100);
  }
  if (Buffer.byteLength(linkname) > 100) {
    if (long === 'gnu') blocks.push(...metaBlocks('K', Buffer.from(`${String(linkname)}\0`)));
    else pax.push(paxRecord('linkpath', String(linkname)));
    linkname = Buffer.from(linkname).subarray(0, 100);
  }
  const mtime = spec.mtime ?? DEFAULT_MTIME;
  if (spec.paxMtime !== undefined) pax.push(paxRecord('mtime', spec.paxMtime));
  else if (!Number.isInteger(mtime)) pax.push(paxRecord('mtime', mtime.toFixed(9)));
  for (const [key, value] of Object.entries(spec.xattrs ?? {})) pax.push(paxRecord(`SCHILY.xattr.${key}`, value));
  for (const [key, value] of Object.entries(spec.pax ?? {})) pax.push(paxRecord(key, value));
  if (pax.length > 0) blocks.push(...metaBlocks('x', Buffer.concat(pax)));
  blocks.push(
    headerBlock({
      name,
      typeflag: spec.typeflag ?? TYPEFLAGS[type],
      size: spec.declaredSize ?? data.length,
      mode: spec.mode ?? (type === 'dir' ? 0o755 : type === 'symlink' ? 0o777 : 0o644),
      uid: spec.uid ?? 0,
      gid: spec.gid ?? 0,
      mtime,
      linkname,
      devMajor: spec.devMajor ?? 0,
      devMinor: spec.devMinor ?? 0,
    }),
  );
  if (data.length > 0) blocks.push(...padded(data));
  return blocks;
}

/** Streams a tar archive: entries may be a generator (100k entries without holding them). */
export function* tarChunks(entries: Iterable<EntrySpec | Buffer>, options: TarOptions = {}): Generator<Buffer> {
  let written = 0;
  for (const entry of entries) {
    const blocks = Buffer.isBuffer(entry) ? [entry] : entryBlocks(entry);
    for (const block of blocks) {
      written += block.length;
      yield block;
    }
  }
  const end = options.end ?? 'two';
  const zeros = end === 'two' ? 2 : end === 'one' ? 1 : 0;
  if (zeros > 0) {
    written += zeros * BLOCK;
    yield Buffer.alloc(zeros * BLOCK);
  }
  const record = options.recordSize ?? 0;
  if (zeros > 0 && record > 0 && written % record !== 0) yield Buffer.alloc(record - (written % record));
  if (options.trailing !== undefined) yield Buffer.from(options.trailing);
}

/** A whole archive. A raw Buffer in `entries` is written as it is (a hand-made header). */
export function buildTar(entries: Iterable<EntrySpec | Buffer>, options: TarOptions = {}): Buffer {
  return Buffer.concat([...tarChunks(entries, options)]);
}

export type Compression = 'none' | 'gzip' | 'zstd';

export function compress(tar: Uint8Array, compression: Compression): Buffer {
  if (compression === 'gzip') return zlib.gzipSync(tar, { level: 6 });
  if (compression === 'zstd') return zlib.zstdCompressSync(tar);
  return Buffer.from(tar);
}

export function sha256(data: Uint8Array): string {
  return `sha256:${createHash('sha256').update(data).digest('hex')}`;
}

export interface BuiltLayer {
  tar: Buffer;
  blob: Buffer;
  diffId: string;
  digest: string;
  mediaType: string;
  descriptor: { mediaType: string; digest: string; size: number };
}

const MEDIA: Record<Compression, string> = {
  none: 'application/vnd.oci.image.layer.v1.tar',
  gzip: 'application/vnd.oci.image.layer.v1.tar+gzip',
  zstd: 'application/vnd.oci.image.layer.v1.tar+zstd',
};

/** A layer as a registry would serve it, with the digests a manifest and a config would name. */
export function buildLayer(entries: Iterable<EntrySpec | Buffer>, options: TarOptions & { compression?: Compression } = {}): BuiltLayer {
  const tar = buildTar(entries, options);
  const compression = options.compression ?? 'gzip';
  const blob = compress(tar, compression);
  const digest = sha256(blob);
  return { tar, blob, diffId: sha256(tar), digest, mediaType: MEDIA[compression], descriptor: { mediaType: MEDIA[compression], digest, size: blob.length } };
}

/** security.capability (VFS_CAP_REVISION_2) granting the given capability numbers, permitted and effective. */
export function capabilityXattr(...caps: number[]): Buffer {
  const value = Buffer.alloc(20);
  value.writeUInt32LE(0x02000000 | 0x1, 0); // revision 2, effective
  let low = 0;
  let high = 0;
  for (const cap of caps) {
    if (cap < 32) low |= 1 << cap;
    else high |= 1 << (cap - 32);
  }
  value.writeUInt32LE(low >>> 0, 4);
  value.writeUInt32LE(high >>> 0, 12);
  return value;
}
