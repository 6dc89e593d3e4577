/**
Starts the real CNCF distribution registry (Debian's `docker-registry`) for a test: on
127.0.0.1 with a port the kernel picks (read back from its log), storage in a temp dir, with
no auth, Basic auth (htpasswd, bcrypt) or token auth (token-server.ts). Never the system
service: our own config file, our own process, killed by pid in stop().
*/
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'vitest';
import { startTokenServer, type TokenServer, type TokenServerOptions } from './token-server.js';

export type RegistryAuthMode = 'none' | 'basic' | 'token';

export interface TestUser {
  username: string;
  password: string;
}

/** `pusher` may push and pull everything; `reader` may pull everything; anonymous may pull `public/*` (token mode). */
export const USERS = {
  pusher: { username: 'pusher', password: 'push-secret' },
  reader: { username: 'reader', password: 'read-secret' },
} satisfies Record<string, TestUser>;

export interface TestRegistry {
  /** `http://127.0.0.1:<port>` */
  origin: string;
  /** `127.0.0.1:<port>`: the domain in references */
  host: string;
  auth: RegistryAuthMode;
  dir: string;
  pid: number;
  token?: TokenServer;
  stop(): Promise<void>;
}

export interface RegistryOptions {
  auth?: RegistryAuthMode;
  token?: Partial<TokenServerOptions>;
}

const REQUIRE = process.env.GLASSBOX_REQUIRE_REAL === '1';

/** Why the real registry cannot run here, or undefined when it can. */
export function registryUnavailable(auth: RegistryAuthMode = 'none'): string | undefined {
  if (spawnSync('docker-registry', ['--version'], { stdio: 'ignore' }).status !== 0) {
    return 'docker-registry is not installed (apt-get install docker-registry; scripts/install-system-deps.sh)';
  }
  if (auth === 'basic' && spawnSync('htpasswd', ['-h'], { stdio: 'ignore' }).error) return 'htpasswd is not installed (apt-get install apache2-utils)';
  if (auth === 'token' && spawnSync('openssl', ['version'], { stdio: 'ignore' }).status !== 0) return 'openssl is not installed';
  return undefined;
}

/** skip (with the reason) or, under GLASSBOX_REQUIRE_REAL=1, fail. */
export function registryGate(auth: RegistryAuthMode = 'none'): { run: true } | { run: false; reason: string; fail: boolean } {
  const reason = registryUnavailable(auth);
  return reason === undefined ? { run: true } : { run: false, reason, fail: REQUIRE };
}

export async function startRegistry(options: RegistryOptions = {}): Promise<TestRegistry> {
  const auth = options.auth ?? 'none';
  const dir = mkdtempSync(join(tmpdir(), 'glassbox-registry-'));
  let token: TokenServer | undefined;
  let child: ChildProcess | undefined;
  const stop = async (): Promise<void> => {
    if (child) await killChild(child);
    if (token) await token.stop();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    let authConfig = '';
    if (auth === 'basic') {
      const lines = Object.values(USERS).map((u) => {
        const out = spawnSync('htpasswd', ['-Bbn', u.username, u.password], { encoding: 'utf8' });
        if (out.status !== 0) throw new Error(`htpasswd failed: ${out.stderr}`);
        return out.stdout.trim();
      });
      writeFileSync(join(dir, 'htpasswd'), `${lines.join('\n')}\n`);
      authConfig = `auth:\n  htpasswd:\n    realm: glassbox-test\n    path: ${join(dir, 'htpasswd')}\n`;
    } else if (auth === 'token') {
      token = await startTokenServer(dir, {
        users: Object.fromEntries(Object.values(USERS).map((u) => [u.username, u.password])),
        policy: (user, repository) => (user === 'pusher' ? ['pull', 'push'] : user === 'reader' || repository.startsWith('public/') ? ['pull'] : []),
        ...options.token,
      });
      authConfig = [
        'auth:',
        '  token:',
        `    realm: ${token.realm}`,
        `    service: ${token.service}`,
        `    issuer: ${token.issuer}`,
        `    rootcertbundle: ${token.certPath}`,
        '',
      ].join('\n');
    }
    const config = [
      'version: 0.1',
      'log:',
      '  level: info',
      '  accesslog:',
      '    disabled: true',
      'storage:',
      '  filesystem:',
      `    rootdirectory: ${join(dir, 'data')}`,
      '  delete:',
      '    enabled: true',
      'http:',
      '  addr: 127.0.0.1:0',
      `  secret: glassbox-test-${process.pid}`,
      authConfig,
    ].join('\n');
    writeFileSync(join(dir, 'config.yml'), config);
    child = spawn('docker-registry', ['serve', join(dir, 'config.yml')], { stdio: ['ignore', 'pipe', 'pipe'] });
    const host = await waitForListening(child);
    return { origin: `http://${host}`, host, auth, dir, pid: child.pid!, ...(token ? { token } : {}), stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** The registry logs `listening on 127.0.0.1:<port>` once its socket is bound. */
function waitForListening(child: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    let log = '';
    const timer = setTimeout(() => fail(new Error(`docker-registry did not start in 10 s:\n${log}`)), 10_000);
    const fail = (error: Error): void => {
      clearTimeout(timer);
      reject(error);
    };
    const onData = (data: Buffer): void => {
      log += data.toString();
      const match = /listening on (127\.0\.0\.1:\d+)/.exec(log);
      if (match) {
        clearTimeout(timer);
        child.stdout?.removeAllListeners('data');
        child.stderr?.removeAllListeners('data');
        // Keep draining so a chatty registry never blocks on a full pipe.
        child.stdout?.resume();
        child.stderr?.resume();
        resolve(match[1]!);
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('error', fail);
    child.once('exit', (code, signal) => fail(new Error(`docker-registry exited (${code ?? signal}) before listening:\n${log}`)));
  });
}

async function killChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
  await exited;
  clearTimeout(timer);
}

/** Whether a pid is still alive (tests check the registry is gone after stop). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
`describe` for tests that need the real registry: skipped with the reason when it is missing,
or a failing test under GLASSBOX_REQUIRE_REAL=1, so real tests never stop running silently.
*/
export function describeWithRegistry(name: string, auth: RegistryAuthMode, body: () => void): void {
  const gate = registryGate(auth);
  if (gate.run) {
    describe(name, body);
    return;
  }
  describe(name, () => {
    if (gate.fail) {
      it('runs against the real registry', () => {
        throw new Error(`GLASSBOX_REQUIRE_REAL=1 but ${gate.reason}`);
      });
    } else {
      console.warn(`${name}: skipped: ${gate.reason}`);
      it.skip(`runs against the real registry (${gate.reason})`, () => undefined);
    }
  });
}
