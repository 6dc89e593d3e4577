import { GlassboxError } from '../errors.js';
import { pickChallenge, parseChallenges, type AuthChallenge } from './auth-challenge.js';
import type { Credentials } from './credentials.js';
import { readErrorBody, type HttpResponse, type HttpTransport } from './http.js';
import { registryErrorDetail } from './pull-errors.js';
import { sendFollowing } from './follow-redirects.js';
import { isRetryableStatus } from './retry.js';
import { TokenCache, tokenExpiry, type CachedToken } from './token-cache.js';

/**
Answers a registry's challenge. The registry says how in `WWW-Authenticate` on `/v2/`:
- nothing (200): no auth;
- Basic: the user's credentials on every request;
- Bearer (Docker Hub, ghcr, distribution with token auth): a token from `realm`, asked for
  with `service` and the scopes the request needs (`repository:library/busybox:pull`), sent
  anonymously or with the user's credentials. Tokens are cached until they expire.
*/
export class RegistryAuth {
  private challenge: AuthChallenge | undefined;

  constructor(
    private readonly transport: HttpTransport,
    private readonly credentials: Credentials | undefined,
    private readonly cache: TokenCache,
  ) {}

  /** Records what the registry asked for (from `/v2/` or a 401). */
  setChallenge(response: HttpResponse): AuthChallenge | undefined {
    const found = pickChallenge(parseChallenges(response.headers['www-authenticate']));
    if (found) this.challenge = found;
    return found;
  }

  get scheme(): string | undefined {
    return this.challenge?.scheme;
  }

  get hasCredentials(): boolean {
    return this.credentials !== undefined;
  }

  /** The Authorization header value for a request needing `scopes`, or undefined for none. */
  async authorize(scopes: readonly string[], signal?: AbortSignal): Promise<string | undefined> {
    const challenge = this.challenge;
    if (challenge === undefined) return undefined;
    if (challenge.scheme === 'basic') {
      const c = this.credentials;
      if (c === undefined || c.kind !== 'basic') return undefined;
      return `Basic ${Buffer.from(`${c.username}:${c.password}`).toString('base64')}`;
    }
    const key = this.tokenKey(challenge, scopes);
    return `Bearer ${await this.cache.getOrFetch(key, () => this.fetchToken(challenge, scopes, signal))}`;
  }

  /** Forgets the token for `scopes` (the registry refused it: expired or revoked). */
  forget(scopes: readonly string[]): void {
    if (this.challenge?.scheme === 'bearer') this.cache.delete(this.tokenKey(this.challenge, scopes));
  }

  private tokenKey(challenge: AuthChallenge, scopes: readonly string[]): string {
    const identity = this.credentials === undefined ? '' : this.credentials.username;
    return TokenCache.key(challenge.params.realm ?? '', challenge.params.service, scopes, identity);
  }

  private async fetchToken(challenge: AuthChallenge, scopes: readonly string[], signal?: AbortSignal): Promise<CachedToken> {
    const realm = parseRealm(challenge.params.realm);
    const service = challenge.params.service;
    const issuedLocally = Date.now();
    const c = this.credentials;
    let response: HttpResponse;
    if (c?.kind === 'identity-token') {
      // An identity token is an OAuth2 refresh token: it is exchanged with a POST (Docker's flow).
      const form = new URLSearchParams({ grant_type: 'refresh_token', client_id: 'glassbox', refresh_token: c.token });
      if (service) form.set('service', service);
      if (scopes.length > 0) form.set('scope', scopes.join(' '));
      ({ response } = await sendFollowing(this.transport, realm, {
        method: 'POST',
        authOrigin: realm.origin,
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: form.toString(),
        ...(signal ? { signal } : {}),
      }));
    } else {
      const url = new URL(realm);
      if (service) url.searchParams.set('service', service);
      for (const scope of scopes) url.searchParams.append('scope', scope);
      const authorization = c?.kind === 'basic' ? `Basic ${Buffer.from(`${c.username}:${c.password}`).toString('base64')}` : undefined;
      ({ response } = await sendFollowing(this.transport, url, {
        authOrigin: realm.origin,
        ...(authorization ? { authorization } : {}),
        ...(signal ? { signal } : {}),
      }));
    }
    const text = await readErrorBody(response, 1024 * 1024);
    // Not a GlassboxError: the registry client retries it like a dropped connection.
    if (isRetryableStatus(response.status)) throw new Error(`token server ${realm.origin} answered ${response.status}`);
    if (response.status !== 200) {
      const detail = registryErrorDetail(text);
      throw new GlassboxError('PULL_UNAUTHORIZED', `token server ${realm.origin} answered ${response.status}${detail ? ` (${detail})` : ''}`, {
        kind: 'user',
        hint: c ? 'the credentials in ~/.docker/config.json were refused: log in again' : 'the registry needs a login: docker login, then pull again',
      });
    }
    return parseTokenResponse(text, issuedLocally, realm.origin);
  }
}

function parseRealm(realm: string | undefined): URL {
  try {
    const url = new URL(realm ?? '');
    if (url.protocol === 'http:' || url.protocol === 'https:') return url;
  } catch {
    // fall through
  }
  throw new GlassboxError('PULL_AUTH_CHALLENGE', `registry asked for a token from an unusable realm ${JSON.stringify(realm)}`, {
    kind: 'environment',
  });
}

export function parseTokenResponse(text: string, issuedLocally: number, origin: string): CachedToken {
  let body: { token?: unknown; access_token?: unknown; expires_in?: unknown; issued_at?: unknown };
  try {
    body = JSON.parse(text) as typeof body;
  } catch {
    throw new GlassboxError('PULL_AUTH_CHALLENGE', `token server ${origin} did not answer JSON`, { kind: 'environment' });
  }
  const token = typeof body.token === 'string' && body.token !== '' ? body.token : body.access_token;
  if (typeof token !== 'string' || token === '') {
    throw new GlassboxError('PULL_AUTH_CHALLENGE', `token server ${origin} answered without a token`, { kind: 'environment' });
  }
  // issued_at is the server's clock; ours decides expiry unless theirs is plausible (clock skew).
  const issued = typeof body.issued_at === 'string' ? Date.parse(body.issued_at) : NaN;
  const start = Number.isNaN(issued) || Math.abs(issued - issuedLocally) > 60_000 ? issuedLocally : issued;
  const expiresIn = typeof body.expires_in === 'number' ? body.expires_in : undefined;
  return { token, expiresAt: tokenExpiry(start, expiresIn) };
}
