/**
kill -9 of glassbox at each step of `run` (after the mount, after the cgroups, with gbx-run's
child held just before its execve, after the launch; GLASSBOX_TEST_PAUSE_AT parks it there),
then `glassbox gc`: the state written ahead of each
resource names everything, so no mount, cgroup, process or state is left. Also the -d monitor
killed while its container runs: the next command (here `ps`) collects it.
*/
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { describeGateOutcome, realKernelGate } from '../helpers/real-kernel.js';
import { containerCgroups, leftovers, processesWith, removeHome, waitFor } from './cli-lifecycle-helpers.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const glassbox = path.join(root, 'bin', 'glassbox');
const gate = await realKernelGate();
const missing = ['dist/cli/main.js', 'native/bin/gbx-run'].filter((file) => !fs.existsSync(path.join(root, file)));
if (!fs.existsSync('/bin/busybox')) missing.push('/bin/busybox');

let home: string;
let token: string;

function cli(...args: string[]): { code: number | null; out: string; err: string } {
  const result = spawnSync(glassbox, args, { env: { ...process.env, GLASSBOX_HOME: home }, encoding: 'utf8', timeout: 60_000 });
  return { code: result.status, out: result.stdout, err: result.stderr };
}

function ids(): string[] {
  const dir = path.join(home, 'containers');
  return fs.existsSync(dir) ? fs.readdirSync(dir).filter((name) => /^[0-9a-f]{64}$/.test(name)) : [];
}

function mountsBelowHome(): string[] {
  const real = fs.realpathSync(home);
  return fs
    .readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .map((line) => line.split(' ')[4] ?? '')
    .filter((point) => point.startsWith(`${real}/`));
}

/** The container's processes: the ones with the token, but not glassbox itself (its argv has it too). */
const containerProcesses = (glassboxPid: number): string[] => processesWith(token).filter((line) => !line.startsWith(`${glassboxPid}:`));

/** Pids in the container's cgroups: before its execve the child still has gbx-run's command line, not the token. */
const cgroupMembers = (): string[] => containerCgroups().flatMap((dir) => fs.readFileSync(path.join(dir, 'cgroup.procs'), 'utf8').split('\n').filter(Boolean));

/** The pids the state recorded (gbx-run and the container's first process), as the test saw them before the kill. */
function recordedPids(): number[] {
  const [id] = ids();
  if (id === undefined) return [];
  const state = JSON.parse(fs.readFileSync(path.join(home, 'containers', id, 'state.json'), 'utf8')) as { processes: Record<string, { pid: number } | undefined> };
  return [state.processes.helper?.pid, state.processes.init?.pid].filter((pid): pid is number => pid !== undefined);
}

/** The cgroups the state names: run records them with the container, before it makes them. */
function recordedCgroups(): string[] {
  const [id] = ids();
  if (id === undefined) return [];
  const state = JSON.parse(fs.readFileSync(path.join(home, 'containers', id, 'state.json'), 'utf8')) as { cgroups?: { groups: { dir: string }[] } };
  return (state.cgroups?.groups ?? []).map((group) => group.dir);
}

/** Running or sleeping; a zombie waits only for whoever reaps orphans here. */
function isAlive(pid: number): boolean {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

const STEPS = [
  // The groups are recorded (planned with the container), not made: gc meets names that do not exist.
  { step: 'after-mount', taken: (pid: number) => mountsBelowHome().length >= 1 && recordedCgroups().length > 0 && containerCgroups().length === 0 && containerProcesses(pid).length === 0 },
  { step: 'after-cgroup', taken: (pid: number) => mountsBelowHome().length >= 1 && containerCgroups().length > 0 && containerProcesses(pid).length === 0 },
  // Cloned, placed and built, not yet executed: the state says starting and names both pids.
  { step: 'before-execve', taken: (pid: number) => mountsBelowHome().length >= 1 && cgroupMembers().length >= 1 && containerProcesses(pid).length === 0 && recordedPids().length === 2 },
  // gbx-run and the container's shell.
  { step: 'after-launch', taken: (pid: number) => mountsBelowHome().length >= 1 && containerCgroups().length > 0 && containerProcesses(pid).length >= 1 },
] as const;

if (gate.mode !== 'run') {
  describeGateOutcome('glassbox gc after a kill -9', gate);
} else {
  describe.skipIf(missing.length > 0 && process.env.GLASSBOX_REQUIRE_REAL !== '1')(`glassbox gc after a kill -9${missing.length > 0 ? ` (missing ${missing.join(', ')})` : ''}`, () => {
    beforeEach(() => {
      home = fs.mkdtempSync(path.join(os.tmpdir(), 'glassbox-gc-crash-'));
      token = `gbxcrash${randomBytes(6).toString('hex')}`;
      // The demo image and its layers, so each test starts at the container itself.
      expect(cli('run', '--rm', 'demo', 'true').code).toBe(0);
    });

    afterEach(() => {
      try {
        cli('gc');
        expect(leftovers(home, token)).toEqual([]);
      } finally {
        removeHome(home);
      }
    });

    for (const { step, taken } of STEPS) {
      it(`collects a run killed ${step.replace('-', ' ')}`, async () => {
        const child = spawn(glassbox, ['run', '--name', 'crash', 'demo', 'sh', '-c', `while :; do sleep 0.1; done; : ${token}`], {
          env: { ...process.env, GLASSBOX_HOME: home, GLASSBOX_TEST_PAUSE_AT: step },
          stdio: ['ignore', 'ignore', 'pipe'],
        });
        let err = '';
        child.stderr!.on('data', (chunk: Buffer) => (err += chunk.toString()));
        const exited = new Promise((resolve) => child.on('exit', resolve));
        let recorded: number[] = [];
        try {
          await waitFor(() => err.includes(`glassbox: paused ${step}`), `glassbox pauses ${step}`);
          expect(taken(child.pid!), err).toBe(true);
          recorded = recordedPids();
        } finally {
          child.kill('SIGKILL');
          await exited;
        }
        // What it took is still there after the kill: only gc removes it.
        expect(leftovers(home, token)).not.toEqual([]);
        expect(ids()).toHaveLength(1);
        const gc = cli('gc');
        expect(gc.code, gc.err).toBe(0);
        expect(gc.out).toMatch(/^removed [0-9a-f]{12} \(crash, was (created|starting|running)/m);
        expect(leftovers(home, token)).toEqual([]);
        expect(recorded.filter(isAlive)).toEqual([]);
        expect(ids()).toEqual([]);
        expect(cli('gc').out.trim()).toBe('nothing to collect');
      });
    }

    it('collects a -d container whose monitor was killed, in the next command', async () => {
      const id = cli('run', '-d', '--name', 'orphan', 'demo', 'sh', '-c', `while :; do sleep 0.1; done; : ${token}`).out.trim();
      const [inspected] = JSON.parse(cli('inspect', id).out) as { Glassbox: { Processes: { owner: { pid: number } } } }[];
      const monitor = inspected!.Glassbox.Processes.owner.pid;
      expect(fs.readFileSync(`/proc/${monitor}/cmdline`, 'utf8')).toContain(`container-monitor\0${id}`);
      process.kill(monitor, 'SIGKILL');
      await waitFor(() => !fs.existsSync(`/proc/${monitor}`), 'the monitor is gone');
      expect(processesWith(token)).not.toEqual([]);
      expect(cli('ps', '-a', '-q').out).toBe('');
      expect(leftovers(home, token)).toEqual([]);
      expect(ids()).toEqual([]);
    });
  });
}
