/**
The container commands end to end, as a user runs them: bin/glassbox in a scratch
GLASSBOX_HOME on the real kernel (root), the demo image built offline. Each test ends with
`glassbox gc` and a check that nothing of its containers is left: no mount below the home, no
cgroup named after one of its containers, no process whose command line holds the test's token.
*/
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startDemoRegistry } from '../../src/demo/demo-registry.js';
import { describeGateOutcome, realKernelGate } from '../helpers/real-kernel.js';
import { containerCli, waitFor, glassbox, missingForContainers } from './cli-lifecycle-helpers.js';

const gate = await realKernelGate();
const missing = missingForContainers();

let home: string;
let token: string;
const { env, cli, start, loop, ids, cleanUp } = containerCli(() => ({ home, token }));

if (gate.mode !== 'run') {
  describeGateOutcome('glassbox run and friends', gate);
} else {
  describe.skipIf(missing.length > 0 && process.env.GLASSBOX_REQUIRE_REAL !== '1')(`glassbox run and friends${missing.length > 0 ? ` (missing ${missing.join(', ')})` : ''}`, () => {
    const seen = new Set<string>();

    beforeEach(() => {
      home = fs.mkdtempSync(path.join(os.tmpdir(), 'glassbox-cli-life-'));
      token = `gbxtest${randomBytes(6).toString('hex')}`;
    });

    afterEach(() => {
      try {
        for (const id of ids()) seen.add(id);
        cleanUp();
      } finally {
        seen.clear();
      }
    });

    it('runs in the foreground: the output passes through and the exit code is the container\'s', () => {
      const ran = cli('run', '--rm', 'demo', 'sh', '-c', 'echo out; echo err >&2; exit 7');
      expect(ran.code).toBe(7);
      expect(ran.out).toBe('out\n');
      expect(ran.err).toContain('err\n');
      expect(ran.err).toContain("Unable to find image 'demo' locally");
      // --rm: nothing is kept.
      expect(ids()).toEqual([]);
      // The layer stack was checked once; the next runs take the short road, and without the
      // marker the long one again (which writes it back).
      const markers = path.join(home, 'containers', '.checked-chains');
      expect(fs.readdirSync(markers)).toHaveLength(1);
      expect(cli('run', '--rm', 'demo', 'true').code).toBe(0);
      fs.rmSync(markers, { recursive: true });
      expect(cli('run', '--rm', 'demo', 'true').code).toBe(0);
      expect(fs.readdirSync(markers)).toHaveLength(1);
    });

    it('keeps an exited container for ps -a, inspect and diff, until rm', () => {
      const ran = cli('run', '--name', 'keep', '-e', 'GREETING=hi', 'demo', 'sh', '-c', 'echo $GREETING > /new; rm /etc/os-release; exit 3');
      expect(ran.code).toBe(3);
      const ps = cli('ps', '-a');
      const row = ps.out.split('\n').find((line) => line.endsWith(' keep'));
      expect(row).toMatch(/^[0-9a-f]{12} +demo +"sh -c echo \$GREETIN…" .* Exited \(3\) .* keep$/);
      expect(cli('ps').out.split('\n')).toHaveLength(2); // the header and the final newline: nothing running
      const [inspected] = JSON.parse(cli('inspect', 'keep').out) as { State: Record<string, unknown>; Name: string; Config: { Env: string[] }; GraphDriver: { Data: { UpperDir: string } } }[];
      expect(inspected!.Name).toBe('/keep');
      expect(inspected!.State).toMatchObject({ Status: 'exited', Running: false, ExitCode: 3, OOMKilled: false, Pid: 0 });
      expect(inspected!.Config.Env).toContain('GREETING=hi');
      expect(fs.readFileSync(path.join(inspected!.GraphDriver.Data.UpperDir, 'new'), 'utf8')).toBe('hi\n');
      // The mount points of /etc/hostname, hosts and resolv.conf are not the container's changes (docker hides them too).
      expect(cli('diff', 'keep').out.split('\n')).toEqual(['C /etc', 'D /etc/os-release', 'A /new', '']);
      // The mount is gone with the process; the upper dir stays for diff.
      expect(fs.readFileSync('/proc/self/mountinfo', 'utf8')).not.toContain(home);
      // A second container cannot take the name; a prefix of the id finds the first.
      const clash = cli('run', '--name', 'keep', 'demo', 'true');
      expect(clash.code).toBe(2);
      expect(clash.err).toContain('the container name "/keep" is already in use');
      const id = ids()[0]!;
      expect(JSON.parse(cli('inspect', id.slice(0, 5)).out)[0].Id).toBe(id);
      // rmi refuses while the container exists.
      const rmi = cli('rmi', 'demo');
      expect(rmi.code).toBe(1);
      expect(rmi.err).toContain(`used by container ${id.slice(0, 12)} (keep)`);
      expect(cli('rm', 'keep').out).toBe('keep\n');
      expect(ids()).toEqual([]);
      expect(cli('ps', '-a', '-q').out).toBe('');
    });

    it('-d: prints the id, ps shows it up, logs has its output, stop ends it with SIGTERM, rm removes it', async () => {
      const ran = cli('run', '-d', '--name', 'web', 'demo', ...loop('echo hello; trap "echo bye; exit 0" TERM;'));
      expect(ran.code, ran.err).toBe(0);
      const id = ran.out.trim();
      expect(id).toMatch(/^[0-9a-f]{64}$/);
      seen.add(id);
      expect(cli('ps').out).toMatch(new RegExp(`^${id.slice(0, 12)} .* Up .* web$`, 'm'));
      const [row] = JSON.parse(cli('ps', '--json').out) as { id: string; pid: number; state: string }[];
      expect(row).toMatchObject({ id, state: 'running' });
      expect(fs.readFileSync(`/proc/${row!.pid}/cmdline`, 'utf8')).toContain(token);
      await waitFor(() => cli('logs', 'web').out === 'hello\n', 'the log has hello');
      // logs -f prints what there is, keeps following, and ends when the container does.
      const follow = start(['logs', '-f', 'web']);
      await waitFor(() => follow.out() === 'hello\n', 'logs -f printed what there was');
      const stop = cli('stop', '-t', '5', 'web');
      expect(stop.out).toBe('web\n');
      expect(await follow.done).toEqual({ code: 0, out: 'hello\nbye\n', err: '' });
      expect(cli('logs', 'web').out).toBe('hello\nbye\n');
      expect(cli('ps', '-a').out).toMatch(/Exited \(0\) .* web$/m);
      expect(fs.existsSync(`/proc/${row!.pid}`)).toBe(false);
      expect(cli('rm', id.slice(0, 8)).code).toBe(0);
      expect(ids()).toEqual([]);
    });

    it('stop falls back to SIGKILL when PID 1 ignores SIGTERM; rm -f kills a running one', () => {
      const id = cli('run', '-d', 'demo', ...loop()).out.trim();
      const stop = cli('stop', '-t', '1', id);
      expect(stop.code).toBe(0);
      expect(JSON.parse(cli('inspect', id).out)[0].State).toMatchObject({ Status: 'exited', ExitCode: 137 });
      const second = cli('run', '-d', '--rm', 'demo', ...loop()).out.trim();
      const refused = cli('rm', second);
      expect(refused.code).toBe(1);
      expect(refused.err).toContain('it is running');
      expect(cli('rm', '-f', second).code).toBe(0);
      expect(ids()).toEqual([id]);
    });

    it('exits 128+signal when the container is killed, and forwards Ctrl-C', async () => {
      const killed = start(['run', '--name', 'victim', 'demo', ...loop()]);
      await waitFor(() => cli('ps', '-q').out !== '', 'the container runs');
      expect(cli('kill', 'victim').code).toBe(0);
      expect((await killed.done).code).toBe(137);
      const interrupted = start(['run', '--rm', 'demo', ...loop('trap "exit 42" INT;')]);
      await waitFor(() => cli('ps', '-q').out !== '', 'the container runs');
      interrupted.child.kill('SIGINT');
      expect((await interrupted.done).code).toBe(42);
    });

    it('pulls a missing image from a registry first, as docker run does', async () => {
      const registryRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'glassbox-run-registry-'));
      const demo = await startDemoRegistry({ root: registryRoot });
      try {
        const ran = await start(['run', '--rm', demo.reference, 'cat', '/etc/os-release']).done;
        expect(ran.code, ran.err).toBe(0);
        expect(ran.err).toContain(`Unable to find image '${demo.reference}' locally`);
        expect(ran.err).toMatch(/: Pull complete\n/);
        expect(ran.err).toContain(`Status: Downloaded newer image for ${demo.reference}`);
        expect(ran.out).toMatch(/^NAME=/m);
        // Stored now: the second run does not pull.
        const again = cli('run', '--rm', demo.reference, 'true');
        expect(again.code).toBe(0);
        expect(again.err).toBe('');
      } finally {
        await demo.close();
        fs.rmSync(registryRoot, { recursive: true, force: true });
      }
    });

    it('stops a pull that hangs on Ctrl-C, before any container is made (130)', async () => {
      // A registry that accepts connections and never answers.
      const server = net.createServer(() => undefined);
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      try {
        const port = (server.address() as net.AddressInfo).port;
        const run = start(['run', `127.0.0.1:${port}/hang:1`, 'true']);
        await waitFor(() => run.err().includes('Unable to find image'), 'the pull starts');
        run.child.kill('SIGINT');
        const ran = await run.done;
        expect(ran.code).toBe(130);
        expect(ran.err).toContain('run interrupted before the container was made');
        expect(ids()).toEqual([]);
      } finally {
        server.close();
      }
    });

    it('reports an OOM kill: 137, a clear line, OOMKilled true', () => {
      const ran = cli('run', '--name', 'hog', '--memory', '32m', 'demo', 'gbx-load', 'hog', String(128 * 1024 * 1024));
      expect(ran.code).toBe(137);
      expect(ran.err).toContain("container hog was killed by the kernel's OOM killer");
      expect(JSON.parse(cli('inspect', 'hog').out)[0].State).toMatchObject({ OOMKilled: true, ExitCode: 137 });
    });

    it('exec joins a running container: its pid namespace, hostname, cgroups, env, cwd and user; exit code its own', () => {
      const id = cli('run', '-d', '--name', 'box', '--hostname', 'boxhost', '--pids-limit', '50', 'demo', ...loop()).out.trim();
      const ran = cli('exec', '-e', 'X=1', '-w', '/etc', 'box', 'sh', '-c', 'echo $$ $X $(pwd) $(hostname); tr "\\0" " " < /proc/1/cmdline; echo; grep pids /proc/self/cgroup; exit 5');
      expect(ran.code, ran.err).toBe(5);
      const [first, init, pids] = ran.out.trim().split('\n');
      const [pid, x, cwd, host] = first!.split(' ');
      expect(Number(pid)).toBeGreaterThan(1);
      expect([x, cwd, host]).toEqual(['1', '/etc', 'boxhost']);
      expect(init).toContain(token);
      // Placed in the container's pids group: inside its cgroup namespace that is the root.
      expect(pids).toMatch(/^\d+:pids:\/$/);
      expect(cli('exec', '-u', '1000:1000', 'box', 'id').out.trim()).toBe('uid=1000 gid=1000');
      cli('stop', '-t', '0', id);
      const stopped = cli('exec', 'box', 'true');
      expect(stopped.code).toBe(2);
      expect(stopped.err).toContain('container box is not running');
    });

    it('-t gives the container a pty of its own devpts; -v and --tmpfs mount inside the root', () => {
      const script = spawnSync('script', ['-qec', `${glassbox} run --rm -t demo sh -c 'test -t 0 && test -t 1 && readlink /proc/self/fd/1'`, '/dev/null'], { env: env(), encoding: 'utf8', timeout: 60_000 });
      expect(script.status, script.stderr).toBe(0);
      // script(1) shows stderr on the same terminal: the pull lines come first.
      expect(script.stdout.trim().split(/\r?\n/).at(-1)).toBe('/dev/pts/0');
      const shared = fs.mkdtempSync(path.join(os.tmpdir(), 'glassbox-volume-'));
      try {
        fs.writeFileSync(path.join(shared, 'from-host'), 'host\n');
        const ran = cli('run', '--name', 'vol', '-v', `${shared}:/data:ro`, '--tmpfs', '/scratch', 'demo', 'sh', '-c', 'cat /data/from-host; touch /data/x 2>&1 | grep -c "Read-only"; echo t > /scratch/f && cat /scratch/f');
        expect(ran.code, ran.err).toBe(0);
        expect(ran.out).toBe('host\n1\nt\n');
        expect(fs.readdirSync(shared)).toEqual(['from-host']);
        const [inspected] = JSON.parse(cli('inspect', 'vol').out) as { Mounts: { Type: string; Source: string; Destination: string; RW: boolean }[]; HostConfig: { Binds: string[] } }[];
        expect(inspected!.HostConfig.Binds).toEqual([`${shared}:/data:ro`]);
        expect(inspected!.Mounts.map(({ Type, Source, Destination, RW }) => ({ Type, Source, Destination, RW }))).toEqual([
          { Type: 'bind', Source: shared, Destination: '/data', RW: false },
          { Type: 'tmpfs', Source: '', Destination: '/scratch', RW: true },
        ]);
        // Nothing of the volume leaks into diff: it is not part of the root.
        expect(cli('diff', 'vol').out).not.toContain('/data/');
      } finally {
        cli('rm', '-f', 'vol');
        fs.rmSync(shared, { recursive: true, force: true });
      }
    });

    it('gives --json everywhere and refuses what it cannot do', () => {
      const run = JSON.parse(cli('--json', 'run', '-d', '--rm', 'demo', ...loop()).out) as { id: string; name: string };
      expect(run.name).toMatch(/^[a-z]+_[a-z]+\d?$/);
      expect((JSON.parse(cli('ps', '--json').out) as { id: string }[]).map((row) => row.id)).toEqual([run.id]);
      expect(JSON.parse(cli('kill', '--json', run.id).out)).toEqual({ signal: 'SIGKILL', killed: [run.id] });
      const volume = cli('run', '-v', 'relative:/x', 'demo', 'true');
      expect(volume.code).toBe(2);
      expect(cli('stop', 'nosuch').err).toContain('no such container: nosuch');
      expect(cli('--kernel', 'sim', 'run', 'demo', 'true').err).toContain('containers from the CLI run on the real kernel only');
    });
  });
}
