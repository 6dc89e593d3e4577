import { createGunzip } from 'node:zlib';
import { pipeline, Readable } from 'node:stream';
import path from 'node:path';
import { GlassboxError } from '../errors.js';
import { readTarEntries } from '../unpack/tar-archive.js';
import type { ImageStore } from './store.js';

/**
The first half of `load`: one pass over an image archive (plain or gzip-compressed tar),
putting every blob into the store as it streams past, verified, and keeping the small
metadata files in memory. Which blobs belong to which image is only known at the end
(`docker save` writes manifest.json last), so naming is the second half's job.

- `blobs/sha256/<hex>`: verified against its name while written; a mismatch refuses the load.
- other regular files: metadata (`*.json`, `repositories`, `oci-layout`, small) kept in memory;
  the rest (legacy `<id>/layer.tar`) stored under the digest of its bytes.
- symlinks: legacy archives link a repeated layer to its first copy; resolved later.
*/
export interface ArchiveContents {
  /** Small files by path: index.json, manifest.json, repositories, legacy configs. */
  metadata: Map<string, Buffer>;
  /** Files stored as blobs, by archive path. */
  stored: Map<string, { digest: string; size: number; gzip: boolean }>;
  /** Symlinks by archive path → the path they point at (normalized). */
  links: Map<string, string>;
}

const MAX_METADATA_BYTES = 8 * 1024 * 1024;
const BLOB_PATH = /^blobs\/sha256\/([a-f0-9]{64})$/;

export async function readArchive(store: ImageStore, source: AsyncIterable<Uint8Array>): Promise<ArchiveContents> {
  const contents: ArchiveContents = { metadata: new Map(), stored: new Map(), links: new Map() };
  for await (const entry of readTarEntries(await decompressed(source))) {
    const name = normalizeName(entry.header.name);
    const type = entry.header.type;
    if (type === 'directory') continue;
    if (type === 'symlink' || type === 'link') {
      const linkname = entry.header.linkname ?? '';
      const target = normalizeName(type === 'symlink' ? path.posix.join(path.posix.dirname(name), linkname) : linkname);
      contents.links.set(name, target);
      continue;
    }
    if (type !== 'file' && type !== 'contiguous-file') throw refused(`${name} is a ${type}, not a file`);
    const blob = BLOB_PATH.exec(name);
    if (blob === null && isMetadata(name, entry.header.size)) {
      contents.metadata.set(name, await collect(entry.body, MAX_METADATA_BYTES, name));
      continue;
    }
    const expected = blob === null ? {} : { digest: `sha256:${blob[1]}` };
    if (expected.digest !== undefined && store.hasBlob(expected.digest)) {
      // Already stored (an image shares layers with one in the store): the reader drains it.
      contents.stored.set(name, { digest: expected.digest, size: entry.header.size, gzip: false });
      continue;
    }
    const writer = await store.beginBlob({ ...expected, size: entry.header.size });
    let first: Uint8Array | undefined;
    try {
      for await (const chunk of entry.body) {
        first ??= chunk;
        await writer.write(chunk);
      }
      await writer.commit();
    } catch (error) {
      await writer.abort();
      throw GlassboxError.is(error) ? new GlassboxError(error.code, `${name}: ${error.message}`, { kind: error.kind, ...(error.hint ? { hint: error.hint } : {}) }) : error;
    }
    contents.stored.set(name, { digest: writer.digest!, size: entry.header.size, gzip: first !== undefined && isGzip(first) });
  }
  return contents;
}

/** Follows legacy symlinks to the stored file an archive path names. */
export function storedAt(contents: ArchiveContents, name: string): { digest: string; size: number; gzip: boolean } | undefined {
  let current = normalizeName(name);
  for (let hops = 0; hops < 8; hops++) {
    const found = contents.stored.get(current);
    if (found !== undefined) return found;
    const next = contents.links.get(current);
    if (next === undefined) return undefined;
    current = next;
  }
  return undefined;
}

export function normalizeName(name: string): string {
  const clean = path.posix.normalize(name.replace(/^(\.\/)+/, '')).replace(/\/$/, '');
  if (clean.startsWith('../') || clean === '..' || path.posix.isAbsolute(clean)) throw refused(`entry ${JSON.stringify(name)} points outside the archive`);
  return clean;
}

function isMetadata(name: string, size: number): boolean {
  if (size > MAX_METADATA_BYTES) return false;
  const base = path.posix.basename(name);
  return base.endsWith('.json') || base === 'json' || base === 'repositories' || base === 'oci-layout' || base === 'VERSION';
}

function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

async function collect(body: AsyncIterable<Uint8Array>, max: number, name: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += chunk.byteLength;
    if (size > max) throw refused(`${name} is larger than ${max} bytes`);
    chunks.push(Buffer.from(chunk));
  }
  return Buffer.concat(chunks);
}

/** `docker save | gzip` is common on USB sticks: a gzip stream is decompressed on the fly. */
async function decompressed(source: AsyncIterable<Uint8Array>): Promise<AsyncIterable<Uint8Array>> {
  const iterator = source[Symbol.asyncIterator]();
  const first = await iterator.next();
  const replay = (async function* (): AsyncGenerator<Uint8Array> {
    if (!first.done) yield first.value;
    for (let next = await iterator.next(); !next.done; next = await iterator.next()) yield next.value;
  })();
  if (first.done || !isGzip(first.value)) return replay;
  const gunzip = createGunzip();
  // pipeline, not pipe: a failing source must fail the reader too.
  pipeline(Readable.from(replay), gunzip, () => undefined);
  return gunzip;
}

export function refused(message: string): GlassboxError {
  return new GlassboxError('ARCHIVE_INVALID', `refusing the archive: ${message}`, {
    kind: 'user',
    hint: 'load takes a tar written by glassbox save, docker save or skopeo copy … oci-archive:',
  });
}
