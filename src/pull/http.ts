import { createRequire } from 'node:module';
import path from 'node:path';
import type { Readable } from 'node:stream';
import v8 from 'node:v8';
import type { Agent, Dispatcher } from 'undici';
import { packageRoot } from '../package-root.js';

/**
The one place glassbox opens HTTP connections (undici, the lint rule keeps it here).
Redirects are not followed by the transport: the registry client follows them itself so that
it can drop credentials when a redirect leaves the registry's origin.
*/

type RequestFunction = (this: Dispatcher, options: Dispatcher.RequestOptions) => Promise<Dispatcher.ResponseData>;

export interface UndiciParts {
  Agent: typeof Agent;
  request: RequestFunction;
  /**
  `parts`: the two modules used; `package`: undici's index, after a layout change; `bundle`: the
  two modules, built into the CLI bundle.
  */
  from: 'parts' | 'package' | 'bundle';
}

/** `require`, in the CLI bundle only; undefined in the ES modules. */
declare const __glassboxBundleRequire: NodeJS.Require | undefined;

let undici: UndiciParts | undefined;

/**
undici's index loads all of it (fetch, WebSocket, caches, mocks, a SQLite store: ~110
modules, ~200 ms of CPU, more than a quarter of a whole `glassbox pull` of 100 MB). The
pull needs the Agent and `request`, which load ~20. undici has no `exports` map, so the
files can be required by path; should a release move them, the whole package still works.
*/
export function loadUndici(): UndiciParts {
  if (undici !== undefined) return undici;
  // In the CLI bundle the two modules are inside it (scripts/build-bundle.mjs defines
  // __glassboxBundleRequire as require, so esbuild takes these calls in): they then load from
  // the bundle's bytecode cache like the rest of `pull`, not as ~20 files compiled on each run.
  if (typeof __glassboxBundleRequire === 'function') {
    undici = {
      Agent: __glassboxBundleRequire('undici/lib/dispatcher/agent.js') as typeof Agent,
      request: __glassboxBundleRequire('undici/lib/api/api-request.js') as RequestFunction,
      from: 'bundle',
    };
    return undici;
  }
  const requireFromPackage = createRequire(path.join(packageRoot(), 'package.json'));
  try {
    undici = {
      Agent: requireFromPackage('undici/lib/dispatcher/agent.js') as typeof Agent,
      request: requireFromPackage('undici/lib/api/api-request.js') as RequestFunction,
      from: 'parts',
    };
  } catch {
    const whole = requireFromPackage('undici') as typeof import('undici');
    undici = { Agent: whole.Agent, request: whole.Dispatcher.prototype.request as RequestFunction, from: 'package' };
  }
  return undici;
}
export interface HttpTransportOptions {
  /** No response headers, or no body bytes, for this long: the request fails as stalled. */
  stallTimeoutMs: number;
  /** Connections per origin: parallel layer downloads each need one. */
  connections: number;
  userAgent: string;
}

export interface HttpResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Readable & { text(): Promise<string>; dump(opts?: { limit: number }): Promise<void> };
}

export interface HttpRequest {
  method?: 'GET' | 'HEAD' | 'POST';
  headers?: Record<string, string>;
  body?: string;
  signal?: AbortSignal;
}

/**
For a process that exists to pull (the `pull` command): its next request turns V8's flag on.
undici parses HTTP with llhttp compiled to WebAssembly, whose core is one large state-machine
function. V8 runs it as baseline (Liftoff) code at once and then recompiles it with its
optimizing compiler in the background: ~100 ms of CPU in every process (measured on a pull
of 8 MB and of 100 MB), more than the faster code gives back, since the parser only steps over
body bytes once per 64 KiB read. V8 reads the flag when it compiles a module (undici compiles
llhttp on its first connection), and it is process-wide: ask for it only where nothing else runs
hot WebAssembly. It is set as late as it can be, at the first request: with any V8 flag changed,
V8 refuses the code cache Node keeps for its own modules, and each one loaded afterwards compiles
from source (measured: node:crypto 4 -> 11 ms, node:http2 6 -> 20 ms).
*/
export function skipWasmTierUp(): void {
  tierUpSkipAsked = true;
}

