import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { GlassboxError } from '../errors.js';
import { isLoopbackHost } from '../oci/registry-host.js';
import type { ImageStore } from '../store/store.js';
import { createRegistryHandler, type RequestLog } from './registry-handler.js';

/**
`glassbox serve`: the store as a read-only registry over plain HTTP (node:http), so a
classroom pulls from one laptop. Docker, podman, skopeo and glassbox treat 127.0.0.0/8 and
localhost as plain-HTTP registries by default; for another address clients must be told the
registry is insecure (`--insecure-registry`, `--tls-verify=false`), which is also why
binding beyond loopback gets a warning: anyone who can reach the port can pull every image.
*/
export interface ServeSpec {
  store: ImageStore;
  /** `127.0.0.1` (default), `0.0.0.0`, `::`, a LAN address */
  host?: string;
  /** 5000 by default, as the distribution registry; 0 picks a free port. */
  port?: number;
  onRequest?: (log: RequestLog) => void;
}

export interface RunningRegistry {
  /** `http://127.0.0.1:5000` */
  url: string;
  /** `127.0.0.1:5000`: what goes in front of an image name (`127.0.0.1:5000/demo`). */
  address: string;
  host: string;
  port: number;
  /** Set when the address is reachable from other machines. */
  warning?: string;
  close(): Promise<void>;
}

export const DEFAULT_SERVE_HOST = '127.0.0.1';
export const DEFAULT_SERVE_PORT = 5000;

/** Parses `HOST:PORT`, `:PORT`, `PORT`, `[::1]:PORT` or `HOST`. */
export function parseListenAddress(text: string): { host: string; port: number } {
  const bad = (): GlassboxError =>
    new GlassboxError('SERVE_ADDRESS_INVALID', `invalid address ${JSON.stringify(text)}`, {
      kind: 'user',
      hint: 'give HOST:PORT, e.g. 127.0.0.1:5000 or 0.0.0.0:5000 (or just a port)',
    });
  const match = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]]*))(?::(\d+))?$/.exec(text) ?? /^()()(\d+)$/.exec(text);
  if (match === null) throw bad();
  const onlyPort = /^\d+$/.test(text);
  const host = onlyPort ? DEFAULT_SERVE_HOST : (match[1] ?? match[2] ?? '') || DEFAULT_SERVE_HOST;
  const port = onlyPort ? Number(text) : match[3] === undefined ? DEFAULT_SERVE_PORT : Number(match[3]);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) throw bad();
  return { host, port };
}

export async function startRegistryServer(spec: ServeSpec): Promise<RunningRegistry> {
  const host = spec.host ?? DEFAULT_SERVE_HOST;
  const handler = createRegistryHandler(spec.store, spec.onRequest);
  const server = http.createServer((req, res) => void handler(req, res));
  // A stalled client must not hold a socket forever, a slow one on a big layer may take long.
  server.requestTimeout = 0;
  server.headersTimeout = 30_000;
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    const failed = (error: NodeJS.ErrnoException): void => {
      reject(
        new GlassboxError('SERVE_LISTEN_FAILED', `cannot listen on ${host}:${spec.port ?? DEFAULT_SERVE_PORT}: ${error.code ?? error.message}`, {
          kind: 'environment',
          hint: error.code === 'EADDRINUSE' ? 'the port is taken: pick another one, e.g. glassbox serve 127.0.0.1:5001' : 'check the address',
          cause: error,
        }),
      );
    };
    server.once('error', failed);
    server.listen(spec.port ?? DEFAULT_SERVE_PORT, host, () => {
      server.off('error', failed);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const shown = host.includes(':') ? `[${host}]` : host;
  const address = `${shown}:${port}`;
  const running: RunningRegistry = {
    url: `http://${address}`,
    address,
    host,
    port,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
  if (!isLoopbackHost(host.replace(/^::ffff:/, ''))) {
    running.warning = `serving beyond this machine on ${address}: anyone who can reach it can pull every image in ${spec.store.root}`;
  }
  return running;
}
