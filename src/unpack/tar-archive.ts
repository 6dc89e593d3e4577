import { once } from 'node:events';
import { Readable } from 'node:stream';
import tarStream from 'tar-stream';

/**
Generic tar reading and writing for whole archives (image archives from `save`/`load`, the
demo image's layers). tar-stream is imported only under src/unpack/; the rest of glassbox
sees these types. Layer extraction with its path and whiteout rules is a separate module:
nothing here writes to the filesystem.
*/
export type TarEntryType = 'file' | 'directory' | 'symlink' | 'link' | 'character-device' | 'block-device' | 'fifo';

export interface TarEntrySpec {
  name: string;
  type: TarEntryType;
  /** Permission bits; default 0o644 for files, 0o755 for directories, 0o777 for links. */
  mode?: number;
  /** Fixed times make archives byte-for-byte reproducible; default the Unix epoch. */
  mtime?: Date;
  uid?: number;
  gid?: number;
  uname?: string;
  gname?: string;
  /** Target of a symlink or hard link. */
  linkname?: string;
  devmajor?: number;
  devminor?: number;
  /** File content: bytes, or a stream of exactly `size` bytes. */
  body?: Uint8Array | { size: number; open: () => AsyncIterable<Uint8Array> };
}

export interface TarHeader {
  name: string;
  type: string;
  size: number;
  mode: number;
  mtime: Date | undefined;
  linkname: string | undefined;
  uid: number;
  gid: number;
}

export interface TarEntry {
  header: TarHeader;
  /** The entry's bytes; read it (or leave it: it is drained before the next entry). */
  body: AsyncIterable<Uint8Array>;
}

const EPOCH = new Date(0);

/** Packs entries in the order given into a tar stream (ustar, with pax headers for long names). */
export function packTar(entries: Iterable<TarEntrySpec> | AsyncIterable<TarEntrySpec>): Readable {
  const pack = tarStream.pack();
  const fill = async (): Promise<void> => {
    for await (const spec of entries) await addEntry(pack, spec);
    pack.finalize();
  };
  fill().catch((error: unknown) => pack.destroy(error instanceof Error ? error : new Error(String(error))));
  // tar-stream's streams are streamx streams; callers get a Node stream.
  return Readable.from(pack as AsyncIterable<Buffer>, { objectMode: false });
}

async function addEntry(pack: tarStream.Pack, spec: TarEntrySpec): Promise<void> {
  const body = spec.body;
  const size = body === undefined ? 0 : body instanceof Uint8Array ? body.byteLength : body.size;
  const header: Partial<tarStream.Header> & { name: string } = {
    name: spec.name,
    type: spec.type,
    mode: spec.mode ?? (spec.type === 'directory' ? 0o755 : spec.type === 'symlink' ? 0o777 : 0o644),
    mtime: spec.mtime ?? EPOCH,
    uid: spec.uid ?? 0,
    gid: spec.gid ?? 0,
    uname: spec.uname ?? '',
    gname: spec.gname ?? '',
    size: spec.type === 'file' ? size : 0,
  };
  if (spec.linkname !== undefined) header.linkname = spec.linkname;
  if (spec.devmajor !== undefined) header.devmajor = spec.devmajor;
  if (spec.devminor !== undefined) header.devminor = spec.devminor;
  if (body === undefined || spec.type !== 'file' || body instanceof Uint8Array) {
    const bytes = body instanceof Uint8Array && spec.type === 'file' ? body : new Uint8Array(0);
    await new Promise<void>((resolve, reject) => {
      pack.entry(header, bytes, (error) => (error ? reject(error) : resolve()));
    });
    return;
  }
  let done!: Promise<void>;
  const sink = (() => {
    let settle!: (error?: Error | null) => void;
    done = new Promise<void>((resolve, reject) => (settle = (error) => (error ? reject(error) : resolve())));
    return pack.entry(header, (error) => settle(error));
  })();
  for await (const chunk of body.open()) {
    if (!sink.write(chunk)) await Promise.race([once(sink, 'drain'), done]);
  }
  sink.end(undefined);
  await done;
}

/** Reads a tar stream entry by entry; each body must be read (or is skipped) before the next. */
export async function* readTarEntries(source: AsyncIterable<Uint8Array>): AsyncGenerator<TarEntry> {
  const extract = tarStream.extract();
  let feedError: unknown;
  // When the reader stops early the extractor is destroyed: stop feeding it then.
  const closed = once(extract, 'close').catch(() => undefined);
  const feeding = (async () => {
    for await (const chunk of source) {
      if (extract.destroyed) break;
      if (!extract.write(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength))) {
        await Promise.race([once(extract, 'drain'), closed]);
      }
    }
    if (!extract.destroyed) extract.end(undefined);
  })().catch((error: unknown) => {
    feedError = error;
    extract.destroy(error instanceof Error ? error : new Error(String(error)));
  });
  try {
    for await (const entry of extract) {
      const h = entry.header;
      yield {
        header: {
          name: h.name,
          type: h.type ?? 'file',
          size: h.size ?? 0,
          mode: h.mode ?? 0,
          mtime: h.mtime,
          linkname: h.linkname ?? undefined,
          uid: h.uid ?? 0,
          gid: h.gid ?? 0,
        },
        body: entry as AsyncIterable<Uint8Array>,
      };
      entry.resume();
    }
  } catch (error) {
    throw feedError ?? error;
  } finally {
    if (!extract.destroyed) extract.destroy(undefined);
    await feeding;
  }
  if (feedError !== undefined) throw feedError;
}

/** Collects a tar stream into one buffer (small archives: tests, the demo's layers). */
export async function tarToBuffer(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}