let tierUpSkipAsked = false;

function applyTierUpSkip(): void {
  if (!tierUpSkipAsked) return;
  tierUpSkipAsked = false;
  v8.setFlagsFromString('--liftoff-only');
  // Back to V8's defaults at exit (--liftoff-only also turned both tier-ups off), before the CLI
  // bundle's entry takes its bytecode cache (scripts/bundle-entry.cjs, an earlier 'exit'
  // listener, hence prepend): V8 stamps a cache with the flags of that moment, and the next
  // process starts without this one.
  process.prependOnceListener('exit', () => v8.setFlagsFromString('--no-liftoff-only --wasm-tier-up --wasm-dynamic-tiering'));
}

export const DEFAULT_HTTP_OPTIONS: HttpTransportOptions = {
  stallTimeoutMs: 30_000,
  connections: 6,
  userAgent: 'glassbox',
};

export class HttpTransport {
  readonly options: HttpTransportOptions;
  private readonly agent: Agent;
  private readonly send: RequestFunction;

  constructor(options: Partial<HttpTransportOptions> = {}) {
    this.options = { ...DEFAULT_HTTP_OPTIONS, ...options };
    const { Agent, request } = loadUndici();
    this.send = request;
    this.agent = new Agent({
      connections: this.options.connections,
      headersTimeout: this.options.stallTimeoutMs,
      bodyTimeout: this.options.stallTimeoutMs,
      connect: { timeout: this.options.stallTimeoutMs },
    });
  }

  async request(url: URL, init: HttpRequest = {}): Promise<HttpResponse> {
    applyTierUpSkip();
    const response = await this.send.call(this.agent, {
      origin: url.origin,
      path: `${url.pathname}${url.search}`,
      method: init.method ?? 'GET',
      headers: { 'user-agent': this.options.userAgent, ...init.headers },
      body: init.body ?? null,
      signal: init.signal ?? null,
    });
    return { status: response.statusCode, headers: response.headers, body: response.body as unknown as HttpResponse['body'] };
  }

  /**
  Closes every connection now. Not undici's graceful close(), which waits for the server to
  close each idle keep-alive socket: ~3 ms at the end of every pull, for nothing, since nothing
  is in flight when a pull closes its transport (or it is failing, and its requests go too).
  */
  async close(): Promise<void> {
    await this.agent.destroy();
  }
}

/** A header's single value (the first when repeated), lowercase name. */
export function headerValue(response: HttpResponse, name: string): string | undefined {
  const value = response.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** Discards a body we will not read, so the connection goes back to the pool. */
export async function discardBody(response: HttpResponse): Promise<void> {
  await response.body.dump({ limit: 64 * 1024 }).catch(() => undefined);
}

/** Reads a small body as text for an error message; never more than `limit` bytes. */
export async function readErrorBody(response: HttpResponse, limit = 16 * 1024): Promise<string> {
  let text = '';
  try {
    for await (const chunk of response.body) {
      text += Buffer.from(chunk as Uint8Array).toString('utf8');
      if (text.length >= limit) {
        response.body.destroy();
        break;
      }
    }
  } catch {
    // The error status is what matters; a broken error body is not.
  }
  return text.slice(0, limit);
}

/** Undici's names for a connection that stopped sending. */
export function isStall(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === 'UND_ERR_BODY_TIMEOUT' || code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_CONNECT_TIMEOUT';
}

export function isAbort(error: unknown): boolean {
  const e = error as { name?: unknown; code?: unknown } | null;
  return e?.name === 'AbortError' || e?.code === 'UND_ERR_ABORTED' || e?.code === 'ABORT_ERR';
}
