import type { HistoryEntry, ImageConfig } from '../oci/config.js';

/**
Pairs each history step with the layer it made, as `docker history` shows them: steps with
`empty_layer` (ENV, CMD, ...) made none, every other step takes the next layer in order.
A config without history (some builders write none) still has its layers listed.
*/
export interface HistoryRow<Layer> {
  step: HistoryEntry;
  layer: Layer | undefined;
}

export function pairHistory<Layer>(config: ImageConfig, layers: readonly Layer[]): HistoryRow<Layer>[] {
  const history = config.history ?? [];
  let next = 0;
  const rows: HistoryRow<Layer>[] = history.map((step) => ({ step, layer: step.empty_layer === true ? undefined : layers[next++] }));
  for (; next < layers.length; next++) rows.push({ step: {}, layer: layers[next] });
  return rows;
}
