// observe on the live machine: what the readers say, checked against what the test reads on its own
// (fs.statSync inodes and devices, access(2), cgroup.procs, node's own pid). Runs with node:fs as the
// reader everywhere on Linux, and with the real kernel backend where the gate allows.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { KernelReader } from '../../src/observe/reader.js';
import { detectCgroupLayout, findCgroupHierarchy, ownCgroupDir } from '../../src/observe/cgroup-layout.js';
import { capabilityName, missingCapabilities, readCapLastCap } from '../../src/observe/capabilities.js';
import { readMountInfo } from '../../src/observe/mountinfo.js';
import { NAMESPACE_TYPES, compareNamespaces, readNamespaces } from '../../src/observe/namespaces.js';
import { buildProcessTree, readProcessStat, readProcessTable } from '../../src/observe/process-tree.js';
import { readStatus } from '../../src/observe/status.js';
import { nodeReader } from '../fixtures/observe/readers.js';
import { describeGateOutcome, realKernelGate } from '../helpers/real-kernel.js';

interface Sleeper {
  pid: number;
  stop(): Promise<void>;
}

interface Variant {
  name: string;
  reader: KernelReader;
  startSleep(): Sleeper;
}

function sleepWithNode(): Sleeper {
  const child = spawn('sleep', ['30'], { stdio: 'ignore' });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    pid: child.pid!,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
}

const linux = process.platform === 'linux';
const variants: Variant[] = [{ name: 'node:fs', reader: nodeReader, startSleep: sleepWithNode }];
const gate = linux ? await realKernelGate() : null;
if (gate?.mode === 'run') {
  const kernel = gate.createKernel();
  variants.push({
    name: 'linux backend',
    reader: kernel,
    startSleep() {
      const child = kernel.spawn(['sleep', '30']);
      let done = false;
      const exited = child.exited.then(() => {
        done = true;
      });
      return {
        pid: child.pid,
        async stop() {
          if (!done) kernel.kill(child.pid, 'SIGKILL');
          await exited;
        },
      };
    },
  });
} else if (gate !== null) {
  describeGateOutcome('observe on the linux backend', gate);
}

/** The device number as stat(2) packs it (glibc major()/minor()). */
function splitDev(dev: number): { major: number; minor: number } {
  const big = BigInt(dev);
  return { major: Number(((big >> 8n) & 0xfffn) | ((big >> 32n) & ~0xfffn)), minor: Number((big & 0xffn) | ((big >> 12n) & ~0xffn)) };
}

