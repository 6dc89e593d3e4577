import path from 'node:path';
import { yieldToEventLoop } from '../event-loop-pace.js';
import { startRegistryServer, type RunningRegistry } from '../serve/start-server.js';
import type { RequestLog } from '../serve/registry-handler.js';
import { glassboxHome } from '../store/layout.js';
import { openStore } from '../store/store.js';
import { buildDemoImage, type DemoImage } from './build-demo.js';
import type { DemoSources } from './demo-plan.js';

/**
The tour's offline registry: the demo image in a store of its own, served on loopback, so
that pulling `127.0.0.1:<port>/demo:latest` into the learner's store really downloads every
layer over HTTP. (Pulling from the store one pulls into would find every blob already there
and transfer nothing.)
*/
export interface DemoRegistrySpec {
  /** The demo's own store; default `$GLASSBOX_HOME/demo-registry`. */
  root?: string;
  host?: string;
  /** 0 (default) picks a free port. */
  port?: number;
  sources?: DemoSources;
  onRequest?: (log: RequestLog) => void;
}

export interface DemoRegistry {
  registry: RunningRegistry;
  demo: DemoImage;
  /** What to pull: `127.0.0.1:<port>/demo:latest` */
  reference: string;
  close(): Promise<void>;
}

export function defaultDemoRegistryRoot(env: NodeJS.ProcessEnv = process.env): string {
  return path.join(glassboxHome(env), 'demo-registry');
}

export async function startDemoRegistry(spec: DemoRegistrySpec = {}): Promise<DemoRegistry> {
  // The tour starts this from a key press: opening a store is synchronous file work (and fsyncs
  // on first use). A turn of the event loop first lets the screen draw the step as running, and
  // one after the store opened lets a key through before the build.
  await yieldToEventLoop();
  const { store } = await openStore({ root: spec.root ?? defaultDemoRegistryRoot() });
  await yieldToEventLoop();
  const demo = await buildDemoImage(store, spec.sources);
  await store.close(); // from here on the store is only read
  const registry = await startRegistryServer({
    store,
    host: spec.host ?? '127.0.0.1',
    port: spec.port ?? 0,
    ...(spec.onRequest ? { onRequest: spec.onRequest } : {}),
  });
  return { registry, demo, reference: `${registry.address}/demo:latest`, close: () => registry.close() };
}
