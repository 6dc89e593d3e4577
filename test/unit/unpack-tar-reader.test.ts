import { describe, expect, it } from 'vitest';
import { TarReader, type TarEntry } from '../../src/unpack/tar-reader.js';
import { DEFAULT_LIMITS } from '../../src/unpack/limits.js';
import { GlassboxError } from '../../src/errors.js';
import { buildTar, capabilityXattr, entryBlocks, headerBlock, metaBlocks, paxRecord, type EntrySpec } from '../helpers/layer-builder.js';

interface Read {
  entries: TarEntry[];
  data: Map<string, Buffer>;
}

/** Reads an archive fed in chunks of `chunkSize` bytes (1 exercises every boundary). */
function readTar(tar: Buffer, chunkSize = tar.length || 1, limits = DEFAULT_LIMITS): Read {
  const entries: TarEntry[] = [];
  const data = new Map<string, Buffer>();
  const reader = new TarReader(
    {
      entry(entry) {
        entries.push(entry);
        const chunks: Buffer[] = [];
        return { write: (chunk) => chunks.push(Buffer.from(chunk)), end: () => data.set(entry.name, Buffer.concat(chunks)) };
      },
    },
    limits,
  );
  for (let i = 0; i < tar.length; i += chunkSize) reader.feed(tar.subarray(i, i + chunkSize));
  reader.finish();
  return { entries, data };
}

function refusal(run: () => unknown): GlassboxError {
  try {
    run();
  } catch (error) {
    if (GlassboxError.is(error)) return error;
    throw error;
  }
  throw new Error('expected a refusal');
}

const sample: EntrySpec[] = [
  { name: './', type: 'dir', mode: 0o755 },
  { name: 'etc/', type: 'dir', mode: 0o755, uid: 0, gid: 0 },
  { name: 'etc/hostname', data: 'glassbox\n', mode: 0o644, uid: 1000, gid: 100, mtime: 1_700_000_123 },
  { name: 'bin/su', data: 'ELF…', mode: 0o4755 },
  { name: 'tmp', type: 'dir', mode: 0o1777 },
  { name: 'usr/lib/libc.so', type: 'symlink', linkname: 'libc.so.6' },
  { name: 'usr/bin/link', type: 'hardlink', linkname: 'etc/hostname' },
  { name: 'dev/null', type: 'char', devMajor: 1, devMinor: 3, mode: 0o666 },
  { name: 'dev/sda', type: 'block', devMajor: 8, devMinor: 0, mode: 0o660, gid: 6 },
  { name: 'run/fifo', type: 'fifo', mode: 0o600 },
];

