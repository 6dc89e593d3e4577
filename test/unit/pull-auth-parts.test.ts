import { describe, expect, it } from 'vitest';
import { parseChallenges, pickChallenge } from '../../src/pull/auth-challenge.js';
import { parseTokenResponse } from '../../src/pull/registry-auth.js';
import { TokenCache, tokenExpiry } from '../../src/pull/token-cache.js';

describe('WWW-Authenticate', () => {
  it('reads Docker Hub’s Bearer challenge', () => {
    const header = 'Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/busybox:pull"';
    expect(parseChallenges(header)).toEqual([
      { scheme: 'bearer', params: { realm: 'https://auth.docker.io/token', service: 'registry.docker.io', scope: 'repository:library/busybox:pull' } },
    ]);
  });

  it('reads several challenges, bare tokens, escapes and insufficient_scope', () => {
    const header = 'Basic realm="a \\"quoted\\" realm", Bearer realm="https://t/x",service=reg,error="insufficient_scope",scope="repository:a:pull repository:b:pull"';
    const challenges = parseChallenges(header);
    expect(challenges).toEqual([
      { scheme: 'basic', params: { realm: 'a "quoted" realm' } },
      { scheme: 'bearer', params: { realm: 'https://t/x', service: 'reg', error: 'insufficient_scope', scope: 'repository:a:pull repository:b:pull' } },
    ]);
    expect(pickChallenge(challenges)?.scheme).toBe('bearer');
    expect(pickChallenge(parseChallenges(['Basic realm="r"']))?.scheme).toBe('basic');
    expect(pickChallenge(parseChallenges('Bearer service="no realm"'))).toBeUndefined();
    expect(parseChallenges(undefined)).toEqual([]);
    expect(parseChallenges('')).toEqual([]);
  });
});

describe('token cache', () => {
  it('keys by realm, service, scopes (in any order) and identity', () => {
    expect(TokenCache.key('r', 's', ['b', 'a'], 'u')).toBe(TokenCache.key('r', 's', ['a', 'b'], 'u'));
    expect(TokenCache.key('r', 's', ['a'], 'u')).not.toBe(TokenCache.key('r', 's', ['a'], ''));
  });

  it('reuses a token until its expiry and then fetches again', async () => {
    let now = 1_000_000;
    const cache = new TokenCache(() => now);
    let fetched = 0;
    const fetch = async () => ({ token: `t${++fetched}`, expiresAt: now + 1000 });
    expect(await cache.getOrFetch('k', fetch)).toBe('t1');
    now += 999;
    expect(await cache.getOrFetch('k', fetch)).toBe('t1');
    now += 1;
    expect(await cache.getOrFetch('k', fetch)).toBe('t2');
    cache.delete('k');
    expect(await cache.getOrFetch('k', fetch)).toBe('t3');
  });

  it('shares one fetch between concurrent callers, and forgets a failed one', async () => {
    const cache = new TokenCache();
    let fetched = 0;
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const fetch = async () => {
      fetched++;
      await gate;
      return { token: 'shared', expiresAt: Date.now() + 60_000 };
    };
    const all = Promise.all([cache.getOrFetch('k', fetch), cache.getOrFetch('k', fetch), cache.getOrFetch('k', fetch)]);
    release();
    expect(await all).toEqual(['shared', 'shared', 'shared']);
    expect(fetched).toBe(1);
    await expect(cache.getOrFetch('bad', async () => Promise.reject(new Error('down')))).rejects.toThrow('down');
    expect(await cache.getOrFetch('bad', async () => ({ token: 'ok', expiresAt: Date.now() + 60_000 }))).toBe('ok');
  });

  it('stops using a token a margin before it expires (a fifth of its life, at most 10 s)', () => {
    expect(tokenExpiry(0, 300)).toBe(290_000);
    expect(tokenExpiry(0, 5)).toBe(4_000);
    expect(tokenExpiry(0, undefined)).toBe(50_000);
    expect(tokenExpiry(0, 0)).toBe(50_000);
  });

  it('reads token responses', () => {
    const now = Date.parse('2024-01-01T00:00:00Z');
    expect(parseTokenResponse('{"token":"a","expires_in":300,"issued_at":"2024-01-01T00:00:00Z"}', now, 'o')).toEqual({ token: 'a', expiresAt: now + 290_000 });
    expect(parseTokenResponse('{"access_token":"b"}', now, 'o').token).toBe('b');
    // A server clock an hour off does not decide our expiry.
    expect(parseTokenResponse('{"token":"c","expires_in":60,"issued_at":"2024-01-01T01:00:00Z"}', now, 'o').expiresAt).toBe(now + 50_000);
    expect(() => parseTokenResponse('{"token":""}', now, 'https://auth')).toThrow(/https:\/\/auth answered without a token/);
    expect(() => parseTokenResponse('<html>', now, 'o')).toThrow(/did not answer JSON/);
  });
});
