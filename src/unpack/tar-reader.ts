import { isAscii } from 'node:buffer';
import type { UnpackLimits } from './limits.js';
import { quoteName, refuse } from './refusal.js';
import {
  BLOCK,
  decodeHeader,
  isZeroBlock,
  parsePaxInteger,
  parsePaxRecords,
  parsePaxTime,
  type RawHeader,
} from './tar-header.js';

/**
A strict streaming tar reader. glassbox reads layers with its own reader rather than tar-stream's
extractor because an extractor must be exact where tar-stream is lenient: tar-stream decodes PAX
values as UTF-8 (corrupting binary `SCHILY.xattr.security.capability`), ignores PAX uid/gid, and keeps
reading headers after the end-of-archive marker, so a file hidden after it would be extracted here
and missed by GNU tar or Go's archive/tar (a parser differential an attacker can use).

Rules: an archive ends with a zero block (normally two); after it only zero padding may follow.
Header-only entries (directories, links, devices) must say size 0 (Go reads no data for them, GNU tar
skips `size` bytes: another differential). Sparse files, GNU dump directories and other rare types
are refused by name.
*/
export type TarEntryType = 'file' | 'hardlink' | 'symlink' | 'char' | 'block' | 'dir' | 'fifo';

export interface TarTime {
  sec: number;
  nsec: number;
}

export interface TarEntry {
  /** As written in the archive, after PAX `path` and GNU long names; not yet cleaned. */
  name: string;
  type: TarEntryType;
  size: number;
  /** Permission bits with setuid, setgid and sticky (0o7777). */
  mode: number;
  uid: number;
  gid: number;
  mtime: TarTime;
  /** Symlink target or hardlink target ('' otherwise). */
  linkname: string;
  devMajor: number;
  devMinor: number;
  /** From `SCHILY.xattr.<name>` (and libarchive's encoding), raw bytes. */
  xattrs: Map<string, Buffer>;
  /** Byte offset of the entry's header in the uncompressed stream. */
  offset: number;
}

/** Where an entry's data goes; called synchronously as the bytes arrive. */
export interface EntrySink {
  write(chunk: Buffer): void;
  end(): void;
}

export interface TarVisitor {
  /** Called once per entry, in archive order; return a sink for a file's data. */
  entry(entry: TarEntry): EntrySink | null;
}

const TYPES: Record<string, TarEntryType> = {
  '0': 'file',
  '7': 'file',
  '1': 'hardlink',
  '2': 'symlink',
  '3': 'char',
  '4': 'block',
  '5': 'dir',
  '6': 'fifo',
};

const UNSUPPORTED: Record<string, string> = {
  S: 'a GNU sparse file',
  D: 'a GNU dump directory',
  M: 'a multi-volume continuation',
  N: 'an old GNU long-name entry',
  V: 'a volume label',
};

/** Global PAX keys that change nothing an extractor does: git archive writes `comment`. */
const HARMLESS_GLOBAL_KEYS = new Set(['comment']);
/** More than this many metadata headers before one entry is not a real archive. */
const MAX_META_CHAIN = 8;

const utf8 = new TextDecoder('utf-8', { fatal: true });
/** Shared by every entry without PAX records (most of them): never written to. */
const NO_RECORDS: ReadonlyMap<string, Buffer> = new Map();

type State = 'header' | 'data' | 'meta' | 'skip' | 'zero' | 'end';

export class TarReader {
  private state: State = 'header';
  private position = 0;
  private readonly block = Buffer.alloc(BLOCK);
  private blockFill = 0;
  private left = 0;
  private padding = 0;
  private sink: EntrySink | null = null;
  private current: TarEntry | null = null;
  private meta: { header: RawHeader; offset: number; chunks: Buffer[] } | null = null;
  private pax: Map<string, Buffer> | null = null;
  private longName: Buffer | null = null;
  private longLink: Buffer | null = null;
  private metaChain = 0;
  private entries = 0;

