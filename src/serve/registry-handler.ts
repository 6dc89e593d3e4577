import fs from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { pipeline } from 'node:stream/promises';
import { isDigest } from '../oci/digest.js';
import type { ImageStore } from '../store/store.js';
import { parseRange } from './http-range.js';
import { sendRegistryError } from './registry-errors.js';
import { CachedRegistryView, type RepositoryView } from './registry-view.js';

/**
The read-only half of the distribution API (OCI distribution-spec "pull" plus listings):

  GET  /v2/                                   200 {}  (API version check)
  GET  /v2/_catalog                           repositories
  GET  /v2/<name>/tags/list                   tags, with ?n= and ?last= paging
  GET  /v2/<name>/manifests/<tag|digest>      Content-Type = the manifest's media type
  GET  /v2/<name>/blobs/<digest>              with Range (206) for resumed downloads
  HEAD on all of them; anything that writes   405 UNSUPPORTED

Manifests and blobs carry Docker-Content-Digest and an ETag; clients verify the bytes against
the digest anyway, and glassbox serves the stored file untouched.
*/
export interface RequestLog {
  method: string;
  path: string;
  status: number;
  bytes: number;
  ms: number;
}

const API_HEADERS = { 'Docker-Distribution-API-Version': 'registry/2.0' };
const NAME_RE = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*$/;
const TAG_RE = /^[\w][\w.-]{0,127}$/;

export function createRegistryHandler(store: ImageStore, onRequest?: (log: RequestLog) => void) {
  const views = new CachedRegistryView(store);
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const started = performance.now();
    const method = req.method ?? 'GET';
    const url = new URL(req.url ?? '/', 'http://registry.invalid');
    let bytes = 0;
    const closed = new Promise((resolve) => res.once('close', resolve));
    for (const [key, value] of Object.entries(API_HEADERS)) res.setHeader(key, value);
    const head = method === 'HEAD';
    try {
      if (method !== 'GET' && method !== 'HEAD') {
        res.setHeader('Allow', 'GET, HEAD');
        sendRegistryError(res, head, 'UNSUPPORTED', 'this registry is read-only (glassbox serve)');
        return;
      }
      bytes = await route(views.get().repositories, store, url, req, res, head);
    } catch (error) {
      if (!res.headersSent) {
        const body = Buffer.from(JSON.stringify({ errors: [{ code: 'UNKNOWN', message: 'unknown error', detail: error instanceof Error ? error.message : String(error) }] }));
        res.writeHead(500, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': body.length });
        res.end(head ? undefined : body);
      } else {
        res.destroy();
      }
    }
    // Logged once the response is out (or the client went away), with what was sent.
    await closed;
    onRequest?.({ method, path: url.pathname + url.search, status: res.statusCode, bytes, ms: performance.now() - started });
  };
}

async function route(
  repositories: Map<string, RepositoryView>,
  store: ImageStore,
  url: URL,
  req: IncomingMessage,
  res: ServerResponse,
  head: boolean,
): Promise<number> {
  const path = url.pathname;
  if (path === '/v2/' || path === '/v2') return sendJson(res, head, {});
  if (path === '/v2/_catalog') return sendPage(res, head, url, [...repositories.keys()].sort(), (items) => ({ repositories: items }));
  const match = /^\/v2\/(.+)\/(manifests|blobs)\/([^/]+)$/.exec(path) ?? /^\/v2\/(.+)\/(tags)\/list$/.exec(path);
  if (match === null) {
    return sendRegistryError(res, head, 'UNSUPPORTED', `no such endpoint: ${path}`, 404);
  }
  const [, name = '', kind = '', reference = ''] = match;
  if (!NAME_RE.test(name)) return sendRegistryError(res, head, 'NAME_INVALID', { name });
  const repository = repositories.get(name);
  if (repository === undefined) return sendRegistryError(res, head, 'NAME_UNKNOWN', { name });
  if (kind === 'tags') {
    return sendPage(res, head, url, [...repository.tags.keys()].sort(), (tags) => ({ name, tags }));
  }
  if (kind === 'manifests') return sendManifest(store, repository, reference, res, head);
  return sendBlob(store, repository, reference, req, res, head);
}

