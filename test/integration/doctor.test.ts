import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NOBODY, installForNobody } from '../helpers/nobody-install.js';
import { describeGateOutcome, realKernelGate } from '../helpers/real-kernel.js';

const root = path.resolve(import.meta.dirname, '..', '..');
const bin = path.join(root, 'bin', 'glassbox');
const built = fs.existsSync(path.join(root, 'dist', 'cli', 'main.js'));
// Root tests run where the real kernel can be used; with GLASSBOX_REQUIRE_REAL=1 they fail elsewhere.
const gate = await realKernelGate();
const real = gate.mode === 'run';
if (gate.mode !== 'run') describeGateOutcome('glassbox doctor as root', gate);

// Where uid 65534 runs glassbox from: set up by the unprivileged tests.
let nobodyBin = bin;

function doctor(args: string[], asNobody = false): { status: number | null; stdout: string; stderr: string } {
  if (!built) throw new Error('dist/ is missing: run npm run build first');
  const command = asNobody ? 'setpriv' : bin;
  const argv = asNobody ? [...NOBODY, nobodyBin, ...args] : args;
  const result = spawnSync(command, argv, { encoding: 'utf8', env: { ...process.env, LANG: 'C' } });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** What the test reads on its own, to compare with the doctor's account. */
function independentFacts() {
  const status = fs.readFileSync('/proc/self/status', 'utf8');
  const capEff = BigInt(`0x${/^CapEff:\s*([0-9a-f]+)/m.exec(status)![1]}`);
  const last = Number(fs.readFileSync('/proc/sys/kernel/cap_last_cap', 'utf8'));
  const missingBits: number[] = [];
  for (let bit = 0; bit <= last; bit++) if (((capEff >> BigInt(bit)) & 1n) === 0n) missingBits.push(bit);
  const mountinfo = fs.readFileSync('/proc/self/mountinfo', 'utf8');
  const v1 = /- cgroup /.test(mountinfo);
  const v2 = /- cgroup2 /.test(mountinfo);
  return { missingBits, v1, v2 };
}

describe.runIf(real)('glassbox doctor as root', () => {
  it('reports what the machine has, matching what the test reads itself', () => {
    const { status, stdout, stderr } = doctor(['doctor', '--json']);
    expect(stderr).toBe('');
    expect(status).toBe(0);
    const { facts, verdict } = JSON.parse(stdout);
    const own = independentFacts();
    expect(facts.uid).toBe(0);
    expect(facts.capabilities.missing).toHaveLength(own.missingBits.length);
    if (own.missingBits.includes(24)) expect(facts.capabilities.missing).toContain('CAP_SYS_RESOURCE');
    // v1 mounts beside cgroup2 make hybrid, unless the only v1 mount is a named one (then v2).
    const expected = own.v1 && own.v2 ? ['hybrid', 'v2'] : own.v2 ? ['v2'] : own.v1 ? ['v1'] : ['none'];
    expect(expected).toContain(facts.cgroups.layout);
    if (facts.cgroups.layout === 'hybrid') {
      for (const name of ['memory', 'cpu', 'pids']) {
        expect(facts.cgroups.controllers[name]).toMatchObject({ version: 1, writable: true });
        expect(facts.cgroups.controllers[name].dir).toMatch(new RegExp(`^/sys/fs/cgroup/${name}`));
      }
    }
    if (/\toverlay$/m.test(fs.readFileSync('/proc/filesystems', 'utf8'))) expect(facts.overlay).toBe(true);
    expect(facts.kvm.present).toBe(fs.existsSync('/dev/kvm'));
    expect(facts.namespaces).toMatchObject({ mnt: true, pid: true, net: true, uts: true, ipc: true });
    expect(verdict.mode).toBe('real');
  });

  it('explains in words, in English and Korean', () => {
    const en = doctor(['doctor', '--lang', 'en']);
    expect(en.status).toBe(0);
    expect(en.stdout).toMatch(/The tour runs on the REAL kernel/);
    const ko = doctor(['doctor', '--lang', 'ko']);
    expect(ko.stdout).toMatch(/투어는 실제 커널에서 실행됩니다/);
  });
});

describe.runIf(real)('glassbox doctor as an unprivileged user', () => {
  let installed: ReturnType<typeof installForNobody> | undefined;
  beforeAll(() => {
    if (!built) throw new Error('dist/ is missing: run npm run build first');
    installed = installForNobody(root);
    nobodyBin = path.join(installed.root, 'bin', 'glassbox');
  });
  afterAll(() => installed?.dispose());

  it('chooses the simulation and says why, without a stack trace', () => {
    const { status, stdout, stderr } = doctor(['doctor', '--json'], true);
    expect(stderr).toBe('');
    expect(status).toBe(0);
    const { facts, verdict } = JSON.parse(stdout);
    expect(facts.uid).toBe(65534);
    expect(facts.capabilities.effective).toEqual([]);
    expect(verdict.mode).toBe('simulated');
    expect(verdict.reasons[0].en).toMatch(/not root \(uid 65534\)/);
    expect(verdict.lessons.every((lesson: { mode: string }) => lesson.mode === 'simulated')).toBe(true);
  });

  it('prints the reasons in plain words', () => {
    const { status, stdout, stderr } = doctor(['doctor', '--lang', 'ko'], true);
    expect(status).toBe(0);
    expect(stderr).not.toMatch(/\n\s+at /);
    expect(stdout).toMatch(/시뮬레이션 커널에서 실행됩니다/);
    expect(stdout).toMatch(/root가 아닙니다\(uid 65534\)/);
  });
});

it('bin/glassbox runs on Node 22 even when the system node is older', () => {
  if (!built) throw new Error('dist/ is missing: run npm run build first');
  const version = execFileSync(bin, ['version'], { encoding: 'utf8' });
  expect(version.trim()).toMatch(/^\d+\.\d+\.\d+$/);
  const nodeVersion = execFileSync(path.join(root, 'node_modules', '.bin', 'node'), ['--version'], { encoding: 'utf8' });
  expect(Number(/^v(\d+)/.exec(nodeVersion)![1])).toBeGreaterThanOrEqual(22);
});
