import { GlassboxError } from '../errors.js';
import { checkObject } from './descriptor-check.js';
import { validateDigest } from './digest.js';
import type { ImageManifest } from './manifest.js';

/**
The image config blob: what to run (`config`), how the root filesystem is made (`rootfs.diff_ids`,
one per layer: the sha256 of the *uncompressed* layer tar, checked again when unpacking) and
how it was built (`history`). Only the fields glassbox reads are typed; the rest is kept.
*/
export const MAX_CONFIG_BYTES = 8 * 1024 * 1024;

export interface ContainerConfig {
  User?: string;
  Env?: string[];
  Entrypoint?: string[] | null;
  Cmd?: string[] | null;
  WorkingDir?: string;
  Labels?: Record<string, string> | null;
  ExposedPorts?: Record<string, object>;
  Volumes?: Record<string, object>;
  StopSignal?: string;
}

export interface HistoryEntry {
  created?: string;
  created_by?: string;
  author?: string;
  comment?: string;
  empty_layer?: boolean;
}

export interface ImageConfig {
  architecture: string;
  os: string;
  variant?: string;
  created?: string;
  author?: string;
  config?: ContainerConfig;
  rootfs: { type: 'layers'; diff_ids: string[] };
  history?: HistoryEntry[];
  [key: string]: unknown;
}

function invalidConfig(message: string): GlassboxError {
  return new GlassboxError('OCI_CONFIG_INVALID', `image config ${message}`, {
    kind: 'user',
    hint: 'the image config blob is not a valid OCI or Docker image config',
  });
}

export function parseImageConfig(bytes: Uint8Array): ImageConfig {
  if (bytes.length > MAX_CONFIG_BYTES) throw invalidConfig(`is ${bytes.length} bytes, more than the ${MAX_CONFIG_BYTES} allowed`);
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8'));
  } catch {
    throw invalidConfig('is not valid JSON');
  }
  let body: Record<string, unknown>;
  try {
    body = checkObject(json, 'image config');
  } catch {
    throw invalidConfig('is not a JSON object');
  }
  if (typeof body.os !== 'string' || typeof body.architecture !== 'string') throw invalidConfig('needs os and architecture');
  const rootfs = body.rootfs as { type?: unknown; diff_ids?: unknown } | undefined;
  if (typeof rootfs !== 'object' || rootfs === null || rootfs.type !== 'layers' || !Array.isArray(rootfs.diff_ids)) {
    throw invalidConfig('needs rootfs.type "layers" and a rootfs.diff_ids list');
  }
  rootfs.diff_ids.forEach((id, i) => {
    try {
      validateDigest(id, `diff_id ${i}`);
    } catch (error) {
      throw invalidConfig(error instanceof Error ? error.message : String(error));
    }
  });
  if (body.history !== undefined && !Array.isArray(body.history)) throw invalidConfig('history is not a list');
  return body as unknown as ImageConfig;
}

/** A manifest and its config must agree on the number of layers, or unpacking cannot check them. */
export function checkConfigMatches(config: ImageConfig, manifest: ImageManifest): void {
  if (config.rootfs.diff_ids.length !== manifest.layers.length) {
    throw invalidConfig(`lists ${config.rootfs.diff_ids.length} diff_ids but the manifest has ${manifest.layers.length} layers`);
  }
}