  constructor(
    private readonly visitor: TarVisitor,
    private readonly limits: Pick<UnpackLimits, 'maxHeaderBytes' | 'maxXattrBytes'>,
  ) {}

  /** Bytes consumed so far. */
  get offset(): number {
    return this.position;
  }

  get entryCount(): number {
    return this.entries;
  }

  /**
  Reads a chunk; with a deadline (performance.now()), stops at the first entry boundary after
  it, so that a caller can give the event loop a turn. Returns the bytes taken: feed the rest.
  */
  feed(chunk: Buffer, deadline = Infinity): number {
    let pos = 0;
    while (pos < chunk.length) {
      if (this.state === 'header' && this.blockFill === 0 && pos > 0 && deadline !== Infinity && performance.now() > deadline) return pos;
      switch (this.state) {
        case 'data': {
          const take = Math.min(this.left, chunk.length - pos);
          this.sink?.write(chunk.subarray(pos, pos + take));
          this.advance(take);
          pos += take;
          this.left -= take;
          if (this.left === 0) this.finishEntry();
          break;
        }
        case 'meta': {
          const take = Math.min(this.left, chunk.length - pos);
          this.meta!.chunks.push(Buffer.from(chunk.subarray(pos, pos + take)));
          this.advance(take);
          pos += take;
          this.left -= take;
          if (this.left === 0) this.finishMeta();
          break;
        }
        case 'skip': {
          const take = Math.min(this.padding, chunk.length - pos);
          this.advance(take);
          pos += take;
          this.padding -= take;
          if (this.padding === 0) this.state = 'header';
          break;
        }
        case 'end': {
          const rest = chunk.subarray(pos);
          const junk = rest.findIndex((byte) => byte !== 0);
          if (junk !== -1) {
            throw refuse('UNPACK_TAR_INVALID', `trailing data after the end-of-archive marker at byte ${this.position + junk}`);
          }
          this.advance(rest.length);
          pos = chunk.length;
          break;
        }
        default: {
          const take = Math.min(BLOCK - this.blockFill, chunk.length - pos);
          chunk.copy(this.block, this.blockFill, pos, pos + take);
          this.blockFill += take;
          pos += take;
          this.advance(take);
          if (this.blockFill === BLOCK) {
            this.blockFill = 0;
            this.onBlock(this.position - BLOCK);
          }
        }
      }
    }
    return pos;
  }

  /** Call at the end of the stream: the archive must have ended cleanly. */
  finish(): void {
    if (this.state === 'end' || (this.state === 'zero' && this.blockFill === 0)) return;
    if (this.state === 'data' || this.state === 'skip') {
      const name = this.current === null ? '' : ` in entry ${quoteName(this.current.name)}`;
      throw refuse('UNPACK_TAR_INVALID', `archive truncated${name} at byte ${this.position}`);
    }
    if (this.blockFill > 0 || this.state === 'meta' || this.pax !== null || this.longName !== null || this.longLink !== null) {
      throw refuse('UNPACK_TAR_INVALID', `archive truncated inside a header at byte ${this.position}`);
    }
    throw refuse('UNPACK_TAR_INVALID', `archive ends at byte ${this.position} without an end-of-archive marker (truncated?)`);
  }

  private advance(bytes: number): void {
    this.position += bytes;
  }

  private onBlock(offset: number): void {
    if (isZeroBlock(this.block)) {
      if (this.meta !== null || this.pax !== null || this.longName !== null || this.longLink !== null) {
        throw refuse('UNPACK_TAR_INVALID', `end-of-archive marker at byte ${offset} right after a metadata header`);
      }
      this.state = this.state === 'zero' ? 'end' : 'zero';
      return;
    }
    if (this.state === 'zero') {
      // Go's archive/tar stops here too (ErrHeader); GNU tar stops silently and would not see what follows.
      throw refuse('UNPACK_TAR_INVALID', `header at byte ${offset} follows an end-of-archive zero block`);
    }
    const header = decodeHeader(this.block, offset);
    if ('xgLK'.includes(header.typeflag)) return this.startMeta(header, offset);
    this.startEntry(header, offset);
  }