async function sendManifest(store: ImageStore, repository: RepositoryView, reference: string, res: ServerResponse, head: boolean): Promise<number> {
  let served;
  if (reference.includes(':')) {
    if (!isDigest(reference)) return sendRegistryError(res, head, 'DIGEST_INVALID', { digest: reference });
    const mediaType = repository.manifests.get(reference);
    if (mediaType !== undefined) served = { digest: reference, mediaType };
  } else {
    if (!TAG_RE.test(reference)) return sendRegistryError(res, head, 'TAG_INVALID', { tag: reference });
    served = repository.tags.get(reference);
  }
  if (served === undefined || !store.hasBlob(served.digest)) {
    return sendRegistryError(res, head, 'MANIFEST_UNKNOWN', { name: repository.name, reference });
  }
  const body = fs.readFileSync(store.blobPath(served.digest));
  res.writeHead(200, {
    'Content-Type': served.mediaType,
    'Content-Length': body.length,
    'Docker-Content-Digest': served.digest,
    ETag: `"${served.digest}"`,
  });
  res.end(head ? undefined : body);
  return head ? 0 : body.length;
}

async function sendBlob(store: ImageStore, repository: RepositoryView, digest: string, req: IncomingMessage, res: ServerResponse, head: boolean): Promise<number> {
  if (!isDigest(digest)) return sendRegistryError(res, head, 'DIGEST_INVALID', { digest });
  if (!repository.blobs.has(digest)) return sendRegistryError(res, head, 'BLOB_UNKNOWN', { digest });
  let handle: fs.promises.FileHandle;
  try {
    // Opened first: a concurrent rmi may unlink the file, but an open file stays readable.
    handle = await fs.promises.open(store.blobPath(digest), 'r');
  } catch {
    return sendRegistryError(res, head, 'BLOB_UNKNOWN', { digest });
  }
  try {
    const size = (await handle.stat()).size;
    const common = {
      'Content-Type': 'application/octet-stream',
      'Docker-Content-Digest': digest,
      ETag: `"${digest}"`,
      'Accept-Ranges': 'bytes',
      'Cache-Control': 'max-age=31536000',
    };
    const range = parseRange(req.headers.range, size);
    if (range.kind === 'unsatisfiable') {
      res.writeHead(416, { ...common, 'Content-Range': `bytes */${size}`, 'Content-Length': 0 });
      res.end();
      return 0;
    }
    const [start, end] = range.kind === 'partial' ? [range.start, range.end] : [0, size - 1];
    const length = size === 0 ? 0 : end - start + 1;
    const headers: Record<string, string | number> = { ...common, 'Content-Length': length };
    if (range.kind === 'partial') headers['Content-Range'] = `bytes ${start}-${end}/${size}`;
    res.writeHead(range.kind === 'partial' ? 206 : 200, headers);
    if (head || length === 0) {
      res.end();
      return 0;
    }
    await pipeline(handle.createReadStream({ start, end, autoClose: false }), res);
    return length;
  } finally {
    await handle.close();
  }
}

function sendJson(res: ServerResponse, head: boolean, value: unknown, extra: Record<string, string> = {}): number {
  const body = Buffer.from(JSON.stringify(value));
  res.writeHead(200, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': body.length, ...extra });
  res.end(head ? undefined : body);
  return head ? 0 : body.length;
}

/** `?n=` and `?last=` paging with a Link header to the next page, as the spec describes. */
function sendPage(res: ServerResponse, head: boolean, url: URL, all: string[], wrap: (items: string[]) => unknown): number {
  const last = url.searchParams.get('last');
  const nText = url.searchParams.get('n');
  const n = nText === null ? undefined : Number(nText);
  if (n !== undefined && (!Number.isSafeInteger(n) || n < 0)) return sendRegistryError(res, head, 'PAGINATION_NUMBER_INVALID', { n: nText });
  const after = last === null ? all : all.filter((item) => item > last);
  const page = n === undefined ? after : after.slice(0, n);
  const extra: Record<string, string> = {};
  if (n !== undefined && after.length > page.length && page.length > 0) {
    const next = new URLSearchParams({ n: String(n), last: page[page.length - 1]! });
    extra.Link = `<${url.pathname}?${next}>; rel="next"`;
  }
  return sendJson(res, head, wrap(page), extra);
}
