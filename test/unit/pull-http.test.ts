/** The transport's start-up choices: only the parts of undici it uses, and its parser kept at baseline code. */
import http from 'node:http';
import v8 from 'node:v8';
import type { AddressInfo } from 'node:net';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { HttpTransport, loadUndici, skipWasmTierUp } from '../../src/pull/http.js';

const servers: http.Server[] = [];
afterAll(async () => {
  for (const server of servers) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

describe('loadUndici', () => {
  it("takes undici's Agent and request from their own modules, not the whole package", () => {
    // 'package' still works, but loads ~110 modules: an undici release that moved the files lands here.
    const parts = loadUndici();
    expect(parts.from).toBe('parts');
    expect(typeof parts.Agent).toBe('function');
    expect(typeof parts.request).toBe('function');
    expect(loadUndici()).toBe(parts);
  });
});

describe('skipWasmTierUp', () => {
  it('leaves a transport that still parses responses (llhttp compiled with baseline code only)', async () => {
    // The flag is set by the next request, not at once: a V8 flag change costs every Node builtin
    // loaded after it its code cache, so it waits until just before llhttp is compiled.
    const setFlags = vi.spyOn(v8, 'setFlagsFromString');
    skipWasmTierUp();
    expect(setFlags).not.toHaveBeenCalled();
    const body = Buffer.alloc(300_000, 7);
    const server = http.createServer((_req, res) => res.writeHead(200, { 'x-test': 'yes' }).end(body));
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    // A fresh transport (and so a fresh connection and parser) after the flag.
    const transport = new HttpTransport({ stallTimeoutMs: 2000 });
    try {
      const response = await transport.request(new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}/x`));
      expect(response.status).toBe(200);
      expect(setFlags.mock.calls).toEqual([['--liftoff-only']]);
      await transport.request(new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}/y`)).then((again) => again.body.dump());
      expect(setFlags).toHaveBeenCalledTimes(1);
      expect(response.headers['x-test']).toBe('yes');
      let length = 0;
      for await (const chunk of response.body) length += (chunk as Buffer).length;
      expect(length).toBe(body.length);
    } finally {
      setFlags.mockRestore();
      await transport.close();
    }
  });
});
