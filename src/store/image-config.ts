import { GlassboxError } from '../errors.js';

/**
The parts of an image config (OCI image-spec config.md; Docker's is the same shape) that
`inspect`, `history` and `images` show. Everything is optional on purpose: real configs
leave out `created`, `history` and most of `config`, and a missing field is shown as such.
*/
export interface HistoryEntry {
  created?: string;
  created_by?: string;
  author?: string;
  comment?: string;
  /** true for a step that made no layer (ENV, CMD, ...): it has no diff_id */
  empty_layer?: boolean;
}

export interface ImageConfig {
  created?: string;
  author?: string;
  architecture?: string;
  os?: string;
  variant?: string;
  config?: {
    User?: string;
    Env?: string[];
    Entrypoint?: string[] | null;
    Cmd?: string[] | null;
    WorkingDir?: string;
    Labels?: Record<string, string> | null;
    ExposedPorts?: Record<string, object>;
    Volumes?: Record<string, object>;
    StopSignal?: string;
  };
  rootfs?: { type?: string; diff_ids?: string[] };
  history?: HistoryEntry[];
}

const MAX_CONFIG_BYTES = 8 * 1024 * 1024;

export function parseImageConfig(bytes: Uint8Array, where: string): ImageConfig {
  const bad = (reason: string): GlassboxError =>
    new GlassboxError('STORE_CONFIG_INVALID', `image config ${where} ${reason}`, {
      kind: 'environment',
      hint: 'the image is damaged: remove it with glassbox rmi and pull it again',
    });
  if (bytes.byteLength > MAX_CONFIG_BYTES) throw bad(`is larger than ${MAX_CONFIG_BYTES} bytes`);
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(bytes).toString('utf8'));
  } catch {
    throw bad('is not valid JSON');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw bad('is not a JSON object');
  const config = value as ImageConfig;
  if (config.history !== undefined && !Array.isArray(config.history)) throw bad('has a history that is not a list');
  if (config.rootfs?.diff_ids !== undefined && !Array.isArray(config.rootfs.diff_ids)) throw bad('has diff_ids that are not a list');
  return config;
}

/**
Pairs each history step with the layer it made: steps with `empty_layer` made none, every
other step takes the next layer in order (what `docker history` shows).
*/
export interface HistoryRow<Layer> {
  step: HistoryEntry;
  layer: Layer | undefined;
}

export function pairHistory<Layer>(config: ImageConfig, layers: readonly Layer[]): HistoryRow<Layer>[] {
  const history = config.history ?? [];
  let next = 0;
  const rows = history.map((step) => ({ step, layer: step.empty_layer === true ? undefined : layers[next++] }));
  // A config without history (some builders) still has layers to show.
  for (; next < layers.length; next++) rows.push({ step: {}, layer: layers[next] });
  return rows;
}
