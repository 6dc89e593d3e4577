/** Redirect handling against real loopback servers (undici's standalone-server pattern). */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { sendFollowing } from '../../src/pull/follow-redirects.js';
import { discardBody, HttpTransport } from '../../src/pull/http.js';

const servers: http.Server[] = [];
const transport = new HttpTransport({ stallTimeoutMs: 2000 });
afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

interface Seen {
  path: string;
  authorization: string | undefined;
}

async function serve(handler: (req: http.IncomingMessage, res: http.ServerResponse) => void): Promise<{ origin: string; seen: Seen[] }> {
  const seen: Seen[] = [];
  const server = http.createServer((req, res) => {
    seen.push({ path: req.url ?? '', authorization: req.headers.authorization });
    handler(req, res);
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen };
}

describe('sendFollowing', () => {
  it('keeps credentials on the same origin and drops them on another', async () => {
    const other = await serve((_req, res) => res.end('blob'));
    const registry = await serve((req, res) => {
      if (req.url === '/start') res.writeHead(302, { location: '/moved' }).end();
      else res.writeHead(307, { location: `${other.origin}/signed?x=1` }).end();
    });
    const { response, url } = await sendFollowing(transport, new URL('/start', registry.origin), { authOrigin: registry.origin, authorization: 'Bearer secret' });
    expect(await response.body.text()).toBe('blob');
    expect(url.href).toBe(`${other.origin}/signed?x=1`);
    expect(registry.seen).toEqual([
      { path: '/start', authorization: 'Bearer secret' },
      { path: '/moved', authorization: 'Bearer secret' },
    ]);
    expect(other.seen).toEqual([{ path: '/signed?x=1', authorization: undefined }]);
  });

  it('does not send credentials back after leaving, even to the registry', async () => {
    const registry = await serve((req, res) => {
      if (req.url === '/start') res.writeHead(302, { location: `${bounce.origin}/b` }).end();
      else res.end('back');
    });
    const bounce = await serve((_req, res) => res.writeHead(302, { location: `${registry.origin}/end` }).end());
    const { response } = await sendFollowing(transport, new URL('/start', registry.origin), { authOrigin: registry.origin, authorization: 'Basic x' });
    await discardBody(response);
    // The registry origin gets them again: the rule is by origin, which is what Docker does too.
    expect(registry.seen.map((s) => s.authorization)).toEqual(['Basic x', 'Basic x']);
    expect(bounce.seen[0]?.authorization).toBeUndefined();
  });

  it('stops after five redirects, and refuses non-http schemes', async () => {
    const loop = await serve((_req, res) => res.writeHead(302, { location: '/again' }).end());
    await expect(sendFollowing(transport, new URL('/x', loop.origin), { authOrigin: loop.origin })).rejects.toMatchObject({ code: 'PULL_REDIRECTS' });
    expect(loop.seen).toHaveLength(6);
    const file = await serve((_req, res) => res.writeHead(302, { location: 'file:///etc/passwd' }).end());
    await expect(sendFollowing(transport, new URL('/x', file.origin), { authOrigin: file.origin })).rejects.toThrow(/file: is not followed/);
  });
});
