import { createHash, type Hash } from 'node:crypto';
import { GlassboxError } from '../errors.js';
import type { Descriptor } from '../oci/descriptor.js';
import type { BlobWriter } from './blob-sink.js';
import { discardBody, headerValue, isAbort, isStall, readErrorBody, type HttpResponse } from './http.js';
import { httpStatusError, integrityError, networkError, stalledError } from './pull-errors.js';
import { errorReason, pullScope, type RegistryClient } from './registry-client.js';
import { retryDelay, sleep } from './retry.js';

/**
Downloads one blob into a BlobWriter, trusting nothing: every byte is hashed on the way in,
the stream is cut the moment it goes past the declared size, and the digest is compared at the
end. A connection that breaks mid-blob is resumed with `Range: bytes=<received>-`; only a 206
whose Content-Range starts exactly there is accepted. A 200 instead means the server ignored
Range: the writer is reset and the blob is taken again from byte 0.
*/
export interface BlobFetchEvents {
  onBytes?(received: number): void;
  /** The download continues after a failure: `resume` from `at`, or `restart` from 0. */
  onInterrupt?(info: { kind: 'resume' | 'restart'; at: number; reason: string }): void;
}

export interface BlobFetchOptions extends BlobFetchEvents {
  signal?: AbortSignal;
  /** Failures in a row with no new byte before giving up; any progress resets the count. */
  maxInterruptions?: number;
  /** Stalls (no byte for the stall timeout) before giving up. */
  maxStalls?: number;
}

const SHA256_EMPTY = 'sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

