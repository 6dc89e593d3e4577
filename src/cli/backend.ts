import { realLauncher, type ContainerLauncher } from '../container/launcher.js';
import { GlassboxError } from '../errors.js';
import type { Text } from '../i18n/lang.js';
import type { Kernel } from '../kernel/types.js';
import { detectCgroupLayout } from '../observe/cgroup-layout.js';
import { hostReader } from '../observe/host-reader.js';

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

export interface Backend {
  kernel: Kernel;
  launcher: ContainerLauncher;
  mode: 'REAL' | 'SIMULATED';
  /** Why the simulation was chosen (both languages); absent when REAL. */
  reason?: Text;
}

export interface BackendOptions {
  /** The simulation's cgroup layout; default: the host's when it can be read, else v2 (most laptops). */
  cgroupLayout?: 'v1' | 'v2' | 'hybrid';
  /** Why the caller wants the simulation (the doctor's verdict for a lesson); shown on screen. */
  reason?: Text;
}

const SIM_ASKED: Text = { en: 'the simulated kernel was asked for (--kernel sim)', ko: '시뮬레이션 커널을 골랐습니다(--kernel sim)' };

/**
The kernel and the container launcher, always a matching pair: the real kernel with gbx-run, or
the simulated kernel with its model of gbx-run. `auto` takes the real one when it can be used and
otherwise says why not, in both languages.
*/
export async function createBackend(choice: 'real' | 'sim' | 'auto', options: BackendOptions = {}): Promise<Backend> {
  if (choice === 'real' || choice === 'auto') {
    const available = await probeRealBackend();
    if (available.ok && options.reason === undefined) {
      const linux = await import('../kernel/linux/linux-kernel.js');
      return { kernel: linux.createLinuxKernel(), launcher: realLauncher, mode: 'REAL' };
    }
    if (choice === 'real') await createKernel('real'); // throws KERNEL_REAL_UNAVAILABLE with its hint
    const why = available.reason ?? 'unknown reason';
    return createSimBackend(options, options.reason ?? { en: `the real kernel cannot be used: ${why}`, ko: `실제 커널을 쓸 수 없습니다: ${why}` });
  }
  return createSimBackend(options, options.reason ?? SIM_ASKED);
}

async function createSimBackend(options: BackendOptions, reason: Text): Promise<Backend> {
  const sim = await import('../kernel/sim/index.js');
  const kernel = sim.createSimKernel({ cgroupLayout: options.cgroupLayout ?? layoutFromEnv() ?? hostCgroupLayout() ?? 'v2' });
  return { kernel, launcher: sim.createSimLauncher(kernel), mode: 'SIMULATED', reason };
}

export const SIM_CGROUPS_ENV = 'GLASSBOX_SIM_CGROUPS';

/** $GLASSBOX_SIM_CGROUPS: a teacher on one kind of machine shows the cgroup files of another. */
function layoutFromEnv(): 'v1' | 'v2' | 'hybrid' | undefined {
  const value = process.env[SIM_CGROUPS_ENV];
  if (value === undefined || value === '') return undefined;
  if (value === 'v1' || value === 'v2' || value === 'hybrid') return value;
  throw new GlassboxError('SIM_CGROUPS_INVALID', `${SIM_CGROUPS_ENV}=${value} is not a cgroup layout`, {
    kind: 'user',
    hint: `use ${SIM_CGROUPS_ENV}=v2 (most laptops), v1 or hybrid, or unset it to follow this machine`,
  });
}

/** The host's layout, so that a simulated lesson shows the file names this machine would. */
function hostCgroupLayout(): 'v1' | 'v2' | 'hybrid' | undefined {
  if (process.platform !== 'linux') return undefined;
  try {
    const layout = detectCgroupLayout(hostReader).kind;
    return layout === 'none' ? undefined : layout;
  } catch {
    return undefined;
  }
}