  private startMeta(header: RawHeader, offset: number): void {
    if (++this.metaChain > MAX_META_CHAIN) {
      throw refuse('UNPACK_TAR_INVALID', `more than ${MAX_META_CHAIN} metadata headers in a row at byte ${offset}`);
    }
    if (header.size > this.limits.maxHeaderBytes) {
      throw refuse('UNPACK_LIMIT', `metadata header at byte ${offset} has ${header.size} bytes (limit ${this.limits.maxHeaderBytes})`);
    }
    this.meta = { header, offset, chunks: [] };
    this.left = header.size;
    this.padding = padOf(header.size);
    this.state = 'meta';
    if (header.size === 0) this.finishMeta();
  }

  private finishMeta(): void {
    const { header, offset, chunks } = this.meta!;
    this.meta = null;
    const data = Buffer.concat(chunks);
    switch (header.typeflag) {
      case 'x': {
        const records = parsePaxRecords(data, offset);
        // Several 'x' headers before one entry merge; later keys win.
        this.pax = this.pax === null ? records : new Map([...this.pax, ...records]);
        break;
      }
      case 'g': {
        // Go and containerd ignore global headers, GNU tar applies them: only harmless keys are allowed.
        const keys = [...parsePaxRecords(data, offset).keys()].filter((key) => !HARMLESS_GLOBAL_KEYS.has(key));
        if (keys.length > 0) {
          throw refuse('UNPACK_ENTRY_UNSUPPORTED', `global pax header at byte ${offset} sets ${keys.slice(0, 3).join(', ')}`);
        }
        break;
      }
      case 'L':
        this.longName = stripNuls(data);
        break;
      default:
        this.longLink = stripNuls(data);
    }
    this.afterData();
  }

  private startEntry(header: RawHeader, offset: number): void {
    const pax = this.pax ?? NO_RECORDS;
    const rawName = pax.get('path') ?? this.longName ?? header.name;
    const rawLink = pax.get('linkpath') ?? this.longLink ?? header.linkname;
    this.pax = null;
    this.longName = null;
    this.longLink = null;
    this.metaChain = 0;
    const name = decodeName(rawName, offset, 'name');
    let type = TYPES[header.typeflag];
    // A NUL typeflag with a trailing slash is a directory in pre-POSIX archives.
    if (header.typeflag === '0' && this.block[156] === 0 && name.endsWith('/')) type = 'dir';
    if (type === undefined) {
      const what = UNSUPPORTED[header.typeflag] ?? `of unknown type ${JSON.stringify(header.typeflag)}`;
      throw refuse('UNPACK_ENTRY_UNSUPPORTED', `entry ${quoteName(name)} is ${what}`);
    }
    const entry = buildEntry(header, pax, name, decodeName(rawLink, offset, 'link target'), type, offset, this.limits);
    this.entries += 1;
    if (type !== 'file' && entry.size !== 0) {
      throw refuse('UNPACK_TAR_INVALID', `entry ${quoteName(name)} is a ${type} but says it has ${entry.size} bytes of data`);
    }
    this.current = entry;
    this.sink = this.visitor.entry(entry);
    this.left = entry.size;
    this.padding = padOf(entry.size);
    this.state = 'data';
    if (entry.size === 0) this.finishEntry();
  }

  private finishEntry(): void {
    this.sink?.end();
    this.sink = null;
    this.afterData();
  }

  private afterData(): void {
    this.state = this.padding > 0 ? 'skip' : 'header';
  }
}

function padOf(size: number): number {
  const rest = size % BLOCK;
  return rest === 0 ? 0 : BLOCK - rest;
}

function stripNuls(data: Buffer): Buffer {
  let end = data.length;
  while (end > 0 && data[end - 1] === 0) end--;
  return data.subarray(0, end);
}

