import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { GlassboxError } from '../errors.js';

/**
Registry credentials from where `docker login` leaves them: `$DOCKER_CONFIG/config.json` (default
`~/.docker/config.json`), either inline (`auths.<host>.auth` = base64 `user:password`, or an
`identitytoken`) or in a credential helper (`credHelpers.<host>`, else `credsStore`), the
program `docker-credential-<name>` that answers `get` with JSON on stdout.
*/
export type Credentials =
  | { kind: 'basic'; username: string; password: string }
  | { kind: 'identity-token'; username: string; token: string };

export interface CredentialSource {
  /** Directory holding config.json; default `$DOCKER_CONFIG` or `~/.docker`. */
  configDir?: string;
  /** Environment for helpers (PATH finds `docker-credential-*`); default process.env. */
  env?: NodeJS.ProcessEnv;
}

interface DockerConfig {
  auths?: Record<string, { auth?: string; username?: string; password?: string; identitytoken?: string }>;
  credHelpers?: Record<string, string>;
  credsStore?: string;
}

const HUB_KEY = 'https://index.docker.io/v1/';
const HUB_ALIASES = ['docker.io', 'index.docker.io', 'registry-1.docker.io', HUB_KEY];

/** `https://index.docker.io/v1/` → `index.docker.io`, `http://localhost:5000` → `localhost:5000` */
export function configKeyHost(key: string): string {
  return key.replace(/^[a-z]+:\/\//i, '').replace(/\/.*$/, '').toLowerCase();
}

function keysFor(domain: string): string[] {
  return HUB_ALIASES.includes(domain) ? HUB_ALIASES.map(configKeyHost) : [domain.toLowerCase()];
}

export async function findCredentials(domain: string, source: CredentialSource = {}): Promise<Credentials | undefined> {
  const env = source.env ?? process.env;
  const dir = source.configDir ?? env.DOCKER_CONFIG ?? join(homedir(), '.docker');
  const config = await readDockerConfig(join(dir, 'config.json'));
  if (config === undefined) return undefined;
  const hosts = keysFor(domain);
  const helperKey = Object.keys(config.credHelpers ?? {}).find((key) => hosts.includes(configKeyHost(key)));
  const helper = helperKey === undefined ? config.credsStore : config.credHelpers![helperKey];
  if (helper) {
    const serverName = HUB_ALIASES.includes(domain) ? HUB_KEY : (helperKey ?? domain);
    const found = await runHelper(helper, serverName, env);
    if (found) return found;
  }
  const authKey = Object.keys(config.auths ?? {}).find((key) => hosts.includes(configKeyHost(key)));
  return authKey === undefined ? undefined : inlineCredentials(config.auths![authKey]!, authKey);
}

async function readDockerConfig(path: string): Promise<DockerConfig | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    return undefined;
  }
  try {
    return JSON.parse(text) as DockerConfig;
  } catch {
    throw new GlassboxError('PULL_CREDENTIALS', `${path} is not valid JSON`, { kind: 'user', hint: 'fix or remove the file' });
  }
}

function inlineCredentials(entry: NonNullable<DockerConfig['auths']>[string], key: string): Credentials | undefined {
  let { username, password } = entry;
  if (entry.auth) {
    const decoded = Buffer.from(entry.auth, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon === -1) {
      throw new GlassboxError('PULL_CREDENTIALS', `the auth entry for ${key} in config.json is not base64 of user:password`, {
        kind: 'user',
        hint: 'log in again with docker login',
      });
    }
    username = decoded.slice(0, colon);
    password = decoded.slice(colon + 1);
  }
  if (entry.identitytoken) return { kind: 'identity-token', username: username ?? '', token: entry.identitytoken };
  if (username !== undefined && password !== undefined) return { kind: 'basic', username, password };
  return undefined;
}

/** Runs `docker-credential-<helper> get` with the server on stdin. "not found" is no credentials, not an error. */
async function runHelper(helper: string, serverName: string, env: NodeJS.ProcessEnv): Promise<Credentials | undefined> {
  const program = `docker-credential-${helper}`;
  // Loaded only here: most pulls have no credential helper, and each builtin is start-up time.
  const { execFile } = await import('node:child_process');
  return new Promise((resolve, reject) => {
    const child = execFile(program, ['get'], { env, timeout: 30_000, maxBuffer: 1024 * 1024 }, (error, stdout) => {
      if (error) {
        if (/credentials not found/i.test(stdout)) return resolve(undefined);
        const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'it is not installed' : error.message.split('\n')[0];
        return reject(
          new GlassboxError('PULL_CREDENTIALS', `credential helper ${program} failed: ${reason}`, {
            kind: 'environment',
            hint: 'install the helper or remove it from ~/.docker/config.json',
          }),
        );
      }
      try {
        const answer = JSON.parse(stdout) as { Username?: string; Secret?: string };
        if (typeof answer.Secret !== 'string') return resolve(undefined);
        // Helpers mark identity tokens with the user name "<token>".
        if (answer.Username === '<token>') return resolve({ kind: 'identity-token', username: '', token: answer.Secret });
        resolve({ kind: 'basic', username: answer.Username ?? '', password: answer.Secret });
      } catch {
        reject(new GlassboxError('PULL_CREDENTIALS', `credential helper ${program} did not answer JSON`, { kind: 'environment' }));
      }
    });
    child.stdin?.end(serverName);
  });
}
