import { GlassboxError } from '../errors.js';
import type { RegistryEndpoint } from '../oci/registry-host.js';
import type { Credentials } from './credentials.js';
import { sendFollowing, type FollowedResponse } from './follow-redirects.js';
import { discardBody, headerValue, isAbort, isStall, readErrorBody, type HttpTransport } from './http.js';
import { httpStatusError, networkError, stalledError } from './pull-errors.js';
import { RegistryAuth } from './registry-auth.js';
import { DEFAULT_RETRY, isRetryableStatus, parseRetryAfter, retryAfterTooLong, retryDelay, sleep, type RetryPolicy } from './retry.js';
import { TokenCache } from './token-cache.js';

/**
Talks the distribution API (`/v2/…`) to one registry: pings `/v2/` once to learn the auth
challenge, authorizes each request for its scopes, retries 429/5xx and broken connections with
backoff, and retries a 401 once with a fresh token (the token expired, or the registry wanted
a wider scope: `error="insufficient_scope"`).
*/
export interface RetryInfo {
  what: string;
  attempt: number;
  delayMs: number;
  reason: string;
}

export interface RegistryClientOptions {
  transport: HttpTransport;
  credentials?: Credentials;
  tokenCache?: TokenCache;
  retry?: RetryPolicy;
  onRetry?: (info: RetryInfo) => void;
}

export interface RegistryRequest {
  what: string;
  scopes: string[];
  method?: 'GET' | 'HEAD';
  headers?: Record<string, string>;
  signal?: AbortSignal;
}

export function pullScope(repository: string): string {
  return `repository:${repository}:pull`;
}

export class RegistryClient {
  readonly endpoint: RegistryEndpoint;
  readonly transport: HttpTransport;
  readonly retry: RetryPolicy;
  private readonly auth: RegistryAuth;
  private readonly onRetry: ((info: RetryInfo) => void) | undefined;
  private pinged: Promise<void> | undefined;

  constructor(endpoint: RegistryEndpoint, options: RegistryClientOptions) {
    this.endpoint = endpoint;
    this.transport = options.transport;
    this.retry = options.retry ?? DEFAULT_RETRY;
    this.onRetry = options.onRetry;
    this.auth = new RegistryAuth(options.transport, options.credentials, options.tokenCache ?? new TokenCache());
  }

  /** `GET /v2/`: 200 means no auth, 401 carries the challenge; anything else is a broken registry. */
  ping(signal?: AbortSignal): Promise<void> {
    this.pinged ??= this.withRetries({ what: `${this.endpoint.origin}/v2/`, scopes: [], ...(signal ? { signal } : {}) }, async () => {
      const { response } = await sendFollowing(this.transport, new URL('/v2/', this.endpoint.origin), {
        authOrigin: this.endpoint.origin,
        ...(signal ? { signal } : {}),
      });
      return { response, url: new URL('/v2/', this.endpoint.origin) };
    }).then(async ({ response }) => {
      if (response.status === 401) this.auth.setChallenge(response);
      if (response.status !== 200 && response.status !== 401) {
        throw httpStatusError(`${this.endpoint.origin}/v2/ (is this a registry?)`, response.status, await readErrorBody(response));
      }
      await discardBody(response);
    });
    this.pinged.catch(() => {
      this.pinged = undefined;
    });
    return this.pinged;
  }

  /** An authorized request to `path` (below the origin); the caller reads or discards the body. */
  async request(path: string, request: RegistryRequest): Promise<FollowedResponse> {
    await this.ping(request.signal);
    let scopes = request.scopes;
    for (let authTry = 0; ; authTry++) {
      const followed = await this.withRetries(request, async () => {
        const authorization = await this.auth.authorize(scopes, request.signal);
        return sendFollowing(this.transport, new URL(path, this.endpoint.origin), {
          method: request.method ?? 'GET',
          authOrigin: this.endpoint.origin,
          headers: request.headers ?? {},
          ...(authorization ? { authorization } : {}),
          ...(request.signal ? { signal: request.signal } : {}),
        });
      });
      if (followed.response.status !== 401 || authTry > 0) return followed;
      const challenge = this.auth.setChallenge(followed.response);
      if (challenge === undefined || (challenge.scheme === 'basic' && !this.auth.hasCredentials)) return followed;
      await discardBody(followed.response);
      this.auth.forget(scopes);
      // insufficient_scope names the scope it wanted: ask for ours and that one together.
      const wanted = challenge.params.scope?.split(' ').filter(Boolean) ?? [];
      scopes = [...new Set([...scopes, ...wanted])];
    }
  }

  /** Runs `send` again on 429/5xx and on connection failures, waiting as RetryPolicy says. */
  private async withRetries(request: RegistryRequest, send: () => Promise<FollowedResponse>): Promise<FollowedResponse> {
    for (let attempt = 1; ; attempt++) {
      let followed: FollowedResponse;
      try {
        followed = await send();
      } catch (error) {
        if (GlassboxError.is(error) || isAbort(error)) throw error;
        const stalled = isStall(error);
        if (attempt >= this.retry.attempts) {
          throw stalled ? stalledError(request.what, this.transport.options.stallTimeoutMs / 1000) : networkError(request.what, error);
        }
        const delayMs = retryDelay(this.retry, attempt, undefined);
        this.onRetry?.({ what: request.what, attempt, delayMs, reason: stalled ? 'stalled' : errorReason(error) });
        await sleep(delayMs, request.signal);
        continue;
      }
      const { response } = followed;
      if (!isRetryableStatus(response.status)) return followed;
      const retryAfterMs = parseRetryAfter(headerValue(response, 'retry-after'));
      if (attempt >= this.retry.attempts) return followed;
      if (retryAfterMs !== undefined && retryAfterMs > this.retry.maxRetryAfterMs) {
        await discardBody(response);
        throw retryAfterTooLong(request.what, retryAfterMs);
      }
      await discardBody(response);
      const delayMs = retryDelay(this.retry, attempt, retryAfterMs);
      this.onRetry?.({ what: request.what, attempt, delayMs, reason: `http ${response.status}` });
      await sleep(delayMs, request.signal);
    }
  }
}

export function errorReason(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  const message = error instanceof Error ? error.message : String(error);
  return typeof code === 'string' ? `${code}: ${message}` : message;
}
