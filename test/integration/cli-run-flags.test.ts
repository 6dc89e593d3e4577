/**
`glassbox run`'s Docker flags, from argv to the kernel: gbx-probe inside says what the process
got (ids, capabilities, no_new_privs, hostname, cwd, a read-only root), and the host reads the
container's cgroup files for the limits, while it runs (-d, the probe sleeping).
*/
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseProbeReport } from '../../src/native/probe.js';
import { describeGateOutcome, realKernelGate } from '../helpers/real-kernel.js';
import { leftovers, removeHome, waitFor } from './cli-lifecycle-helpers.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const glassbox = path.join(root, 'bin', 'glassbox');
const gate = await realKernelGate();
const missing = ['dist/cli/main.js', 'native/bin/gbx-run', 'native/bin/gbx-probe'].filter((file) => !fs.existsSync(path.join(root, file)));
if (!fs.existsSync('/bin/busybox')) missing.push('/bin/busybox');

let home: string;

function cli(...args: string[]): { code: number | null; out: string; err: string } {
  const result = spawnSync(glassbox, args, { env: { ...process.env, GLASSBOX_HOME: home }, encoding: 'utf8', timeout: 60_000 });
  return { code: result.status, out: result.stdout, err: result.stderr };
}

function read(dir: string, file: string): string {
  return fs.readFileSync(path.join(dir, file), 'utf8').trim();
}

if (gate.mode !== 'run') {
  describeGateOutcome('glassbox run flags on the kernel', gate);
} else {
  describe.skipIf(missing.length > 0 && process.env.GLASSBOX_REQUIRE_REAL !== '1')(`glassbox run flags on the kernel${missing.length > 0 ? ` (missing ${missing.join(', ')})` : ''}`, () => {
    beforeEach(() => {
      home = fs.mkdtempSync(path.join(os.tmpdir(), 'glassbox-cli-run-'));
    });

    afterEach(() => {
      try {
        cli('rm', '-f', 'lim');
        cli('gc');
        // Mounts and cgroups; the probe's process is checked in the test itself.
        expect(leftovers(home, `no-process-${randomBytes(4).toString('hex')}`)).toEqual([]);
      } finally {
        removeHome(home);
      }
    });

    it('maps --memory, --cpus, --cpu-shares, --pids-limit, --read-only, --cap-*, --security-opt, --user, -w, --hostname', async () => {
      const token = randomBytes(4).toString('hex');
      const ran = cli(
        'run', '-d', '--name', 'lim', '--memory', '64m', '--memory-swap', '128m', '--cpus', '0.5', '--cpu-shares', '512', '--pids-limit', '20',
        '--read-only', '--cap-drop', 'ALL', '--cap-add', 'NET_BIND_SERVICE', '--security-opt', 'no-new-privileges', '--user', '1000:1000',
        '-w', '/tmp', '--hostname', `h${token}`, 'demo', 'gbx-probe', '--sleep', '30',
      );
      expect(ran.code, ran.err).toBe(0);
      await waitFor(() => cli('logs', 'lim').out.includes('\n'), 'the probe reported');
      const report = parseProbeReport(cli('logs', 'lim').out.split('\n')[0]!);
      expect(report.pid).toBe(1);
      expect(report.hostname).toBe(`h${token}`);
      expect(report.uid!.effective).toBe(1000);
      expect(report.gid!.effective).toBe(1000);
      expect(report.cwd).toBe('/tmp');
      expect(report.noNewPrivs).toBe(true);
      expect(report.capabilities.bounding!.names).toEqual(['CAP_NET_BIND_SERVICE']);
      expect(report.capabilities.inheritable!.hex).toBe('0000000000000000');

      const [inspected] = JSON.parse(cli('inspect', 'lim').out) as {
        HostConfig: Record<string, unknown>;
        Glassbox: { Cgroups: { version: 1 | 2; controllers: string[]; dir: string }[] };
      }[];
      expect(inspected!.HostConfig).toMatchObject({ Memory: 64 * 1024 ** 2, MemorySwap: 128 * 1024 ** 2, NanoCpus: 5e8, CpuShares: 512, PidsLimit: 20, ReadonlyRootfs: true });
      const group = (controller: string): { version: 1 | 2; dir: string } => inspected!.Glassbox.Cgroups.find((g) => g.controllers.includes(controller))!;
      const memory = group('memory');
      const cpu = group('cpu');
      const pids = group('pids');
      if (memory.version === 1) {
        expect(read(memory.dir, 'memory.limit_in_bytes')).toBe(String(64 * 1024 ** 2));
        if (fs.existsSync(path.join(memory.dir, 'memory.memsw.limit_in_bytes'))) expect(read(memory.dir, 'memory.memsw.limit_in_bytes')).toBe(String(128 * 1024 ** 2));
      } else {
        expect(read(memory.dir, 'memory.max')).toBe(String(64 * 1024 ** 2));
        expect(read(memory.dir, 'memory.swap.max')).toBe(String(64 * 1024 ** 2));
      }
      if (cpu.version === 1) {
        expect([read(cpu.dir, 'cpu.cfs_quota_us'), read(cpu.dir, 'cpu.cfs_period_us'), read(cpu.dir, 'cpu.shares')]).toEqual(['50000', '100000', '512']);
      } else {
        expect(read(cpu.dir, 'cpu.max')).toBe('50000 100000');
      }
      expect(read(pids.dir, 'pids.max')).toBe('20');
      // The probe is in every group, as the host sees it.
      const pid = (JSON.parse(cli('ps', '--json').out) as { pid: number }[])[0]!.pid;
      for (const g of [memory, cpu, pids]) expect(read(g.dir, 'cgroup.procs').split('\n')).toContain(String(pid));

      const write = cli('exec', 'lim', 'sh', '-c', 'touch /new-file');
      expect(write.code).toBe(1);
      expect(write.err).toContain('Read-only file system');
      expect(cli('rm', '-f', 'lim').code).toBe(0);
      expect(fs.existsSync(`/proc/${pid}`)).toBe(false);
    });

    it('mounts the root of a --rm container volatile (nothing to sync at its end), and only that one', () => {
      // The kernel shows the option in the overlay's super options as fsync=volatile.
      const rootLine = (out: string): string => out.split('\n').find((line) => line.split(' ')[4] === '/') ?? '';
      const removed = cli('run', '--rm', 'demo', 'cat', '/proc/self/mountinfo');
      expect(removed.code, removed.err).toBe(0);
      expect(rootLine(removed.out)).toMatch(/ - overlay overlay .*volatile/);
      expect(fs.readdirSync(path.join(home, 'containers')).filter((name) => !name.startsWith('.'))).toEqual([]);
      const kept = cli('run', '--name', 'lim', 'demo', 'cat', '/proc/self/mountinfo');
      expect(kept.code, kept.err).toBe(0);
      expect(rootLine(kept.out)).toMatch(/ - overlay overlay /);
      expect(rootLine(kept.out)).not.toMatch(/volatile/);
    });
  });
}
