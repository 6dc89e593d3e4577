import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { afterEach, beforeAll, expect } from 'vitest';
import { dockerFlagsToSpec, type DockerRunFlags } from '../../src/container/docker-flags.js';
import { startContainer, type RunResult, type StartedContainer } from '../../src/container/run-container.js';
import type { ContainerSpec } from '../../src/container/spec.js';
import type { Kernel } from '../../src/kernel/types.js';
import { parseProbeReport, type ProbeReport } from '../../src/native/probe.js';
import { diffHostState, snapshotHostState } from '../helpers/host-state.js';
import { makeRunRootfs } from '../helpers/run-rootfs.js';

/**
The shared part of the run-*.test.ts files: a kernel, a fresh busybox + gbx-probe root per
container, scratch dirs, and after every test the check that nothing is left (mounts,
cgroups, our processes, the dirs themselves).
*/
export type Ran = RunResult & { stdout: string; stderr: string; pid: number; helperPid: number };

export function collect(stream: Readable | null): Promise<string> {
  if (stream === null) return Promise.resolve('');
  const chunks: Buffer[] = [];
  stream.on('data', (chunk: Buffer) => chunks.push(chunk));
  return new Promise((resolve) => stream.on('close', () => resolve(Buffer.concat(chunks).toString('utf8'))));
}

export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export interface RunHarness {
  kernel(): Kernel;
  /** A scratch directory (glassbox- prefix), removed after the test. */
  scratch(mode?: number): string;
  /** A fresh root; edit it before the run. */
  rootfs(): string;
  /** Remember pids to check they are gone after the test. */
  track(...pids: number[]): void;
  spec(args: string[], flags?: DockerRunFlags, rootfs?: string): ContainerSpec;
  start(spec: ContainerSpec, stdin?: 'ignore' | 'pipe'): Promise<StartedContainer>;
  run(args: string[], flags?: DockerRunFlags, edit?: (spec: ContainerSpec) => void): Promise<Ran>;
  probe(flags?: DockerRunFlags, edit?: (spec: ContainerSpec) => void): Promise<{ ran: Ran; report: ProbeReport }>;
}

export function useRunHarness(name: string, createKernel: () => Kernel): RunHarness {
  let kernel: Kernel;
  const dirs: string[] = [];
  const pids: number[] = [];
  let counter = 0;
  const before = snapshotHostState(name);

  beforeAll(() => {
    kernel = createKernel();
  });

  afterEach(() => {
    for (const dir of dirs.splice(0)) {
      fs.rmSync(dir, { recursive: true, force: true });
      expect(fs.existsSync(dir)).toBe(false);
    }
    // Only what these tests make: other suites may run on the same machine at the same time.
    const ours = (entry: string): boolean => entry.includes(`glassbox-t${process.pid}x`) || entry.includes('glassbox-run-');
    expect(diffHostState(before, snapshotHostState(name)).filter(ours)).toEqual([]);
    expect(pids.splice(0).filter(alive)).toEqual([]);
  });

  const harness: RunHarness = {
    kernel: () => kernel,
    scratch(mode = 0o755) {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'glassbox-run-'));
      fs.chmodSync(dir, mode);
      dirs.push(dir);
      return dir;
    },
    rootfs() {
      const root = makeRunRootfs();
      dirs.push(root);
      return root;
    },
    track(...more) {
      pids.push(...more);
    },
    spec(args, flags = {}, rootfs = harness.rootfs()) {
      counter += 1;
      return dockerFlagsToSpec(`t${process.pid}x${counter}${name.replace(/[^a-z]/g, '')}`, rootfs, args, flags);
    },
    async start(spec, stdin = 'ignore') {
      const container = await startContainer(kernel, spec, { stdio: [stdin, 'pipe', 'pipe'] });
      pids.push(container.launched.pid, container.launched.helperPid);
      return container;
    },
    async run(args, flags = {}, edit) {
      const spec = harness.spec(args, flags);
      edit?.(spec);
      const container = await harness.start(spec);
      const [stdout, stderr, result] = await Promise.all([
        collect(container.launched.stdout),
        collect(container.launched.stderr),
        container.wait(),
      ]);
      return { ...result, stdout, stderr, pid: container.launched.pid, helperPid: container.launched.helperPid };
    },
    async probe(flags = {}, edit) {
      const ran = await harness.run(['/gbx-probe'], flags, edit);
      expect(ran.error, ran.stderr).toBeNull();
      expect(ran.status).toBe(0);
      return { ran, report: parseProbeReport(ran.stdout) };
    },
  };
  return harness;
}
