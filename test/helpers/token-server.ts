/**
A small Docker token server (the distribution "token" auth spec) for tests: it signs JWTs with
a throwaway RSA key whose self-signed certificate the registry trusts (`rootcertbundle`), and
grants access by a policy. It records every token request so tests can count them.
*/
import { execFileSync } from 'node:child_process';
import { createHash, createSign, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';

export interface TokenRequestLog {
  user: string | undefined;
  scopes: string[];
  granted: { name: string; actions: string[] }[];
  status: number;
}

export interface TokenServerOptions {
  /** user → password; a request with wrong credentials gets 401. */
  users: Record<string, string>;
  /** What `user` (undefined = anonymous) may do on `repository`. */
  policy: (user: string | undefined, repository: string) => string[];
  /** Seconds a token lives; default 300. */
  expiresIn?: number;
  /** Grant nothing the first time each scope is asked for: the registry then answers insufficient_scope. */
  narrowFirst?: boolean;
}

export interface TokenServer {
  realm: string;
  service: string;
  issuer: string;
  certPath: string;
  requests: TokenRequestLog[];
  options: TokenServerOptions;
  stop(): Promise<void>;
}

export const TOKEN_SERVICE = 'glassbox-test-registry';
export const TOKEN_ISSUER = 'glassbox-test-issuer';

/** libtrust's key id (what distribution matches a JWT `kid` against): sha256 of the DER key, 240 bits, base32, in fours. */
export function libtrustKeyId(spkiDer: Buffer): string {
  const bits = createHash('sha256').update(spkiDer).digest().subarray(0, 30);
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let out = '';
  let buffer = 0;
  let count = 0;
  for (const byte of bits) {
    buffer = (buffer << 8) | byte;
    count += 8;
    while (count >= 5) {
      out += alphabet[(buffer >> (count - 5)) & 31];
      count -= 5;
    }
  }
  return out.match(/.{4}/g)!.join(':');
}

function base64url(value: Buffer | string): string {
  return Buffer.from(value).toString('base64url');
}

export async function startTokenServer(dir: string, options: TokenServerOptions): Promise<TokenServer> {
  const keyPath = join(dir, 'token-key.pem');
  const certPath = join(dir, 'token-cert.pem');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', keyPath, '-out', certPath, '-days', '2', '-subj', '/CN=glassbox-test-token'], {
    stdio: 'ignore',
  });
  const privateKey = readFileSync(keyPath, 'utf8');
  const spki = execFileSync('openssl', ['x509', '-in', certPath, '-pubkey', '-noout']);
  const der = execFileSync('openssl', ['pkey', '-pubin', '-outform', 'DER'], { input: spki });
  const kid = libtrustKeyId(der);
  const requests: TokenRequestLog[] = [];
  const seenScopes = new Set<string>();

  const sign = (claims: object): string => {
    const header = base64url(JSON.stringify({ typ: 'JWT', alg: 'RS256', kid }));
    const payload = base64url(JSON.stringify(claims));
    const signature = createSign('RSA-SHA256').update(`${header}.${payload}`).sign(privateKey);
    return `${header}.${payload}.${base64url(signature)}`;
  };

  const server = http.createServer((req, res) => {
    if (req.method === 'POST') {
      // The OAuth2 form (identity tokens): the body carries the scopes and the refresh token.
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => answer(req, res, new URLSearchParams(body)));
      return;
    }
    answer(req, res, new URL(req.url ?? '/', 'http://localhost').searchParams);
  });

  function answer(req: http.IncomingMessage, res: http.ServerResponse, params: URLSearchParams): void {
    const scopes = params.getAll('scope').flatMap((s) => s.split(' ')).filter(Boolean);
    let user: string | undefined;
    const authorization = req.headers.authorization;
    const refresh = params.get('refresh_token');
    if (params.get('grant_type') === 'refresh_token') {
      // Refresh tokens in these tests are `refresh-<user>`.
      const name = refresh?.startsWith('refresh-') ? refresh.slice('refresh-'.length) : undefined;
      if (name === undefined || options.users[name] === undefined) {
        requests.push({ user: name, scopes, granted: [], status: 401 });
        res.writeHead(401, { 'content-type': 'application/json' }).end('{"errors":[{"code":"UNAUTHORIZED","message":"bad refresh token"}]}');
        return;
      }
      user = name;
    }
    if (authorization?.startsWith('Basic ')) {
      const [name, password] = Buffer.from(authorization.slice(6), 'base64').toString().split(/:(.*)/s) as [string, string];
      if (options.users[name] !== password) {
        requests.push({ user: name, scopes, granted: [], status: 401 });
        res.writeHead(401, { 'content-type': 'application/json' }).end('{"errors":[{"code":"UNAUTHORIZED","message":"bad credentials"}]}');
        return;
      }
      user = name;
    }
    const granted: { type: string; name: string; actions: string[] }[] = [];
    for (const scope of scopes) {
      const [type, name, actions] = scope.split(':') as [string, string, string];
      const key = `${user ?? ''}|${scope}`;
      const first = !seenScopes.has(key);
      seenScopes.add(key);
      if (type !== 'repository' || (options.narrowFirst && first)) continue;
      const allowed = options.policy(user, name);
      granted.push({ type, name, actions: actions.split(',').filter((a) => allowed.includes(a)) });
    }
    requests.push({ user, scopes, granted, status: 200 });
    const now = Math.floor(Date.now() / 1000);
    const expiresIn = options.expiresIn ?? 300;
    const token = sign({
      iss: TOKEN_ISSUER,
      sub: user ?? '',
      aud: params.get('service') ?? TOKEN_SERVICE,
      exp: now + expiresIn,
      nbf: now - 5,
      iat: now,
      jti: randomUUID(),
      access: granted,
    });
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ token, access_token: token, expires_in: expiresIn, issued_at: new Date(now * 1000).toISOString() }));
  }
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    realm: `http://127.0.0.1:${port}/token`,
    service: TOKEN_SERVICE,
    issuer: TOKEN_ISSUER,
    certPath,
    requests,
    options,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
