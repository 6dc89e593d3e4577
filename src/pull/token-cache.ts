/**
Bearer tokens by what they grant: realm, service, scopes and the identity that asked. A token is
reused until shortly before it expires (`issued_at + expires_in`, 60 s when the server omits it,
as the token spec says), and concurrent requests for the same token share one fetch.
*/
export interface CachedToken {
  token: string;
  /** ms since the epoch */
  expiresAt: number;
}

export const DEFAULT_TOKEN_LIFETIME_S = 60;

export class TokenCache {
  private readonly tokens = new Map<string, CachedToken>();
  private readonly pending = new Map<string, Promise<CachedToken>>();

  constructor(private readonly now: () => number = Date.now) {}

  static key(realm: string, service: string | undefined, scopes: readonly string[], identity: string): string {
    return JSON.stringify([realm, service ?? '', [...scopes].sort(), identity]);
  }

  get(key: string): string | undefined {
    const entry = this.tokens.get(key);
    if (entry === undefined) return undefined;
    if (this.now() >= entry.expiresAt) {
      this.tokens.delete(key);
      return undefined;
    }
    return entry.token;
  }

  /** The cached token, or the one `fetch` returns (shared by concurrent callers). */
  async getOrFetch(key: string, fetch: () => Promise<CachedToken>): Promise<string> {
    const cached = this.get(key);
    if (cached !== undefined) return cached;
    let pending = this.pending.get(key);
    if (pending === undefined) {
      pending = fetch().finally(() => this.pending.delete(key));
      this.pending.set(key, pending);
      const entry = await pending;
      this.tokens.set(key, entry);
      return entry.token;
    }
    return (await pending).token;
  }

  delete(key: string): void {
    this.tokens.delete(key);
  }

  get size(): number {
    return this.tokens.size;
  }
}

/**
When to stop using a token: a margin before its real expiry, a fifth of its life but at most
10 s, so a token is not sent in the last moment and rejected on arrival.
*/
export function tokenExpiry(issuedAtMs: number, expiresInS: number | undefined): number {
  const lifetimeMs = (expiresInS !== undefined && expiresInS > 0 ? expiresInS : DEFAULT_TOKEN_LIFETIME_S) * 1000;
  return issuedAtMs + lifetimeMs - Math.min(10_000, lifetimeMs / 5);
}
