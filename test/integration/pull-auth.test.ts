/**
Auth against the real registry: Basic (htpasswd) and token auth (Docker's Bearer flow, with
the token server in test/helpers), credentials read from a real config.json and a real
credential helper program, token caching and expiry, the insufficient_scope retry, and no
credentials sent to another origin after a redirect.
*/
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { MemorySink, pullImage, TokenCache, type PullOptions } from '../../src/pull/index.js';
import { describeWithRegistry, processAlive, startRegistry, USERS, type TestRegistry } from '../helpers/registry.js';
import { pushAuthorization, pushFixtures, type Fixtures } from '../helpers/fixture-images.js';
import { startFaultProxy, startRedirectTarget, type FaultProxy } from '../helpers/fault-proxy.js';

const RETRY: PullOptions['retry'] = { attempts: 3, baseDelayMs: 20, maxDelayMs: 100, maxRetryAfterMs: 5000 };
const reader = { kind: 'basic' as const, ...USERS.reader };

const scratch: string[] = [];
afterEach(() => {
  for (const dir of scratch.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function dockerConfigDir(config: object): string {
  const dir = mkdtempSync(join(tmpdir(), 'glassbox-dockercfg-'));
  scratch.push(dir);
  writeFileSync(join(dir, 'config.json'), JSON.stringify(config));
  return dir;
}

async function stopAll(registry: TestRegistry | undefined, proxy: FaultProxy | undefined): Promise<void> {
  await proxy?.stop();
  const pid = registry?.pid;
  await registry?.stop();
  if (pid !== undefined) expect(processAlive(pid)).toBe(false);
}

describeWithRegistry('pull with Basic auth', 'basic', () => {
  let registry: TestRegistry;
  let proxy: FaultProxy;
  let fixtures: Fixtures;
  beforeAll(async () => {
    registry = await startRegistry({ auth: 'basic' });
    fixtures = await pushFixtures(registry);
    proxy = await startFaultProxy(registry.origin);
  });
  afterAll(() => stopAll(registry, proxy));
  afterEach(() => proxy.clearRules());

  const ref = (): string => `${proxy.host}/${fixtures.repo('oci')}:v1`;

  it('answers the /v2/ challenge with the credentials from config.json', async () => {
    const auth = Buffer.from(`${USERS.reader.username}:${USERS.reader.password}`).toString('base64');
    const configDir = dockerConfigDir({ auths: { [`http://${proxy.host}`]: { auth } } });
    const from = proxy.requests.length;
    const result = await pullImage(ref(), new MemorySink(), { retry: RETRY, credentialSource: { configDir } });
    expect(result.manifest.digest).toBe(fixtures.oci.manifest.descriptor.digest);
    const seen = proxy.requests.slice(from);
    expect(seen[0]).toMatchObject({ path: '/v2/', authorization: undefined, status: 401 });
    expect(seen.slice(1).every((r) => r.authorization === `Basic ${auth}` && r.status === 200)).toBe(true);
  });

  it('asks a credential helper program, as docker does', async () => {
    const bin = mkdtempSync(join(tmpdir(), 'glassbox-helper-'));
    scratch.push(bin);
    const asked = join(bin, 'asked');
    writeFileSync(
      join(bin, 'docker-credential-gbxtest'),
      `#!/bin/sh\n[ "$1" = get ] || exit 1\ncat > '${asked}'\nprintf '{"ServerURL":"x","Username":"${USERS.reader.username}","Secret":"${USERS.reader.password}"}'\n`,
    );
    chmodSync(join(bin, 'docker-credential-gbxtest'), 0o755);
    const configDir = dockerConfigDir({ credHelpers: { [proxy.host]: 'gbxtest' } });
    const env = { ...process.env, PATH: `${bin}:${process.env.PATH ?? ''}` };
    const result = await pullImage(ref(), new MemorySink(), { retry: RETRY, credentialSource: { configDir, env } });
    expect(result.manifest.digest).toBe(fixtures.oci.manifest.descriptor.digest);
    expect(readFileSync(asked, 'utf8')).toBe(proxy.host);
  });

  it('refuses wrong or missing credentials with a hint to log in', async () => {
    const wrong = pullImage(ref(), new MemorySink(), { retry: RETRY, credentials: { kind: 'basic', username: 'reader', password: 'wrong' } });
    await expect(wrong).rejects.toMatchObject({ code: 'PULL_UNAUTHORIZED', hint: expect.stringContaining('docker login') });
    const none = pullImage(ref(), new MemorySink(), { retry: RETRY, credentials: null });
    await expect(none).rejects.toMatchObject({ code: 'PULL_UNAUTHORIZED' });
  });

  it('never sends the registry credentials to another origin after a redirect', async () => {
    const cdn = await startRedirectTarget(registry.origin, () => pushAuthorization(registry, fixtures.repo('oci')));
    try {
      proxy.addRule({ path: /\/blobs\/sha256:/, action: { kind: 'redirect', to: cdn.origin } });
      const sink = new MemorySink();
      const result = await pullImage(ref(), sink, { retry: RETRY, credentials: reader });
      expect(sink.blobs.get(fixtures.oci.layers[0]!.descriptor.digest)?.equals(fixtures.oci.layers[0]!.bytes)).toBe(true);
      // config + 3 layers came from the other origin, none with an Authorization header...
      expect(cdn.requests).toHaveLength(1 + result.layers.length);
      expect(cdn.requests.map((r) => r.authorization)).toEqual(cdn.requests.map(() => undefined));
      // ...while the registry's own origin did get them.
      const redirected = proxy.requests.filter((r) => r.fault === 'redirect');
      expect(redirected.every((r) => r.authorization?.startsWith('Basic '))).toBe(true);
    } finally {
      await cdn.stop();
    }
  });
});

describeWithRegistry('pull with token auth', 'token', () => {
  let registry: TestRegistry;
  let proxy: FaultProxy;
  let fixtures: Fixtures;
  let publicFixtures: Fixtures;
  beforeAll(async () => {
    registry = await startRegistry({ auth: 'token' });
    fixtures = await pushFixtures(registry, 'private');
    publicFixtures = await pushFixtures(registry, 'public');
    proxy = await startFaultProxy(registry.origin);
  });
  afterAll(() => stopAll(registry, proxy));
  afterEach(() => {
    proxy.clearRules();
    registry.token!.options.expiresIn = 300;
    registry.token!.options.narrowFirst = false;
  });

  const tokenRequests = () => registry.token!.requests;

  it('pulls a public image anonymously with a pull-scoped token', async () => {
    const from = tokenRequests().length;
    const result = await pullImage(`${proxy.host}/${publicFixtures.repo('oci')}:v1`, new MemorySink(), { retry: RETRY, credentials: null });
    expect(result.manifest.digest).toBe(publicFixtures.oci.manifest.descriptor.digest);
    const asked = tokenRequests().slice(from);
    expect(asked).toEqual([{ user: undefined, scopes: ['repository:public/oci:pull'], granted: [{ type: 'repository', name: 'public/oci', actions: ['pull'] }], status: 200 }]);
    expect(proxy.requests.filter((r) => r.path.includes('/public/oci/')).every((r) => r.authorization?.startsWith('Bearer '))).toBe(true);
  });

  it('refuses a private image to an anonymous user, after one retry', async () => {
    const from = proxy.requests.length;
    const error = await pullImage(`${proxy.host}/${fixtures.repo('docker')}:v1`, new MemorySink(), { retry: RETRY, credentials: null }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'PULL_UNAUTHORIZED' });
    const manifestTries = proxy.requests.slice(from).filter((r) => r.path.includes('/manifests/'));
    expect(manifestTries.map((r) => r.status)).toEqual([401, 401]);
  });

  it('sends the user’s credentials to the token server and pulls a private image', async () => {
    const from = tokenRequests().length;
    await pullImage(`${proxy.host}/${fixtures.repo('docker')}:v1`, new MemorySink(), { retry: RETRY, credentials: reader });
    expect(tokenRequests().slice(from).map((r) => r.user)).toEqual(['reader']);
  });

  it('exchanges an identity token (OAuth2 refresh token) for an access token', async () => {
    const from = tokenRequests().length;
    await pullImage(`${proxy.host}/${fixtures.repo('oci')}:v1`, new MemorySink(), {
      retry: RETRY,
      credentials: { kind: 'identity-token', username: '', token: 'refresh-reader' },
    });
    expect(tokenRequests().slice(from).map((r) => [r.user, r.status])).toEqual([['reader', 200]]);
  });

  it('retries a token server that answers 503', async () => {
    const realm = new URL(registry.token!.realm);
    // The registry's challenge names the realm; put the proxy in front of the token server instead.
    const tokenProxy = await startFaultProxy(realm.origin);
    const registryProxy = await startFaultProxy(registry.origin);
    try {
      registryProxy.addRule({
        path: /^\/v2\/$/,
        times: 1,
        action: {
          kind: 'respond',
          status: 401,
          headers: { 'www-authenticate': `Bearer realm="${tokenProxy.origin}${realm.pathname}",service="${registry.token!.service}"` },
          body: '',
        },
      });
      tokenProxy.addRule({ path: /^\/token/, times: 2, action: { kind: 'status', status: 503, retryAfter: '0' } });
      const result = await pullImage(`${registryProxy.host}/${publicFixtures.repo('docker')}:v1`, new MemorySink(), { retry: RETRY, credentials: null });
      expect(result.manifest.digest).toBe(publicFixtures.docker.manifest.descriptor.digest);
      expect(tokenProxy.requests.map((r) => r.status)).toEqual([503, 503, 200]);
    } finally {
      await registryProxy.stop();
      await tokenProxy.stop();
    }
  });

  it('caches tokens until shortly before they expire', async () => {
    registry.token!.options.expiresIn = 2;
    const cache = new TokenCache();
    const options: PullOptions = { retry: RETRY, credentials: reader, tokenCache: cache };
    const image = `${proxy.host}/${fixtures.repo('big')}:v1`;
    const from = tokenRequests().length;
    await pullImage(image, new MemorySink(), options);
    expect(tokenRequests().length - from).toBe(1);
    await pullImage(image, new MemorySink(), options);
    expect(tokenRequests().length - from).toBe(1);
    await new Promise((resolve) => setTimeout(resolve, 2100));
    await pullImage(image, new MemorySink(), options);
    expect(tokenRequests().length - from).toBe(2);
  });

  it('asks again once when the registry answers insufficient_scope', async () => {
    registry.token!.options.narrowFirst = true;
    const from = tokenRequests().length;
    const proxyFrom = proxy.requests.length;
    const result = await pullImage(`${proxy.host}/${fixtures.repo('multi')}:v1`, new MemorySink(), { retry: RETRY, credentials: reader });
    expect(result.manifest.digest).toBe(fixtures.multi.amd64.manifest.descriptor.digest);
    const asked = tokenRequests().slice(from);
    expect(asked.map((r) => r.granted[0]?.actions ?? [])).toEqual([[], ['pull']]);
    const first = proxy.requests.slice(proxyFrom).find((r) => r.path.includes('/manifests/'));
    expect(first?.status).toBe(401);
  });
});
