import os from 'node:os';
import { parseArgs } from 'node:util';
import { GlassboxError } from '../../errors.js';
import { buildDemoImage } from '../../demo/build-demo.js';
import { hostnameOf, isLoopbackHost } from '../../oci/registry-host.js';
import { parseReference } from '../../oci/reference.js';
import type { RequestLog } from '../../serve/registry-handler.js';
import { buildRegistryView, listServedImages } from '../../serve/registry-view.js';
import { DEFAULT_SERVE_HOST, DEFAULT_SERVE_PORT, parseListenAddress, startRegistryServer, type RunningRegistry } from '../../serve/start-server.js';
import { openStore } from '../../store/store.js';
import { printLines, type Io } from '../output.js';
import type { GlobalOptions } from '../run.js';
import { formatBytes } from './image-format.js';

/**
`glassbox serve [--demo] [HOST:PORT]`: the image store as a read-only registry, until Ctrl-C.
Default 127.0.0.1:5000; `0.0.0.0:5000` serves a classroom (with a warning: the whole store is
then readable by anyone on the network). `--demo` first builds the demo image into the store,
so a teacher with no internet still has something to hand out. One line per request.
*/
export interface ServeDeps {
  /** SIGINT/SIGTERM source; default: the process. */
  signals?: Pick<NodeJS.Process, 'once' | 'removeListener'>;
  /** Called once listening (tests learn the port here). */
  onListening?: (registry: RunningRegistry) => void;
}

export async function runServe(options: GlobalOptions, args: string[], io: Io, deps: ServeDeps = {}): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    strict: true,
    options: { demo: { type: 'boolean', default: false } },
  });
  if (positionals.length > 1) throw new GlassboxError('CLI_USAGE', 'serve takes one address', { kind: 'user', hint: 'glassbox serve 0.0.0.0:5000' });
  const { host, port } = positionals[0] === undefined ? { host: DEFAULT_SERVE_HOST, port: DEFAULT_SERVE_PORT } : parseListenAddress(positionals[0]);
  const { store } = await openStore();
  if (values.demo) {
    const demo = await buildDemoImage(store);
    await store.close(); // ends the lease writing took; serving only reads
    if (!options.json) io.stderr.write(`demo image ${demo.reference} ${demo.changed ? 'built' : 'up to date'} (${demo.layers.length} layers)\n`);
  }
  const log = (entry: RequestLog): void => {
    io.stdout.write(
      options.json
        ? `${JSON.stringify({ type: 'request', ...entry, ms: Math.round(entry.ms * 10) / 10 })}\n`
        : `${entry.method} ${entry.path} ${entry.status} ${formatBytes(entry.bytes)} ${entry.ms.toFixed(1)}ms\n`,
    );
  };
  const registry = await startRegistryServer({ store, host, port, onRequest: log });
  const repositories = listServedImages(buildRegistryView(store));
  const reachable = reachableAddresses(registry);
  if (options.json) {
    io.stdout.write(`${JSON.stringify({ type: 'listening', url: registry.url, store: store.root, addresses: reachable, images: repositories, warning: registry.warning })}\n`);
  } else {
    if (registry.warning !== undefined) io.stderr.write(`glassbox: warning: ${registry.warning}\n`);
    printLines(io, startupLines(store.root, registry, reachable, repositories));
  }
  deps.onListening?.(registry);
  await waitForStop(deps.signals ?? process);
  await registry.close();
  if (!options.json) io.stderr.write('stopped\n');
  return 0;
}

function startupLines(root: string, registry: RunningRegistry, reachable: string[], images: string[]): string[] {
  const lines = [`serving ${root} read-only on ${registry.url}`];
  if (images.length === 0) lines.push('the store has no images yet: glassbox pull one, or restart with --demo');
  else lines.push(`images: ${images.join(', ')}`);
  const example = images[0] ?? 'demo:latest';
  for (const address of reachable) {
    const insecure = isLoopbackHost(hostnameOf(address)) ? '' : `--insecure-registry ${address} `;
    lines.push(`pull with: glassbox pull ${insecure}${address}/${example}`);
    lines.push(`       or: skopeo copy --src-tls-verify=false docker://${address}/${example} oci:DIR:${tagOf(example)}`);
  }
  lines.push('press Ctrl-C to stop');
  return lines;
}

/** Where other machines find the registry: for 0.0.0.0 or ::, every non-internal address. */
export function reachableAddresses(registry: RunningRegistry, interfaces = os.networkInterfaces()): string[] {
  if (registry.host !== '0.0.0.0' && registry.host !== '::') return [registry.address];
  const found: string[] = [];
  for (const list of Object.values(interfaces)) {
    for (const info of list ?? []) {
      if (info.internal || (info.family !== 'IPv4' && registry.host === '0.0.0.0')) continue;
      if (info.family === 'IPv6' && info.address.startsWith('fe80')) continue; // link-local needs a zone
      found.push(info.family === 'IPv6' ? `[${info.address}]:${registry.port}` : `${info.address}:${registry.port}`);
    }
  }
  return found.length > 0 ? found : [`127.0.0.1:${registry.port}`];
}

function tagOf(image: string): string {
  try {
    return parseReference(image).tag ?? 'latest';
  } catch {
    return 'latest';
  }
}

function waitForStop(signals: Pick<NodeJS.Process, 'once' | 'removeListener'>): Promise<void> {
  return new Promise((resolve) => {
    const stop = (): void => {
      signals.removeListener('SIGINT', stop);
      signals.removeListener('SIGTERM', stop);
      resolve();
    };
    signals.once('SIGINT', stop);
    signals.once('SIGTERM', stop);
  });
}