export async function fetchBlob(
  client: RegistryClient,
  repository: string,
  descriptor: Descriptor,
  writer: BlobWriter,
  options: BlobFetchOptions = {},
): Promise<void> {
  const { digest, size } = descriptor;
  const what = `blob ${digest}`;
  const maxInterruptions = options.maxInterruptions ?? client.retry.attempts;
  const maxStalls = options.maxStalls ?? 2;
  if (writer.written !== 0) await writer.reset();
  if (size === 0) {
    if (digest !== SHA256_EMPTY) throw integrityError('PULL_DIGEST_MISMATCH', `${what}: declared size 0 but it is not the empty blob`);
    return;
  }
  let hash: Hash = createHash('sha256');
  let received = 0;
  let interruptions = 0;
  let stalls = 0;
  const restart = async (reason: string): Promise<void> => {
    await writer.reset();
    hash = createHash('sha256');
    received = 0;
    options.onInterrupt?.({ kind: 'restart', at: 0, reason });
  };

  while (received < size) {
    const resumeAt = received;
    const { response } = await client.request(`/v2/${repository}/blobs/${digest}`, {
      what,
      scopes: [pullScope(repository)],
      headers: resumeAt > 0 ? { range: `bytes=${resumeAt}-` } : {},
      ...(options.signal ? { signal: options.signal } : {}),
    });
    if (response.status === 206 && resumeAt > 0) {
      const range = parseContentRange(headerValue(response, 'content-range'));
      if (range === undefined || range.start !== resumeAt || (range.total !== undefined && range.total !== size)) {
        await discardBody(response);
        if (++interruptions > maxInterruptions) throw networkError(what, new Error('the server keeps answering the wrong range'));
        await restart(`server answered range ${headerValue(response, 'content-range') ?? '(none)'} for bytes=${resumeAt}-`);
        continue;
      }
    } else if (response.status === 200 || (response.status === 206 && parseContentRange(headerValue(response, 'content-range'))?.start === 0)) {
      if (resumeAt > 0) await restart('server ignored Range and sent the whole blob');
    } else {
      throw httpStatusError(what, response.status, await readErrorBody(response));
    }
    const declared = Number(headerValue(response, 'content-length'));
    if (Number.isFinite(declared) && declared > size - received) {
      response.body.destroy();
      throw integrityError('PULL_SIZE_MISMATCH', `${what}: the server sends ${declared} bytes, more than the ${size - received} expected`);
    }
    const before = received;
    try {
      await readInto(response);
    } catch (error) {
      if (error instanceof SinkFailure) throw error.cause;
      if (GlassboxError.is(error) || isAbort(error)) throw error;
      const stalled = isStall(error);
      if (stalled && ++stalls > maxStalls) throw stalledError(`${what} at ${received} of ${size} bytes`, client.transport.options.stallTimeoutMs / 1000);
      interruptions = received > before ? 1 : interruptions + 1;
      if (interruptions > maxInterruptions) throw networkError(`${what} at ${received} of ${size} bytes`, error);
      options.onInterrupt?.({ kind: 'resume', at: received, reason: stalled ? 'stalled' : errorReason(error) });
      await sleep(received > before ? 0 : retryDelay(client.retry, interruptions, undefined), options.signal);
      continue;
    }
    if (received < size) {
      interruptions = received > before ? 1 : interruptions + 1;
      if (interruptions > maxInterruptions) throw networkError(what, new Error(`the body ended at ${received} of ${size} bytes`));
      options.onInterrupt?.({ kind: 'resume', at: received, reason: 'the body ended early' });
    }
  }
  const actual = `sha256:${hash.digest('hex')}`;
  if (actual !== digest) throw integrityError('PULL_DIGEST_MISMATCH', `${what}: received ${size} bytes hashing to ${actual}`);

  // Each chunk goes to the sink as it comes (the store gathers them into ~1 MiB writes). A byte
  // counts as received once the sink has it, so `received` is what a resume asks from.
  // 'data' events and no promise per chunk, not `for await`: the iterator's promises cost
  // ~10-20 ms of the main thread per 100 MB, time in which no socket is read. The body is paused
  // only while the sink makes the caller wait (BlobWriter.write).
  function readInto(response: HttpResponse): Promise<void> {
    const body = response.body;
    return new Promise<void>((resolve, reject) => {
      let finished = false;
      let writing = false;
      /** The body ended or failed while the sink was still taking its last chunk. */
      let endedWith: { error?: unknown } | undefined;
      const finish = (outcome: { error?: unknown }): void => {
        if (finished) return;
        finished = true;
        body.off('data', onData);
        if ('error' in outcome) reject(outcome.error);
        else resolve();
      };
      const fail = (error: unknown): void => {
        body.destroy();
        finish({ error });
      };
      const taken = (bytes: number): void => {
        received += bytes;
        options.onBytes?.(received);
      };
      const onData = (chunk: Buffer): void => {
        if (received + chunk.length > size) {
          fail(integrityError('PULL_SIZE_MISMATCH', `${what}: the server sent more than the declared ${size} bytes`));
          return;
        }
        hash.update(chunk);
        const wait = writer.write(chunk);
        if (wait === undefined) {
          taken(chunk.length);
          return;
        }
        body.pause();
        writing = true;
        wait.then(
          () => {
            writing = false;
            taken(chunk.length);
            if (endedWith !== undefined) finish(endedWith);
            else if (!finished) body.resume();
          },
          (error: unknown) => {
            // The disk, not the network (ENOSPC, EIO): resuming cannot help, and the hash has
            // already taken these bytes.
            writing = false;
            fail(new SinkFailure(error));
          },
        );
      };
      const end = (outcome: { error?: unknown }): void => {
        if (writing) endedWith ??= outcome;
        else finish(outcome);
      };
      body.on('data', onData);
      body.once('end', () => end({}));
      body.once('error', (error: unknown) => end({ error }));
      // Destroyed without an error (not by us): the caller sees fewer bytes than declared.
      body.once('close', () => end({}));
    });
  }
}

/** A write into the sink failed: thrown as it is, never retried as a network error. */
class SinkFailure {
  constructor(readonly cause: unknown) {}
}

/** `bytes 100-199/200` → {start: 100, end: 199, total: 200}; `*` total → undefined. */
export function parseContentRange(value: string | undefined): { start: number; end: number; total?: number } | undefined {
  const match = /^bytes (\d+)-(\d+)\/(\d+|\*)$/.exec(value?.trim() ?? '');
  if (!match) return undefined;
  const range = { start: Number(match[1]), end: Number(match[2]) };
  return match[3] === '*' ? range : { ...range, total: Number(match[3]) };
}