describe('tar reader', () => {
  it('reads every entry type with its fields', () => {
    const { entries, data } = readTar(buildTar(sample));
    expect(entries.map((e) => [e.name, e.type])).toEqual(sample.map((s) => [s.name, s.type ?? 'file']));
    const byName = new Map(entries.map((e) => [e.name, e]));
    expect(byName.get('etc/hostname')).toMatchObject({ size: 9, mode: 0o644, uid: 1000, gid: 100, mtime: { sec: 1_700_000_123, nsec: 0 } });
    expect(data.get('etc/hostname')?.toString()).toBe('glassbox\n');
    expect(byName.get('bin/su')?.mode).toBe(0o4755);
    expect(byName.get('tmp')?.mode).toBe(0o1777);
    expect(byName.get('usr/lib/libc.so')?.linkname).toBe('libc.so.6');
    expect(byName.get('usr/bin/link')?.linkname).toBe('etc/hostname');
    expect(byName.get('dev/null')).toMatchObject({ devMajor: 1, devMinor: 3 });
    expect(byName.get('dev/sda')).toMatchObject({ devMajor: 8, devMinor: 0, gid: 6 });
  });

  it('gives the same result whatever the chunk boundaries', () => {
    const tar = buildTar([...sample, { name: 'big', data: Buffer.alloc(5_000, 7) }]);
    const whole = readTar(tar);
    for (const size of [1, 511, 513, 4096]) {
      const chunked = readTar(tar, size);
      expect(chunked.entries).toEqual(whole.entries);
      expect(chunked.data).toEqual(whole.data);
    }
  });

  it('takes long names and link targets from PAX and from GNU headers', () => {
    const long = `${'a'.repeat(120)}/${'b'.repeat(150)}`;
    const target = `${'t'.repeat(200)}`;
    for (const longNames of ['pax', 'gnu'] as const) {
      const { entries } = readTar(buildTar([{ name: long, type: 'symlink', linkname: target, longNames }, { name: 'after', data: 'x' }]));
      expect(entries.map((e) => e.name)).toEqual([long, 'after']);
      expect(entries[0]!.linkname).toBe(target);
      expect(entries[1]!.linkname).toBe('');
    }
  });

  it('keeps binary xattr values byte for byte and reads sub-second mtimes', () => {
    // CAP_SETUID is bit 7: the value has a 0x80 byte, which a UTF-8 decoding would destroy.
    const cap = capabilityXattr(7, 10);
    expect(cap.includes(0x80)).toBe(true);
    const { entries } = readTar(
      buildTar([{ name: 'ping', data: 'x', xattrs: { 'security.capability': cap, 'user.note': 'hi' }, paxMtime: '1700000000.123456789' }]),
    );
    expect(entries[0]!.xattrs.get('security.capability')).toEqual(cap);
    expect(entries[0]!.xattrs.get('user.note')?.toString()).toBe('hi');
    expect(entries[0]!.mtime).toEqual({ sec: 1_700_000_000, nsec: 123_456_789 });
  });

  it('reads base-256 numbers and PAX uid, gid and size', () => {
    const { entries } = readTar(buildTar([{ name: 'big-ids', data: 'x', uid: 3_000_000, gid: 0o10000000 }]));
    expect(entries[0]).toMatchObject({ uid: 3_000_000, gid: 0o10000000 });
    const pax = readTar(buildTar([{ name: 'pax-ids', data: 'x', pax: { uid: '4000000000', gid: '5' } }]));
    expect(pax.entries[0]).toMatchObject({ uid: 4_000_000_000, gid: 5 });
    // (uid_t)-1 tells chown to leave the owner alone: refused rather than silently root's.
    expect(refusal(() => readTar(buildTar([{ name: 'minus-one', data: 'x', pax: { uid: '4294967295' } }]))).message).toMatch(/beyond 32-bit ids/);
  });

  it('reads libarchive xattrs and lets SCHILY win for the same name', () => {
    const value = Buffer.from([1, 2, 0xff]);
    const { entries } = readTar(
      buildTar([{ name: 'f', data: 'x', pax: { 'LIBARCHIVE.xattr.user.a%20b': value.toString('base64'), 'LIBARCHIVE.xattr.user.c': 'AA==' }, xattrs: { 'user.c': 'schily' } }]),
    );
    expect(entries[0]!.xattrs.get('user.a b')).toEqual(value);
    expect(entries[0]!.xattrs.get('user.c')?.toString()).toBe('schily');
  });

  it('accepts one zero block, record padding and a harmless global header', () => {
    expect(readTar(buildTar([{ name: 'a', data: 'x' }], { end: 'one' })).entries).toHaveLength(1);
    expect(readTar(buildTar([{ name: 'a', data: 'x' }], { recordSize: 10240 })).entries).toHaveLength(1);
    const global = metaBlocks('g', paxRecord('comment', 'deadbeef'));
    expect(readTar(buildTar([...global, { name: 'a', data: 'x' }])).entries.map((e) => e.name)).toEqual(['a']);
  });

  it('refuses an archive without an end marker, truncated data and a truncated header', () => {
    const tar = buildTar([{ name: 'a', data: 'hello' }], { end: 'none' });
    expect(refusal(() => readTar(tar)).message).toMatch(/without an end-of-archive marker/);
    const full = buildTar([{ name: 'file', data: Buffer.alloc(2000, 1) }]);
    const cut = refusal(() => readTar(full.subarray(0, 1200)));
    expect(cut.code).toBe('UNPACK_TAR_INVALID');
    expect(cut.message).toMatch(/truncated in entry "file"/);
    expect(refusal(() => readTar(full.subarray(0, 300))).message).toMatch(/truncated inside a header/);
  });

  it('refuses trailing garbage and headers hidden after the end marker', () => {
    const garbage = refusal(() => readTar(buildTar([{ name: 'a', data: 'x' }], { trailing: Buffer.from('garbage') })));
    expect(garbage.message).toMatch(/trailing data after the end-of-archive marker/);
    const hidden = Buffer.concat(entryBlocks({ name: 'hidden', data: 'x' }));
    expect(refusal(() => readTar(buildTar([{ name: 'a', data: 'x' }], { trailing: hidden }))).message).toMatch(/trailing data/);
    const afterOne = refusal(() => readTar(buildTar([{ name: 'a', data: 'x' }, Buffer.alloc(512), { name: 'hidden', data: 'x' }])));
    expect(afterOne.message).toMatch(/follows an end-of-archive zero block/);
  });

  it('refuses corrupt headers, unsupported types and lying sizes', () => {
    const bad = headerBlock({ name: 'a', typeflag: '0' });
    bad[0] = 0x62; // change the name, keep the old checksum
    expect(refusal(() => readTar(Buffer.concat([bad, Buffer.alloc(1024)]))).message).toMatch(/checksum mismatch/);
    expect(refusal(() => readTar(Buffer.concat([Buffer.from('not a tar at all'), Buffer.alloc(1024)]))).code).toBe('UNPACK_TAR_INVALID');
    expect(refusal(() => readTar(buildTar([{ name: 'sparse', typeflag: 'S', data: 'x' }]))).message).toMatch(/"sparse" is a GNU sparse file/);
    expect(refusal(() => readTar(buildTar([{ name: 'odd', typeflag: 'Z' }]))).message).toMatch(/unknown type "Z"/);
    expect(refusal(() => readTar(buildTar([{ name: 'p', data: 'x', pax: { 'GNU.sparse.major': '1' } }]))).message).toMatch(/PAX sparse/);
    const dir = refusal(() => readTar(buildTar([{ name: 'd/', type: 'dir', data: Buffer.alloc(600) }])));
    expect(dir.message).toMatch(/is a dir but says it has 600 bytes/);
    const global = metaBlocks('g', paxRecord('path', 'elsewhere'));
    expect(refusal(() => readTar(buildTar([...global, { name: 'a', data: 'x' }]))).message).toMatch(/global pax header .* sets path/);
  });

  it('refuses names that are not UTF-8, oversized metadata and endless metadata chains', () => {
    const latin1 = headerBlock({ name: Buffer.from([0x63, 0xe9, 0x74]), typeflag: '0' });
    expect(refusal(() => readTar(Buffer.concat([latin1, Buffer.alloc(1024)]))).message).toMatch(/not valid UTF-8/);
    const huge = buildTar([{ name: 'a', data: 'x', pax: { comment: 'x'.repeat(5000) } }]);
    expect(refusal(() => readTar(huge, huge.length, { ...DEFAULT_LIMITS, maxHeaderBytes: 4096 })).code).toBe('UNPACK_LIMIT');
    const chain = Array.from({ length: 9 }, () => metaBlocks('x', paxRecord('comment', 'again'))).flat();
    expect(refusal(() => readTar(buildTar([...chain, { name: 'a', data: 'x' }]))).message).toMatch(/metadata headers in a row/);
    const bigXattr = buildTar([{ name: 'a', data: 'x', xattrs: { 'user.big': Buffer.alloc(70_000) } }]);
    expect(refusal(() => readTar(bigXattr, bigXattr.length, { ...DEFAULT_LIMITS, maxHeaderBytes: 1 << 20 })).message).toMatch(/xattr user.big has 70000 bytes/);
  });
});

describe('TarReader deadline', () => {
  it('stops at the entry boundary after a deadline, and goes on from there', () => {
    const tar = buildTar([
      { name: 'a', data: 'x'.repeat(600) },
      { name: 'b', data: 'y' },
      { name: 'c', type: 'symlink', linkname: 'a' },
    ]);
    const names: string[] = [];
    const reader = new TarReader({ entry: (entry) => (names.push(entry.name), null) }, DEFAULT_LIMITS);
    // A deadline already past: one entry (header + two data blocks), then it stops.
    const first = reader.feed(tar, 0);
    expect(first).toBe(3 * 512);
    expect(names).toEqual(['a']);
    const second = reader.feed(tar.subarray(first), 0);
    expect(second).toBe(2 * 512);
    expect(names).toEqual(['a', 'b']);
    // No deadline: the rest at once, and the archive ends cleanly.
    expect(reader.feed(tar.subarray(first + second))).toBe(tar.length - first - second);
    reader.finish();
    expect(names).toEqual(['a', 'b', 'c']);
  });
});
