import { GlassboxError } from '../errors.js';
import type { Kernel } from '../kernel/types.js';

/**
The one place that picks a kernel backend. The Linux backend is imported lazily, so the
simulated path never loads koffi (it must run on macOS and Windows too).
*/
export async function probeRealBackend(): Promise<{ ok: boolean; reason?: string }> {
  if (process.platform !== 'linux') return { ok: false, reason: `not Linux (${process.platform})` };
  try {
    const linux = await import('../kernel/linux/linux-kernel.js');
    return linux.linuxKernelAvailable();
  } catch (error) {
    return { ok: false, reason: `cannot load libc through koffi: ${(error as Error).message}` };
  }
}

export async function createKernel(choice: 'real' | 'sim'): Promise<Kernel> {
  if (choice === 'sim') {
    const sim = await import('../kernel/sim/index.js');
    return sim.createSimKernel();
  }
  const available = await probeRealBackend();
  if (!available.ok) {
    throw new GlassboxError('KERNEL_REAL_UNAVAILABLE', `the real kernel cannot be used: ${available.reason}`, {
      kind: 'environment',
      hint: 'run as root on Linux, or use --kernel sim',
    });
  }
  const linux = await import('../kernel/linux/linux-kernel.js');
  return linux.createLinuxKernel();
}
