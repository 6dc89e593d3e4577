import type { Kernel } from '../kernel/types.js';
import { createHostLayerFs } from './host-layer-fs.js';
import { createKernelLayerFs } from './kernel-layer-fs.js';
import type { LayerFs } from './layer-fs.js';

/**
The writer that fits the kernel: node:fs for bulk data on the real kernel (same filesystem),
everything through the Kernel on the simulated one (its own filesystem). See layer-fs.ts.
*/
export function createLayerFs(kernel: Kernel, writer: 'auto' | 'host' | 'kernel' = 'auto'): LayerFs {
  const chosen = writer === 'auto' ? (kernel.backend === 'linux' ? 'host' : 'kernel') : writer;
  return chosen === 'host' ? createHostLayerFs(kernel) : createKernelLayerFs(kernel);
}
