import { spawn } from 'node:child_process';
import { GlassboxError } from '../errors.js';
import { accelArgs, type VmAccel } from './vm-accel.js';
import { sampleProcessTree, type ProcessSample } from './host-sample.js';
import { abortedError } from './abort.js';
import { WorkloadWatcher, type WorkloadOutput } from './workload.js';

/**
Boots the VM once and watches its serial console: qemu with no devices but a serial line
on a pipe (-nodefaults -nographic -serial stdio), the kernel and glassbox's initramfs,
no reboot. The time runs from the spawn to the probe's first byte on the console. While
/init holds after the probe, the host samples qemu (VmHWM, threads); a newline on the
console lets /init power off, and qemu exits.
*/
export interface VmBootSpec {
  qemu: string;
  kernel: string;
  initramfs: string;
  accel: VmAccel;
  /** Guest memory, MiB; default 256. */
  memoryMiB?: number;
  /** From the spawn to the probe's end marker; default 20 s with KVM, 180 s with TCG. */
  timeoutMs?: number;
  signal?: AbortSignal;
}

export interface VmRun {
  pid: number;
  output: WorkloadOutput & { firstOutputMs: number; endMs: number; probeText: string };
  sample: ProcessSample;
  /** When qemu had exited, ms since the spawn. */
  exitMs: number;
}

export const VM_KERNEL_ARGS = 'console=ttyS0 quiet panic=-1';

export function qemuArgs(spec: VmBootSpec): string[] {
  return [
    '-nodefaults', '-no-user-config', '-nographic', '-no-reboot',
    '-serial', 'stdio', '-monitor', 'none',
    '-m', String(spec.memoryMiB ?? 256), '-smp', '1',
    ...accelArgs(spec.accel),
    '-kernel', spec.kernel, '-initrd', spec.initramfs,
    // panic=-1: a kernel panic reboots at once, and -no-reboot turns that into qemu's exit.
    '-append', VM_KERNEL_ARGS,
  ];
}

/** How long a guest may take to exit after the newline before qemu is killed. */
const SHUTDOWN_MS = 10_000;

function tail(text: string, lines = 8): string {
  return text.replace(/\x1b\[[0-9;?]*[A-Za-z]|\x1bc/g, '').trim().split('\n').slice(-lines).join('\n');
}

export function bootProbeVm(spec: VmBootSpec): Promise<VmRun> {
  if (spec.signal?.aborted) return Promise.reject(abortedError());
  const timeoutMs = spec.timeoutMs ?? (spec.accel === 'kvm' ? 20_000 : 180_000);
  const watcher = new WorkloadWatcher();
  let stderr = '';
  let sample: ProcessSample | null = null;
  let failure: GlassboxError | null = null;
  const started = performance.now();
  const child = spawn(spec.qemu, qemuArgs(spec), { stdio: ['pipe', 'pipe', 'pipe'] });
  const pid = child.pid ?? -1;

  const kill = (why: GlassboxError | null): void => {
    failure ??= why;
    child.kill('SIGKILL');
  };
  const onAbort = (): void => kill(abortedError());
  spec.signal?.addEventListener('abort', onAbort, { once: true });
  const timer = setTimeout(() => {
    const output = watcher.output;
    kill(
      output.endMs === null
        ? new GlassboxError('COMPARE_VM_TIMEOUT', `the VM (${spec.accel}) did not run the probe within ${timeoutMs / 1000} s`, {
            kind: 'environment',
            hint: tail(`${output.text}\n${stderr}`) || 'the console stayed silent',
          })
        : null, // it ran; it only did not power off in time
    );
  }, timeoutMs);
  let shutdownTimer: NodeJS.Timeout | undefined;

  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (chunk: string) => {
    watcher.push(chunk, performance.now() - started);
    if (sample === null && watcher.output.endMs !== null) {
      sample = sampleProcessTree(pid);
      // /init waits for one line before it powers off.
      child.stdin.write('\n');
      clearTimeout(timer);
      shutdownTimer = setTimeout(() => kill(null), SHUTDOWN_MS);
    }
  });
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk: string) => {
    stderr += chunk;
  });
  child.stdin.on('error', () => undefined); // EPIPE when qemu is already gone

  return new Promise<VmRun>((resolve, reject) => {
    child.on('error', (error) => {
      failure ??= new GlassboxError('COMPARE_VM_FAILED', `cannot start ${spec.qemu}: ${error.message}`, { kind: 'environment' });
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      clearTimeout(shutdownTimer);
      spec.signal?.removeEventListener('abort', onAbort);
      const exitMs = performance.now() - started;
      const output = watcher.output;
      if (failure !== null) return reject(failure);
      if (sample === null || output.firstOutputMs === null || output.endMs === null || output.probeText === null) {
        return reject(
          new GlassboxError('COMPARE_VM_FAILED', `the VM (${spec.accel}) exited before the probe ran (${signal ?? `status ${code}`})`, {
            kind: 'environment',
            hint: tail(`${output.text}\n${stderr}`) || 'qemu printed nothing',
          }),
        );
      }
      resolve({
        pid,
        output: { ...output, firstOutputMs: output.firstOutputMs, endMs: output.endMs, probeText: output.probeText },
        sample,
        exitMs,
      });
    });
  });
}
