/**
exec only into a container that is running (its program past execve), exec -d, and logs that
keep stdout and stderr apart: bin/glassbox in a scratch GLASSBOX_HOME on the real kernel
(root), the demo image built offline. Each test ends with `glassbox gc` and a check that
nothing is left: no mount below the home, no container cgroup, no process with the token.
*/
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { describeGateOutcome, realKernelGate } from '../helpers/real-kernel.js';
import { containerCli, processesWith, waitFor, glassbox, missingForContainers } from './cli-lifecycle-helpers.js';

const gate = await realKernelGate();
const missing = missingForContainers();

let home: string;
let token: string;
const { env, cli, start, loop, ids, cleanUp } = containerCli(() => ({ home, token }));

/** Fields of /proc/<pid>/stat after the command name: [state, ppid, pgrp, session, …]. */
function statFields(pid: number): string[] {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
}

/** Running or sleeping; a zombie waits only for whoever reaps orphans here. */
function isAlive(pid: number): boolean {
  try {
    return statFields(pid)[0] !== 'Z';
  } catch {
    return false;
  }
}

function inode(file: string): string {
  const stat = fs.statSync(file);
  return `${stat.dev}:${stat.ino}`;
}

if (gate.mode !== 'run') {
  describeGateOutcome('glassbox exec and logs', gate);
} else {
  describe.skipIf(missing.length > 0 && process.env.GLASSBOX_REQUIRE_REAL !== '1')(`glassbox exec and logs${missing.length > 0 ? ` (missing ${missing.join(', ')})` : ''}`, () => {
    beforeEach(() => {
      home = fs.mkdtempSync(path.join(os.tmpdir(), 'glassbox-exec-logs-'));
      token = `gbxexec${randomBytes(6).toString('hex')}`;
    });

    afterEach(cleanUp);

    it('refuses exec while the container is starting (built, before its execve); after run -d returns it joins', async () => {
      // The demo image first, so that the paused run below is at its container at once.
      expect(cli('run', '--rm', 'demo', 'true').code).toBe(0);
      const held = start(['run', '--name', 'early', 'demo', ...loop()], { GLASSBOX_TEST_PAUSE_AT: 'before-execve' });
      try {
        await waitFor(() => held.err().includes('glassbox: paused before-execve'), 'the run holds its container before execve');
        const [id] = ids();
        const state = JSON.parse(fs.readFileSync(path.join(home, 'containers', id!, 'state.json'), 'utf8')) as { status: string; processes: { init: { pid: number } } };
        expect(state.status).toBe('starting');
        // The window this closes: the child already has its own root, so gbx-run's own
        // check (a root still the host's) would let an exec through; only the status stops it.
        const init = state.processes.init.pid;
        expect(inode(`/proc/${init}/root/`)).not.toBe(inode('/'));
        const refused = cli('exec', 'early', 'true');
        expect(refused.code).toBe(2);
        expect(refused.err).toContain('container early is still starting');
        expect(cli('exec', '-d', 'early', 'true').code).toBe(2);
        expect(cli('ps').out).not.toContain('early');
        expect(cli('ps', '-a').out).toMatch(/ Starting +early$/m);
        expect(JSON.parse(cli('inspect', 'early').out)[0].State).toMatchObject({ Status: 'created', Running: false });
        expect(cli('rm', 'early').err).toContain('cannot remove container early: it is starting');
      } finally {
        held.child.kill('SIGKILL');
        await held.done;
      }
      expect(cli('gc').out).toMatch(/^removed [0-9a-f]{12} \(early, was starting/m);
      // run -d answers once the program runs: an exec right after it is never too early.
      expect(cli('run', '-d', '--name', 'ready', 'demo', ...loop()).code).toBe(0);
      expect(JSON.parse(cli('ps', '--json').out)[0]).toMatchObject({ name: 'ready', state: 'running' });
      const ran = cli('exec', 'ready', 'cat', '/proc/1/cmdline');
      expect(ran.code, ran.err).toBe(0);
      expect(ran.out).toContain(token);
      expect(cli('rm', '-f', 'ready').code).toBe(0);
    });

    it('exec -d: prints nothing, exits 0 once the process runs, in the container\'s namespaces and cgroups; stop ends it', async () => {
      const id = cli('run', '-d', '--name', 'box', 'demo', ...loop()).out.trim();
      const [row] = JSON.parse(cli('ps', '--json').out) as { pid: number }[];
      const detached = cli('exec', '-d', 'box', 'sh', '-c', `sleep 1000; : ${token}-exec`);
      expect(detached).toEqual({ code: 0, out: '', err: '' });
      const [found] = processesWith(`${token}-exec`);
      expect(found).toBeDefined();
      const pid = Number(found!.split(':')[0]);
      for (const ns of ['pid', 'mnt', 'uts', 'ipc', 'net', 'cgroup']) {
        expect(fs.readlinkSync(`/proc/${pid}/ns/${ns}`)).toBe(fs.readlinkSync(`/proc/${row!.pid}/ns/${ns}`));
      }
      expect(fs.readFileSync(`/proc/${pid}/cgroup`, 'utf8')).toBe(fs.readFileSync(`/proc/${row!.pid}/cgroup`, 'utf8'));
      // Its gbx-run outlived `glassbox exec`, in a session of its own: no terminal's signal reaches it.
      const helper = Number(statFields(pid)[1]);
      expect(fs.readlinkSync(`/proc/${helper}/exe`)).toContain('memfd:gbx-run');
      expect(Number(statFields(helper)[3])).toBe(helper);
      const inside = cli('exec', 'box', 'ps', '-o', 'pid,args');
      expect(inside.out).toMatch(new RegExp(`^ +\\d+ sh -c sleep 1000; : ${token}-exec$`, 'm'));
      // A command that cannot run is still exec -d's failure, as docker reports it.
      const missingCommand = cli('exec', '-d', 'box', 'no-such-command');
      expect(missingCommand.code).toBe(127);
      expect(missingCommand.err).toContain('no-such-command');
      expect(cli('stop', '-t', '1', 'box').code).toBe(0);
      expect(processesWith(token)).toEqual([]);
      await waitFor(() => !isAlive(helper), 'the exec\'s gbx-run is gone');
      expect(cli('rm', id).code).toBe(0);
    });

    it('logs writes the container\'s stdout to stdout and its stderr to stderr, in order; -t prefixes RFC 3339 times', async () => {
      const before = Date.now();
      const script = 'echo out1; sleep 0.1; echo err1 >&2; sleep 0.1; printf part; sleep 0.1; echo ial; sleep 0.1; echo err2 >&2';
      expect(cli('run', '-d', '--name', 'both', 'demo', 'sh', '-c', `${script}; : ${token}`).code).toBe(0);
      await waitFor(() => /Exited \(0\)/.test(cli('ps', '-a').out), 'the container has exited');
      const after = Date.now();
      expect(cli('logs', 'both')).toEqual({ code: 0, out: 'out1\npartial\n', err: 'err1\nerr2\n' });
      // Both streams into one pipe: the order they were written in.
      const merged = spawnSync('sh', ['-c', `"$0" logs both 2>&1`, glassbox], { env: env(), encoding: 'utf8' });
      expect(merged.stdout).toBe('out1\nerr1\npartial\nerr2\n');
      const stamped = cli('logs', '-t', 'both');
      const stampedOut = stamped.out.split('\n').filter(Boolean);
      const stampedErr = stamped.err.split('\n').filter(Boolean);
      const line = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z) (.*)$/;
      expect(stampedOut.map((text) => line.exec(text)?.[2])).toEqual(['out1', 'partial']);
      expect(stampedErr.map((text) => line.exec(text)?.[2])).toEqual(['err1', 'err2']);
      const times = [stampedOut[0], stampedErr[0], stampedOut[1], stampedErr[1]].map((text) => Date.parse(line.exec(text!)![1]!));
      expect([...times].sort((a, b) => a - b)).toEqual(times);
      expect(times[0]).toBeGreaterThanOrEqual(before - 1000);
      expect(times[3]).toBeLessThanOrEqual(after + 1000);
      // The gaps are the script's sleeps (100 ms each, two between err1 and err2).
      expect(times[3]! - times[1]!).toBeGreaterThanOrEqual(150);
      const records = JSON.parse(`[${cli('logs', '--json', 'both').out.trim().split('\n').join(',')}]`) as { stream: string; log: string }[];
      expect(records.map((record) => `${record.stream}:${record.log}`)).toEqual(['stdout:out1\n', 'stderr:err1\n', 'stdout:part', 'stdout:ial\n', 'stderr:err2\n']);
    });

    it('logs -f follows both streams until the container exits', async () => {
      const ran = cli('run', '-d', '--name', 'talk', 'demo', ...loop('echo a; echo b >&2; trap "echo c; echo d >&2; exit 0" TERM;'));
      expect(ran.code, ran.err).toBe(0);
      const follow = start(['logs', '-f', 'talk']);
      await waitFor(() => follow.out() === 'a\n' && follow.err() === 'b\n', 'logs -f printed what there was');
      expect(cli('stop', '-t', '5', 'talk').code).toBe(0);
      expect(await follow.done).toEqual({ code: 0, out: 'a\nc\n', err: 'b\nd\n' });
      expect(cli('rm', 'talk').code).toBe(0);
    });
  });
}
