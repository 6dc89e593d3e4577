import fs from 'node:fs';
import { spawnSync } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { openStore, type ImageStore, type StoreOptions } from '../../src/store/store.js';
import { putLayer, writeImage, type StoredLayer, type WrittenImage } from '../../src/store/write-image.js';
import { packTar, tarToBuffer, type TarEntrySpec } from '../../src/unpack/tar-archive.js';

/** A scratch directory under the system temp dir, `glassbox-` prefixed; `remove()` deletes it. */
export interface ScratchDir {
  path: string;
  remove(): void;
}

export function makeScratchDir(label: string): ScratchDir {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `glassbox-${label}-`));
  return { path: dir, remove: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

export async function openScratchStore(label: string, options: Omit<StoreOptions, 'root'> = {}): Promise<{ dir: ScratchDir; store: ImageStore }> {
  const dir = makeScratchDir(label);
  try {
    const { store } = await openStore({ ...options, root: path.join(dir.path, 'store') });
    return { dir, store };
  } catch (error) {
    dir.remove(); // the caller never gets the dir to remove when opening fails
    throw error;
  }
}

export function fileEntry(name: string, content: string | Uint8Array, mode = 0o644): TarEntrySpec {
  return { name, type: 'file', mode, body: typeof content === 'string' ? Buffer.from(content) : content };
}

export async function tarBytes(entries: TarEntrySpec[]): Promise<Buffer> {
  return tarToBuffer(packTar(entries));
}

export interface TestImageSpec {
  name?: string;
  /** One list of tar entries per layer. */
  layers: TarEntrySpec[][];
  format?: 'oci' | 'docker';
  compress?: boolean;
  created?: string;
}

/** A small image written straight into the store; each layer gets a history step. */
export async function buildTestImage(store: ImageStore, spec: TestImageSpec): Promise<WrittenImage & { layers: StoredLayer[] }> {
  const layers: StoredLayer[] = [];
  for (const entries of spec.layers) {
    layers.push(await putLayer(store, await tarBytes(entries), spec.compress === false ? { compress: false } : {}));
  }
  const created = spec.created ?? '2024-01-02T03:04:05Z';
  const written = await writeImage(store, {
    ...(spec.name === undefined ? {} : { name: spec.name }),
    format: spec.format ?? 'oci',
    config: {
      architecture: 'amd64',
      os: 'linux',
      created,
      config: { Cmd: ['/bin/sh'], Env: ['PATH=/usr/bin:/bin'] },
      history: [
        ...layers.map((_, i) => ({ created, created_by: `test layer ${i}` })),
        { created, created_by: 'CMD ["/bin/sh"]', empty_layer: true },
      ],
    },
    layers,
  });
  return { ...written, layers };
}

/** Files (relative paths) under `dir`, sorted. */
export function listFiles(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return (fs.readdirSync(dir, { recursive: true }) as string[]).filter((name) => fs.statSync(path.join(dir, name)).isFile()).sort();
}

/**
Checks a store as a reader would: index.json parses, every entry resolves to a complete
image, every blob hashes to its name, and nothing unfinished (temp files, leases, lock) remains.
Returns the names in index.json.
*/
export async function expectValidStore(root: string): Promise<string[]> {
  const { createHash } = await import('node:crypto');
  const { store } = await openStore({ root });
  const names: string[] = [];
  for (const { entry, image, error } of store.listImages()) {
    if (error !== undefined) throw new Error(`entry ${entry.digest} does not resolve: ${error.message}`);
    names.push(...image!.names.filter((name) => !names.includes(name)));
    for (const layer of image!.layers) {
      if (!store.hasBlob(layer.digest)) throw new Error(`layer ${layer.digest} missing`);
    }
  }
  for (const name of fs.readdirSync(store.paths.sha256Dir)) {
    const hash = createHash('sha256').update(fs.readFileSync(path.join(store.paths.sha256Dir, name))).digest('hex');
    if (hash !== name) throw new Error(`blob ${name} hashes to ${hash}`);
  }
  const leftovers = [...fs.readdirSync(store.paths.tmpDir), ...fs.readdirSync(store.paths.leasesDir), ...fs.readdirSync(store.paths.privateDir).filter((n) => n.startsWith('lock'))];
  if (leftovers.length > 0) throw new Error(`left behind: ${leftovers.join(', ')}`);
  return names.sort();
}

/**
Whether an outside tool (skopeo, umoci) is installed. Without it the interop tests skip, unless
GLASSBOX_REQUIRE_REAL=1 (CI), where a missing tool fails the run instead of hiding the tests.
*/
export function hasTool(name: string): boolean {
  const found = spawnSync(name, ['--version'], { stdio: 'ignore' }).status === 0;
  if (!found && process.env.GLASSBOX_REQUIRE_REAL === '1') {
    throw new Error(`${name} is not installed but GLASSBOX_REQUIRE_REAL=1: run scripts/install-system-deps.sh`);
  }
  return found;
}

export function run(command: string, args: string[]): string {
  const result = spawnSync(command, args, { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed (${result.status}): ${result.stderr}`);
  return result.stdout;
}

/** Like run, without blocking the event loop: for tools that talk to a server in this process. */
export async function runAsync(command: string, args: string[], timeoutMs = 60_000): Promise<string> {
  const { execFile } = await import('node:child_process');
  return new Promise((resolve, reject) => {
    execFile(command, args, { encoding: 'utf8', timeout: timeoutMs, killSignal: 'SIGKILL' }, (error, stdout, stderr) => {
      if (error) reject(new Error(`${command} ${args.join(' ')} failed: ${error.message} ${stderr}`));
      else resolve(stdout);
    });
  });
}