function canCreateIn(dir: string): boolean {
  try {
    fs.accessSync(dir, fs.constants.W_OK | fs.constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

for (const { name, reader, startSleep } of variants) {
  describe.runIf(linux)(`observe the live machine (${name})`, () => {
    it('detects the cgroup layout the mount table shows', () => {
      const mountinfo = fs.readFileSync('/proc/self/mountinfo', 'utf8');
      const v2 = / - cgroup2 /.test(mountinfo);
      const v1Controllers = mountinfo.split('\n').filter((line) => / - cgroup cgroup .*\b(memory|cpu|pids|cpuset|blkio|devices|freezer)\b/.test(line));
      const layout = detectCgroupLayout(reader);
      expect(layout.kind).toBe(v2 ? (v1Controllers.length > 0 ? 'hybrid' : 'v2') : v1Controllers.length > 0 ? 'v1' : 'none');
      // This project's machine: v1 memory, cpu and pids beside a cgroup2 mount at /sys/fs/cgroup/unified.
      if (v2 && / \/sys\/fs\/cgroup\/memory .* - cgroup cgroup /.test(mountinfo)) {
        expect(layout.kind).toBe('hybrid');
        for (const controller of ['memory', 'cpu', 'pids']) expect(findCgroupHierarchy(layout, controller)?.version).toBe(1);
      }
    });

    it('places us in the cgroup whose cgroup.procs lists our pid, and agrees with access(2)', () => {
      const layout = detectCgroupLayout(reader);
      const seen = layout.hierarchies.filter((h) => h.ownDir !== null);
      expect(seen.length).toBe(layout.hierarchies.length);
      for (const hierarchy of seen) {
        const procs = fs.readFileSync(path.join(hierarchy.ownDir!, 'cgroup.procs'), 'utf8').split('\n');
        expect(procs, hierarchy.ownDir!).toContain(String(process.pid));
        expect(hierarchy.writable, hierarchy.ownDir!).toBe(canCreateIn(hierarchy.ownDir!));
      }
      for (const controller of ['memory', 'cpu', 'pids']) {
        const dir = ownCgroupDir(layout, controller);
        if (dir !== null) expect(fs.statSync(dir).isDirectory()).toBe(true);
      }
    });

    it('parses one mount per line of /proc/self/mountinfo, with the devices stat(2) reports', () => {
      const text = fs.readFileSync('/proc/self/mountinfo', 'utf8');
      const entries = readMountInfo(reader, 'self');
      expect(entries).toHaveLength(text.trim().split('\n').length);
      // Compare the topmost mount of each point (no later mount on it or above it);
      // autofs is skipped because stat would trigger it.
      let compared = 0;
      entries.forEach((entry, index) => {
        const later = entries.slice(index + 1);
        const covered = later.some((e) => e.mountPoint === entry.mountPoint || entry.mountPoint.startsWith(`${e.mountPoint.replace(/\/$/, '')}/`));
        if (covered || entry.fsType === 'autofs') return;
        const stat = fs.statSync(entry.mountPoint, { throwIfNoEntry: false });
        if (stat === undefined) return;
        expect(splitDev(stat.dev), entry.mountPoint).toEqual({ major: entry.major, minor: entry.minor });
        compared++;
      });
      expect(compared).toBeGreaterThan(3);
    });

    it('reads namespace inodes equal to stat(2) of /proc/self/ns/*', () => {
      const set = readNamespaces(reader, 'self');
      let present = 0;
      for (const type of NAMESPACE_TYPES) {
        const file = `/proc/self/ns/${type}`;
        if (!fs.existsSync(file)) {
          expect(set[type], type).toBeNull();
          continue;
        }
        expect(set[type]?.inode, type).toBe(fs.statSync(file).ino);
        present++;
      }
      expect(present).toBeGreaterThanOrEqual(7);
    });

    it('sees this process under its parent, and a sleep child with the right ppid until it is killed', async () => {
      const table = readProcessTable(reader);
      expect(table.get(process.pid)?.ppid).toBe(process.ppid);
      const parent = buildProcessTree(table, process.ppid)!;
      expect(parent.children.map((child) => child.stat.pid)).toContain(process.pid);

      const sleeper = startSleep();
      try {
        const child = readProcessStat(reader, sleeper.pid);
        expect(child).toMatchObject({ pid: sleeper.pid, ppid: process.pid });
        const ours = buildProcessTree(readProcessTable(reader), process.pid)!;
        expect(ours.children.map((c) => c.stat.pid)).toContain(sleeper.pid);
      } finally {
        await sleeper.stop();
      }
      // Reaped: its /proc directory is gone, and the reader says so instead of throwing.
      expect(readProcessStat(reader, sleeper.pid)).toBeNull();
      expect(fs.existsSync(`/proc/${sleeper.pid}`)).toBe(false);
    });

    it('reads our own status and capabilities as the kernel reports them', () => {
      const status = readStatus(reader, 'self');
      expect(status.pid).toBe(process.pid);
      expect(status.ppid).toBe(process.ppid);
      expect(status.uid.effective).toBe(process.geteuid!());
      expect(status.gid.effective).toBe(process.getegid!());
      expect(status.nsPid.at(-1)).toBe(process.pid);
      const text = fs.readFileSync('/proc/self/status', 'utf8');
      const capEff = BigInt(`0x${/^CapEff:\s*([0-9a-f]+)$/m.exec(text)![1]}`);
      expect(status.capabilities.effective).toBe(capEff);

      const lastCap = readCapLastCap(reader);
      expect(lastCap).toBe(Number(fs.readFileSync('/proc/sys/kernel/cap_last_cap', 'utf8')));
      const missingBits = Array.from({ length: lastCap + 1 }, (_, bit) => bit).filter((bit) => ((capEff >> BigInt(bit)) & 1n) === 0n);
      expect(missingCapabilities(status.capabilities.effective, lastCap)).toEqual(missingBits.map(capabilityName));
      // The project's machine: root with everything but CAP_SYS_RESOURCE.
      if (process.geteuid!() === 0 && missingBits.length === 1) {
        expect(missingCapabilities(capEff, lastCap)).toEqual(['CAP_SYS_RESOURCE']);
      }
    });

    it('finds a child started without new namespaces in all of ours', async () => {
      const sleeper = startSleep();
      try {
        const rows = compareNamespaces(readNamespaces(reader, 'self'), readNamespaces(reader, sleeper.pid));
        for (const row of rows) expect(row.same === true || (row.left === null && row.right === null), row.type).toBe(true);
      } finally {
        await sleeper.stop();
      }
    });
  });
}
