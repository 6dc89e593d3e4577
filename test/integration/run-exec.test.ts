import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { placeInCgroups } from '../../src/container/cgroups.js';
import { execSpecFor } from '../../src/container/exec-spec.js';
import { launchContainer, launchExec } from '../../src/container/launch.js';
import type { StartedContainer } from '../../src/container/run-container.js';
import { nativeBinary } from '../../src/native/paths.js';
import { parseProbeReport } from '../../src/native/probe.js';
import { describeGateOutcome, realKernelGate } from '../helpers/real-kernel.js';
import { collect, useRunHarness } from './run-harness.js';

const gate = await realKernelGate();
const ready = nativeBinary('gbx-run') !== undefined && fs.existsSync('/bin/busybox');

function nsInode(pid: number, name: string): number {
  return Number(/\[(\d+)\]/.exec(fs.readlinkSync(`/proc/${pid}/ns/${name}`))![1]);
}

if (gate.mode !== 'run') {
  describeGateOutcome('exec: a process joins a running container on the real kernel', gate);
} else {
  describe.skipIf(!ready && process.env.GLASSBOX_REQUIRE_REAL !== '1')('exec: a process joins a running container on the real kernel', () => {
    const h = useRunHarness('run-exec', gate.createKernel);

    /** A container whose PID 1 sleeps; the test's body runs while it does, then it is killed and waited for. */
    async function withRunning(flags: Parameters<typeof h.spec>[1], body: (c: StartedContainer, spec: ReturnType<typeof h.spec>) => Promise<void>): Promise<void> {
      const spec = h.spec(['/bin/sleep', '60'], { pidsLimit: '50', memory: '64m', ...flags });
      const container = await h.start(spec);
      try {
        // exec may only join a container that is fully built: after its execve.
        expect(await container.launched.running).toBe(true);
        await body(container, spec);
      } finally {
        // PID 1 of a pid namespace ignores signals it has no handler for, except from outside: SIGKILL from here.
        process.kill(container.launched.pid, 'SIGKILL');
        const result = await container.wait();
        expect(result.status).toBe(137);
      }
    }

    it('runs gbx-probe in the namespaces and cgroups of PID 1, with a pid above 1, its own user, env and cwd', async () => {
      await withRunning({ hostname: 'execbox', env: ['FROM_RUN=1'] }, async (container, spec) => {
        const execSpec = execSpecFor(spec, container.launched.pid, ['/gbx-probe'], { env: ['FROM_EXEC=2'], workdir: '/tmp', user: '1000:1000' });
        const launched = await launchExec(execSpec, {
          stdio: ['ignore', 'pipe', 'pipe'],
          beforeRelease: (pid) => placeInCgroups(h.kernel(), container.plan, pid),
        });
        h.track(launched.pid, launched.helperPid);
        const [stdout, stderr, result] = await Promise.all([collect(launched.stdout), collect(launched.stderr), launched.exited]);
        expect(result.error, stderr).toBeNull();
        expect(result.status).toBe(0);
        const report = parseProbeReport(stdout);
        for (const name of ['mnt', 'uts', 'ipc', 'pid', 'net', 'cgroup'] as const) {
          expect(report.namespaces[name]?.inode, name).toBe(nsInode(container.launched.pid, name));
          expect(report.namespaces[name]?.inode, name).not.toBe(nsInode(process.pid, name));
        }
        expect(report.pid).toBeGreaterThan(1);
        expect(report.ppid).toBe(0); // its parent, gbx-run, is outside the pid namespace
        expect(report.hostname).toBe('execbox');
        expect(report.uid!.effective).toBe(1000);
        expect(report.cwd).toBe('/tmp');
        expect(report.root).toBe('/');
        expect(report.fds!.map((fd) => fd.fd)).toEqual([0, 1, 2]);
        // Same cgroups as PID 1, seen from inside its cgroup namespace as the root.
        const memory = report.cgroups!.find((c) => c.controllers.includes('memory'));
        expect(memory?.path).toBe('/');
        const environ = fs.readFileSync(`/proc/${container.launched.pid}/environ`, 'utf8').split('\0');
        expect(environ).toContain('FROM_RUN=1');
        expect(result.steps.filter((s) => s.op === 'setns').map((s) => s.args.nstype)).toEqual([
          'CLONE_NEWPID', 'CLONE_NEWIPC', 'CLONE_NEWUTS', 'CLONE_NEWNET', 'CLONE_NEWCGROUP', 'CLONE_NEWNS',
        ]);
        expect(result.steps.at(-1)).toMatchObject({ op: 'execve', ret: 0 });
      });
    });

    it('sees the env of exec on top of the container\'s, and PID 1 sees the exec\'d process', async () => {
      await withRunning({ env: ['A=run', 'B=run'] }, async (container, spec) => {
        const launched = await launchExec(execSpecFor(spec, container.launched.pid, ['/bin/sh', '-c', 'echo A=$A B=$B; echo $$; ls -d /proc/[0-9]* | wc -l'], { env: ['B=exec'] }), {
          stdio: ['ignore', 'pipe', 'pipe'],
          beforeRelease: (pid) => placeInCgroups(h.kernel(), container.plan, pid),
        });
        h.track(launched.pid, launched.helperPid);
        const [stdout, , result] = await Promise.all([collect(launched.stdout), collect(launched.stderr), launched.exited]);
        expect(result.status).toBe(0);
        const [envLine, pid, count] = stdout.trim().split('\n');
        expect(envLine).toBe('A=run B=exec');
        expect(Number(pid)).toBeGreaterThan(1);
        // sleep (1), the shell, and ls itself: the host's processes stay invisible.
        expect(Number(count)).toBeLessThanOrEqual(4);
      });
    });

    it('exec -t gets a pty of the container\'s devpts', async () => {
      await withRunning({}, async (container, spec) => {
        const launched = await launchExec(execSpecFor(spec, container.launched.pid, ['/bin/sh', '-c', 'tty; echo $$'], { tty: true }), {
          stdio: ['ignore', 'pipe', 'pipe'],
          beforeRelease: (pid) => placeInCgroups(h.kernel(), container.plan, pid),
        });
        h.track(launched.pid, launched.helperPid);
        const [stdout, , result] = await Promise.all([collect(launched.stdout), collect(launched.stderr), launched.exited]);
        expect(result.status).toBe(0);
        const [tty, pid] = stdout.split('\r\n');
        expect(tty).toBe('/dev/pts/0');
        expect(Number(pid)).toBeGreaterThan(1);
      });
    });

    it('refuses to join a container still being built (before its pivot_root), instead of running in the host root', async () => {
      const spec = h.spec(['/bin/true']);
      let release: () => void = () => undefined;
      const paused = new Promise<void>((resolve) => {
        release = resolve;
      });
      let reached: () => void = () => undefined;
      const atHostname = new Promise<void>((resolve) => {
        reached = resolve;
      });
      const launched = await launchContainer(spec, {
        stdio: ['ignore', 'ignore', 'ignore'],
        onNext: async (step) => {
          if (step.op === 'sethostname') {
            reached();
            await paused;
          }
        },
      });
      h.track(launched.pid, launched.helperPid);
      try {
        await atHostname;
        await expect(launchExec(execSpecFor(spec, launched.pid, ['/gbx-probe']), { stdio: ['ignore', 'ignore', 'ignore'] })).rejects.toThrow(
          /not in its own root yet \(the container is still starting\)/,
        );
      } finally {
        release();
        expect((await launched.exited).status).toBe(0);
      }
    });

    it('fails clearly when the container is gone', async () => {
      const spec = h.spec(['/bin/true']);
      const container = await h.start(spec);
      const pid = container.launched.pid;
      await container.wait();
      await expect(launchExec(execSpecFor(spec, pid, ['/bin/true']), { stdio: ['ignore', 'ignore', 'ignore'] })).rejects.toThrow(
        new RegExp(`failed to open /proc/${pid}/ns/\\w+: is the container running\\?`),
      );
    });
  });
}
