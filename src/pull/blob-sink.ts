/**
Where a pull puts what it downloads. The pull side (src/pull/) owns the network: it
verifies every byte against the descriptor's sha256 and size while streaming. The sink
(src/store/ implements it on an OCI image layout) owns the disk: it keeps a blob invisible
until `commit()`, then makes it appear atomically (temp file + rename), deduplicated by digest.

Lifecycle of one blob:

  has(d)? ── yes ─▶ skip (already stored)
     │ no
  begin(d) ─▶ write(chunk)… ─▶ commit()      the blob is now visible under its digest
                    │
                    ├─ reset()                 the server restarted from byte 0 (a 200, not a 206):
                    │                          drop what was written and start again
                    └─ abort()                 failure or Ctrl-C: nothing of it remains

After every blob of an image is committed, `setRef()` names the image: the last step,
so a reference never points at a half-pulled image.
*/
import type { Descriptor } from '../oci/descriptor.js';

export interface BlobWriter {
  /** Bytes written so far: a resumed download asks the server for `Range: bytes=<written>-`. */
  readonly written: number;
  /**
  Appends bytes. The sink may keep a reference to `chunk` instead of a copy until commit: the
  caller must not change it afterwards. Returns undefined when the bytes were taken at once, or
  a promise (backpressure: a batch is on its way to the disk) that the caller must wait for
  before the next call. A failure is always a rejected promise.
  */
  write(chunk: Uint8Array): Promise<void> | undefined;
  /** Truncates back to zero bytes (the server ignored Range and sent the whole blob again). */
  reset(): Promise<void>;
  /**
  Makes the blob visible under its digest. Called only after the pull side checked that
  exactly `size` bytes hashing to `digest` were written. A sink may check again. Committing
  a digest that another pull committed meanwhile is not an error (same bytes).
  */
  commit(): Promise<void>;
  /** Removes the unfinished blob. Safe to call more than once and after commit (then a no-op). */
  abort(): Promise<void>;
}

/** A pulled image, as it should be named in the store (index.json). */
export interface ImageRecord {
  /** The normalized reference the user asked for: `docker.io/library/busybox:latest` or `…@sha256:…` */
  name: string;
  /** The platform-specific image manifest that was pulled (its platform filled in when known). */
  manifest: Descriptor;
  /** When the reference resolved to an index or manifest list: that document's descriptor. */
  index?: Descriptor;
}

export interface BeginOptions {
  /**
  The caller hashes every byte itself and commits only when size and digest match (fetchBlob
  does, while streaming): the sink may then skip its own sha256, a second pass over every
  byte. It still refuses more bytes than declared. Default: the sink verifies on commit.
  */
  callerVerifies?: boolean;
}

export interface BlobSink {
  /** True when a committed blob with this digest is present. */
  has(digest: string): Promise<boolean>;
  /** Starts writing one blob; see the lifecycle above. */
  begin(descriptor: Descriptor, options?: BeginOptions): Promise<BlobWriter>;
  /** Names a pulled image once all its blobs (manifest, config, layers) are committed. */
  setRef(image: ImageRecord): Promise<void>;
}
