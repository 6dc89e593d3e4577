import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { configKeyHost, findCredentials } from '../../src/pull/credentials.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function scratch(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), `glassbox-${prefix}-`));
  dirs.push(dir);
  return dir;
}

function configDir(config: object | string): string {
  const dir = scratch('dockercfg');
  writeFileSync(join(dir, 'config.json'), typeof config === 'string' ? config : JSON.stringify(config));
  return dir;
}

/** A docker-credential-<name> program that answers `get` with `answer` (and exits with `code`). */
function helperPath(name: string, answer: string, code = 0): NodeJS.ProcessEnv {
  const bin = scratch('helper');
  writeFileSync(join(bin, `docker-credential-${name}`), `#!/bin/sh\ncat >/dev/null\nprintf '%s' '${answer}'\nexit ${code}\n`);
  chmodSync(join(bin, `docker-credential-${name}`), 0o755);
  return { PATH: `${bin}:/usr/bin:/bin` };
}

const b64 = (text: string): string => Buffer.from(text).toString('base64');

describe('credentials from docker config', () => {
  it('normalizes config keys to hosts', () => {
    expect(configKeyHost('https://index.docker.io/v1/')).toBe('index.docker.io');
    expect(configKeyHost('http://Localhost:5000')).toBe('localhost:5000');
    expect(configKeyHost('ghcr.io')).toBe('ghcr.io');
  });

  it('finds Docker Hub under its legacy key, and decodes user:password with colons in the password', async () => {
    const dir = configDir({ auths: { 'https://index.docker.io/v1/': { auth: b64('me:pa:ss') } } });
    expect(await findCredentials('docker.io', { configDir: dir })).toEqual({ kind: 'basic', username: 'me', password: 'pa:ss' });
    expect(await findCredentials('ghcr.io', { configDir: dir })).toBeUndefined();
  });

  it('reads username/password fields and identity tokens', async () => {
    const dir = configDir({ auths: { 'r.example': { username: 'u', password: 'p' }, 'https://t.example/': { auth: b64('u2:'), identitytoken: 'refresh' } } });
    expect(await findCredentials('r.example', { configDir: dir })).toEqual({ kind: 'basic', username: 'u', password: 'p' });
    expect(await findCredentials('t.example', { configDir: dir })).toEqual({ kind: 'identity-token', username: 'u2', token: 'refresh' });
  });

  it('takes DOCKER_CONFIG from the environment, and no file means no credentials', async () => {
    const dir = configDir({ auths: { 'r.example': { auth: b64('a:b') } } });
    expect(await findCredentials('r.example', { env: { DOCKER_CONFIG: dir } })).toMatchObject({ username: 'a' });
    expect(await findCredentials('r.example', { configDir: scratch('empty') })).toBeUndefined();
  });

  it('refuses a broken config.json or auth entry', async () => {
    await expect(findCredentials('x', { configDir: configDir('{nope') })).rejects.toMatchObject({ code: 'PULL_CREDENTIALS' });
    await expect(findCredentials('x', { configDir: configDir({ auths: { x: { auth: b64('nocolon') } } }) })).rejects.toMatchObject({ code: 'PULL_CREDENTIALS' });
  });

  it('asks credHelpers first, then credsStore, then inline auths', async () => {
    const env = helperPath('fake', '{"Username":"helper-user","Secret":"s3cret"}');
    const dir = configDir({ credHelpers: { 'r.example': 'fake' }, auths: { 'r.example': { auth: b64('inline:x') } } });
    expect(await findCredentials('r.example', { configDir: dir, env })).toEqual({ kind: 'basic', username: 'helper-user', password: 's3cret' });
    const store = configDir({ credsStore: 'fake' });
    expect(await findCredentials('other.example', { configDir: store, env })).toMatchObject({ username: 'helper-user' });
  });

  it('treats a helper’s "not found" as no credentials and its <token> user as an identity token', async () => {
    const missing = helperPath('none', 'credentials not found in native keychain', 1);
    const dir = configDir({ credsStore: 'none', auths: { 'r.example': { auth: b64('inline:x') } } });
    expect(await findCredentials('r.example', { configDir: dir, env: missing })).toEqual({ kind: 'basic', username: 'inline', password: 'x' });
    const token = helperPath('tok', '{"Username":"<token>","Secret":"rt"}');
    expect(await findCredentials('r.example', { configDir: configDir({ credsStore: 'tok' }), env: token })).toEqual({ kind: 'identity-token', username: '', token: 'rt' });
  });

  it('says when a configured helper is not installed', async () => {
    const dir = configDir({ credsStore: 'no-such-helper-gbx' });
    await expect(findCredentials('r.example', { configDir: dir, env: { PATH: '/nonexistent' } })).rejects.toMatchObject({
      code: 'PULL_CREDENTIALS',
      message: 'credential helper docker-credential-no-such-helper-gbx failed: it is not installed',
    });
  });
});
