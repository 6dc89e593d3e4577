import { createHash } from 'node:crypto';
import type { Descriptor } from '../oci/descriptor.js';
import type { BlobSink, BlobWriter, ImageRecord } from './blob-sink.js';

/**
A BlobSink in memory: for tests, and for `glassbox pull --dry-run`-style use where nothing
should touch the disk. It checks digest and size again on commit, as a real store should, so
a bug in the pull side cannot hide behind it.
*/
export class MemorySink implements BlobSink {
  readonly blobs = new Map<string, Buffer>();
  readonly refs = new Map<string, ImageRecord>();
  /** Writers begun and not yet committed or aborted: a test asserts this is empty afterwards. */
  readonly open = new Set<BlobWriter>();

  async has(digest: string): Promise<boolean> {
    return this.blobs.has(digest);
  }

  async begin(descriptor: Descriptor): Promise<BlobWriter> {
    const { blobs, open } = this;
    let chunks: Buffer[] = [];
    let written = 0;
    let done = false;
    const writer: BlobWriter = {
      get written() {
        return written;
      },
      async write(chunk) {
        if (done) throw new Error(`write after commit or abort of ${descriptor.digest}`);
        chunks.push(Buffer.from(chunk));
        written += chunk.length;
      },
      async reset() {
        chunks = [];
        written = 0;
      },
      async commit() {
        if (done) return;
        const bytes = Buffer.concat(chunks, written);
        const digest = `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
        if (digest !== descriptor.digest || bytes.length !== descriptor.size) {
          throw new Error(`memory sink: commit of ${descriptor.digest} (${descriptor.size} bytes) got ${digest} (${bytes.length} bytes)`);
        }
        blobs.set(digest, bytes);
        done = true;
        open.delete(writer);
      },
      async abort() {
        done = true;
        chunks = [];
        open.delete(writer);
      },
    };
    open.add(writer);
    return writer;
  }

  async setRef(image: ImageRecord): Promise<void> {
    for (const descriptor of [image.manifest, ...(image.index ? [image.index] : [])]) {
      if (!this.blobs.has(descriptor.digest)) throw new Error(`memory sink: ref ${image.name} names missing ${descriptor.digest}`);
    }
    this.refs.set(image.name, image);
  }
}