function decodeName(raw: Buffer, offset: number, what: string): string {
  // Most names are ASCII: the fast path skips the validating decoder.
  if (isAscii(raw)) return raw.toString('latin1');
  try {
    return utf8.decode(raw);
  } catch {
    throw refuse('UNPACK_ENTRY_UNSUPPORTED', `entry at byte ${offset}: ${what} is not valid UTF-8 (${raw.toString('hex').slice(0, 64)})`);
  }
}

/** libarchive percent-encodes xattr names. */
function decodeXattrName(encoded: string, entryName: string): string {
  try {
    return decodeURIComponent(encoded);
  } catch {
    throw refuse('UNPACK_TAR_INVALID', `entry ${quoteName(entryName)}: malformed libarchive xattr name ${JSON.stringify(encoded)}`);
  }
}

function buildEntry(
  header: RawHeader,
  pax: ReadonlyMap<string, Buffer>,
  name: string,
  linkname: string,
  type: TarEntryType,
  offset: number,
  limits: Pick<UnpackLimits, 'maxXattrBytes'>,
): TarEntry {
  const text = (key: string): string | undefined => pax.get(key)?.toString('utf8');
  const xattrs = new Map<string, Buffer>();
  for (const [key, value] of pax) {
    if (key.startsWith('GNU.sparse.')) throw refuse('UNPACK_ENTRY_UNSUPPORTED', `entry ${quoteName(name)} is a PAX sparse file`);
    if (key === 'hdrcharset' && value.toString('latin1') === 'BINARY') {
      throw refuse('UNPACK_ENTRY_UNSUPPORTED', `entry ${quoteName(name)} has a binary (non-UTF-8) name`);
    }
    let xattr: [string, Buffer] | undefined;
    if (key.startsWith('SCHILY.xattr.')) xattr = [key.slice('SCHILY.xattr.'.length), value];
    else if (key.startsWith('LIBARCHIVE.xattr.')) {
      xattr = [decodeXattrName(key.slice('LIBARCHIVE.xattr.'.length), name), Buffer.from(value.toString('latin1'), 'base64')];
    }
    if (xattr === undefined) continue;
    if (xattr[1].length > limits.maxXattrBytes) {
      throw refuse('UNPACK_LIMIT', `entry ${quoteName(name)}: xattr ${xattr[0]} has ${xattr[1].length} bytes (limit ${limits.maxXattrBytes})`);
    }
    // SCHILY is what Go, GNU tar and Docker write; it wins over libarchive's copy of the same name.
    if (!(key.startsWith('LIBARCHIVE.') && xattrs.has(xattr[0]))) xattrs.set(xattr[0], xattr[1]);
  }
  const size = text('size');
  const uid = text('uid');
  const gid = text('gid');
  const mtime = text('mtime');
  const owner = {
    uid: uid === undefined ? header.uid : parsePaxInteger(uid, 'uid', offset),
    gid: gid === undefined ? header.gid : parsePaxInteger(gid, 'gid', offset),
  };
  // chown(2) takes 32-bit ids, and (uid_t)-1 means "leave unchanged": such a file would stay root's.
  if (owner.uid >= 0xffffffff || owner.gid >= 0xffffffff) {
    throw refuse('UNPACK_ENTRY_UNSUPPORTED', `entry ${quoteName(name)} has owner ${owner.uid}:${owner.gid}, beyond 32-bit ids`);
  }
  return {
    name,
    type,
    size: size === undefined ? header.size : parsePaxInteger(size, 'size', offset),
    mode: header.mode & 0o7777,
    uid: owner.uid,
    gid: owner.gid,
    mtime: mtime === undefined ? { sec: header.mtime, nsec: 0 } : parsePaxTime(mtime, offset),
    linkname,
    devMajor: header.devMajor,
    devMinor: header.devMinor,
    xattrs,
    offset,
  };
}
