import { spawn } from 'node:child_process';
import { EventEmitter } from 'node:events';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { runCompare } from '../../src/cli/commands/compare.js';
import { parseGlobal } from '../../src/cli/run.js';
import { runComparison } from '../../src/compare/measure.js';
import { runProbeContainer } from '../../src/compare/probe-container.js';
import { packageRoot } from '../../src/package-root.js';
import { toCompareView } from '../../src/compare/summary.js';
import { chooseAccel, readAccelFacts } from '../../src/compare/vm-accel.js';
import { lookupVmAssets } from '../../src/compare/vm-assets.js';
import { prepareWorkspace } from '../../src/compare/workspace.js';
import { subscribeContainerSteps } from '../../src/container/launch.js';
import type { Kernel } from '../../src/kernel/types.js';
import type { CompareView } from '../../src/tour/types.js';
import { diffHostState, snapshotHostState } from '../helpers/host-state.js';
import { describeGateOutcome, realKernelGate, realKernelRequired } from '../helpers/real-kernel.js';

/**
`glassbox compare` for real: a container through gbx-run and a VM through qemu, on this
machine. Without qemu or a kernel for the VM these tests skip with the reason, unless real
tests are required (GLASSBOX_REQUIRE_REAL=1): then scripts/install-system-deps.sh should
have provided both, and their absence fails.
*/
const gate = await realKernelGate();
const lookup = gate.mode === 'run' ? lookupVmAssets() : null;
const missing = lookup === null || lookup.ok ? null : lookup.missing.map((entry) => `${entry.message} (${entry.hint})`).join('; ');

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Children of `parent` that are qemu: read from /proc, so the test trusts no bookkeeping of the code under test. */
function qemuChildren(parent = process.pid): number[] {
  const found: number[] = [];
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${name}/stat`, 'utf8');
      const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === parent && comm.startsWith('qemu-system')) found.push(Number(name));
    } catch {
      // Gone meanwhile.
    }
  }
  return found;
}

function workspaces(): string[] {
  return fs.readdirSync(os.tmpdir()).filter((name) => /^glassbox-compare-(?!unit-)/.test(name));
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

if (gate.mode !== 'run') {
  describeGateOutcome('compare: container vs VM on the real kernel', gate);
} else if (missing !== null && !realKernelRequired()) {
  describe('compare: container vs VM on the real kernel', () => {
    console.warn(`compare: skipped: ${missing}`);
    it.skip(`boots a VM (${missing})`, () => undefined);
  });
} else {
  describe('compare: container vs VM on the real kernel', () => {
    let kernel: Kernel;
    const before = snapshotHostState('compare');
    const dirsBefore = workspaces();

    beforeAll(() => {
      if (missing !== null) throw new Error(`GLASSBOX_REQUIRE_REAL=1 but the VM cannot boot: ${missing}`);
      kernel = gate.createKernel();
    });

    afterEach(() => {
      // Nothing left: no qemu, no scratch directory, no mount, cgroup or marked process.
      expect(qemuChildren()).toEqual([]);
      expect(workspaces()).toEqual(dirsBefore);
      expect(diffHostState(before, snapshotHostState('compare'))).toEqual([]);
    });

    it('boots the VM on its own kernel, runs the container on the host kernel, and the container starts first', async () => {
      const assets = lookup !== null && lookup.ok ? lookup.assets : undefined;
      const seen: number[] = [];
      const views: CompareView[] = [];
      const result = await runComparison({ kernel, runs: 2, onRun: (_run, index) => seen.push(index), onView: (view) => views.push(view) });
      expect(seen).toEqual([0, 1]);
      // The bars grow run by run: the first view has the first run's figures, the last one the medians.
      expect(views.map((view) => view.origin)).toEqual(['measured', 'measured']);
      expect(views[0]!.rows[0]!.vm).toBe(Math.round(result.runs[0]!.vm.firstOutputMs * 10) / 10);
      expect(views[1]!.rows).toEqual(toCompareView(result).rows);
      expect(result.runs).toHaveLength(2);
      // Debian names the image after its release: vmlinuz-6.1.0-56-cloud-amd64 says `uname -r` 6.1.0-56-cloud-amd64.
      const vmRelease = path.basename(result.vmKernelFile).replace(/^vmlinuz-/, '');
      expect(result.vmKernelFile).toBe(assets?.kernel);
      for (const run of result.runs) {
        expect(run.container.kernelRelease).toBe(os.release());
        expect(run.vm.kernelRelease).toBe(vmRelease);
        expect(run.vm.kernelRelease).not.toBe(os.release());
        for (const side of [run.container, run.vm]) {
          expect(side.firstOutputMs).toBeGreaterThan(0);
          expect(side.memoryBytes).toBeGreaterThan(0);
          expect(side.processes).toBeGreaterThanOrEqual(1);
          expect(side.threads).toBeGreaterThanOrEqual(side.processes);
        }
        expect(run.container.firstOutputMs).toBeLessThan(run.vm.firstOutputMs);
        // A guest kernel with its page tables and qemu itself weigh more than one shell in a cgroup.
        expect(run.container.memoryBytes!).toBeLessThan(run.vm.memoryBytes!);
      }
      expect(result.container.processes).toBe(1); // the shell, PID 1 of the container
      expect(result.vm.threads).toBeGreaterThan(1); // qemu runs its vCPU on a thread of its own
      const kernelBytes = fs.statSync(result.vmKernelFile).size;
      expect(result.vm.kernelBytes).toBe(kernelBytes);
      expect(result.vm.diskBytes).toBe(kernelBytes + result.vm.initramfsBytes);
      expect(result.container.diskBytes).toBe(fs.statSync(assets!.busybox).size + fs.statSync(assets!.probe).size);
      const expected = chooseAccel(readAccelFacts());
      if (expected.accel === 'tcg') expect(result.vmAccel).toBe('tcg');
      else expect(result.vmAccel === 'kvm' || /^KVM did not boot/.test(result.accelReason.en)).toBe(true);
      expect(result.accelReason.en).not.toBe('');
    }, 240_000);

    it('with KVM asked for: boots with it, or falls back to TCG and says why', async () => {
      const result = await runComparison({ kernel, runs: 1, accel: 'kvm' });
      if (result.vmAccel === 'tcg') expect(result.accelReason.en).toMatch(/^KVM did not boot the kernel \(.+\): software emulation \(TCG\)$/);
      else expect(chooseAccel(readAccelFacts()).accel).toBe('kvm');
      expect(result.runs[0]!.vm.kernelRelease).not.toBe(os.release());
    }, 120_000);

    it('Ctrl-C while the VM boots: qemu is killed, everything removed, exit 130', async () => {
      const signals = new EventEmitter();
      const stdout = new PassThrough();
      const stderr = new PassThrough();
      let err = '';
      stderr.on('data', (chunk) => (err += chunk));
      const { options } = parseGlobal(['compare', '--lang', 'en']);
      const running = runCompare(options, ['--runs', '3'], { stdout, stderr }, { signals: signals as unknown as NodeJS.Process });
      let qemu: number[] = [];
      const deadline = Date.now() + 60_000;
      while (qemu.length === 0 && Date.now() < deadline) {
        await sleep(20);
        qemu = qemuChildren();
      }
      expect(qemu).toHaveLength(1);
      await sleep(50); // into the boot, well before the probe runs
      expect(workspaces().length).toBe(dirsBefore.length + 1);
      const interrupted = performance.now();
      signals.emit('SIGINT');
      expect(await running).toBe(130);
      // Stopped at once, in the first run's boot: not after finishing the run it was in.
      expect(performance.now() - interrupted).toBeLessThan(2000);
      expect(err).not.toMatch(/run 1\/3/);
      expect(err).toMatch(/comparison interrupted: everything it started was stopped and removed/);
      expect(alive(qemu[0]!)).toBe(false);
      expect(signals.listenerCount('SIGINT')).toBe(0);
      expect(signals.listenerCount('SIGTERM')).toBe(0);
    }, 120_000);

    it('a real SIGINT to bin/glassbox compare mid-boot: exit 130, qemu gone, nothing left', async () => {
      const root = packageRoot();
      if (!fs.existsSync(path.join(root, 'dist', 'cli', 'commands', 'compare.js'))) throw new Error('dist/ has no compare: run npm run build first');
      const child = spawn(path.join(root, 'bin', 'glassbox'), ['compare', '--runs', '3', '--lang', 'en'], { stdio: ['ignore', 'pipe', 'pipe'] });
      let err = '';
      child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
      const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
      // bin/glassbox execs node, so the glassbox process keeps the pid and is qemu's parent.
      let qemu: number[] = [];
      const deadline = Date.now() + 60_000;
      while (qemu.length === 0 && Date.now() < deadline) {
        await sleep(20);
        qemu = qemuChildren(child.pid);
      }
      try {
        expect(qemu, err).toHaveLength(1);
        await sleep(50);
        const interrupted = performance.now();
        process.kill(child.pid!, 'SIGINT');
        expect(await exited, err).toBe(130);
        expect(performance.now() - interrupted).toBeLessThan(2000);
      } finally {
        if (child.exitCode === null) child.kill('SIGKILL');
      }
      expect(err).not.toMatch(/run 1\/3/);
      expect(err).toMatch(/comparison interrupted/);
      expect(alive(qemu[0]!)).toBe(false);
    }, 120_000);

    it('Ctrl-C while the container runs: the container and its cgroups are gone', async () => {
      const lookupResult = lookupVmAssets();
      if (!lookupResult.ok) throw new Error('assets vanished');
      const workspace = prepareWorkspace(lookupResult.assets);
      const controller = new AbortController();
      let containerPid = 0;
      const unsubscribe = subscribeContainerSteps((event) => {
        // execve done: the container's shell is running; stop it there.
        if (event.phase === 'done' && event.op === 'execve' && event.id.startsWith('compare-')) controller.abort();
      });
      try {
        const run = runProbeContainer({ kernel, rootfs: workspace.rootfs, signal: controller.signal }).then(
          (value) => {
            containerPid = value.pid;
            return value;
          },
        );
        await expect(run).rejects.toMatchObject({ code: 'COMPARE_INTERRUPTED' });
        expect(controller.signal.aborted).toBe(true);
        expect(containerPid).toBe(0);
      } finally {
        unsubscribe();
        workspace.remove();
      }
    }, 60_000);
  });
}
