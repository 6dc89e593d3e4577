import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { execSpecFor } from '../../src/container/exec-spec.js';
import { launchExec } from '../../src/container/launch.js';
import type { UserNamespaceSpec } from '../../src/container/spec.js';
import { nativeBinary } from '../../src/native/paths.js';
import { parseProbeReport } from '../../src/native/probe.js';
import { describeGateOutcome, realKernelGate } from '../helpers/real-kernel.js';
import { collect, useRunHarness } from './run-harness.js';

const gate = await realKernelGate();
const ready = nativeBinary('gbx-run') !== undefined && fs.existsSync('/bin/busybox');

/** A host range no user of this machine has: uid 0 inside is BASE outside. */
const BASE = 1_300_000;
const USERNS: UserNamespaceSpec = {
  uidMap: [{ inside: 0, outside: BASE, count: 65536 }],
  gidMap: [{ inside: 0, outside: BASE, count: 65536 }],
};

/** The image's files belong to the namespace's root, as after a userns-remapped unpack. */
function chownTree(dir: string, uid: number): void {
  fs.lchownSync(dir, uid, uid);
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) chownTree(full, uid);
    else fs.lchownSync(full, uid, uid);
  }
}

if (gate.mode !== 'run') {
  describeGateOutcome('run: user namespaces with maps written by Node on the real kernel', gate);
} else {
  describe.skipIf(!ready && process.env.GLASSBOX_REQUIRE_REAL !== '1')('run: user namespaces with maps written by Node on the real kernel', () => {
    const h = useRunHarness('run-userns', gate.createKernel);

    it('maps uid 0 inside to the host range; a file made on a volume belongs to the mapped host uid', async () => {
      const volume = h.scratch();
      fs.chownSync(volume, BASE, BASE);
      const { ran, report } = await h.probe({ volume: [`${volume}:/data`] }, (spec) => {
        spec.userns = USERNS;
        chownTree(spec.rootfs, BASE);
        spec.process.args = ['/bin/sh', '-c', 'echo made > /data/file && exec /gbx-probe'];
      });
      expect(report.uid!.effective).toBe(0);
      expect(report.uidMap).toEqual([{ inside: 0, outside: BASE, count: 65536 }]);
      expect(report.gidMap).toEqual([{ inside: 0, outside: BASE, count: 65536 }]);
      expect(report.namespaces.user?.inode).not.toBe(Number(/\[(\d+)\]/.exec(fs.readlinkSync('/proc/self/ns/user'))![1]));
      expect(report.pid).toBe(1);
      // Root inside, nobody outside: the file on the host is the mapped uid's.
      const made = fs.statSync(path.join(volume, 'file'));
      expect([made.uid, made.gid]).toEqual([BASE, BASE]);
      // The devices could not be made (mknod is refused in a user namespace): the host's are bound.
      expect(ran.steps.filter((s) => s.op === 'mknod')).toEqual([]);
      expect(ran.steps.find((s) => s.op === 'mount' && s.args.source === '/dev/null')).toMatchObject({ ret: 0 });
    });

    it('cannot reach what the host\'s root owns: a root-owned 0600 file on a volume stays unreadable to root inside', async () => {
      const volume = h.scratch();
      fs.writeFileSync(path.join(volume, 'secret'), 'host only\n', { mode: 0o600 });
      const ran = await h.run(['/bin/sh', '-c', 'cat /data/secret; echo cat=$?; ls -ln /data/secret'], { volume: [`${volume}:/data`] }, (spec) => {
        spec.userns = USERNS;
        chownTree(spec.rootfs, BASE);
      });
      expect(ran.status, ran.stderr).toBe(0);
      expect(ran.stdout).toContain('cat=1');
      expect(ran.stdout).not.toContain('host only');
      // The host's root is unmapped inside: it shows as the overflow uid.
      expect(ran.stdout).toMatch(/ 65534 +65534 /);
    });

    it('exec joins the user namespace first and runs as its root', async () => {
      const spec = h.spec(['/bin/sleep', '60']);
      spec.userns = USERNS;
      chownTree(spec.rootfs, BASE);
      const container = await h.start(spec);
      try {
        expect(await container.launched.running).toBe(true);
        const launched = await launchExec(execSpecFor(spec, container.launched.pid, ['/gbx-probe']), { stdio: ['ignore', 'pipe', 'pipe'] });
        h.track(launched.pid, launched.helperPid);
        const [stdout, stderr, result] = await Promise.all([collect(launched.stdout), collect(launched.stderr), launched.exited]);
        expect(result.error, stderr).toBeNull();
        const report = parseProbeReport(stdout);
        expect(report.uidMap).toEqual([{ inside: 0, outside: BASE, count: 65536 }]);
        expect(report.uid!.effective).toBe(0);
        expect(report.pid).toBeGreaterThan(1);
        expect(result.steps.filter((s) => s.op === 'setns').map((s) => s.args.nstype)[1]).toBe('CLONE_NEWUSER');
      } finally {
        process.kill(container.launched.pid, 'SIGKILL');
        await container.wait();
      }
    });

    it('gives a pty with -t in a user namespace too (devpts mounted by the namespace\'s root)', async () => {
      const ran = await h.run(['/bin/sh', '-c', 'tty; /bin/busybox stat -c %u /dev/pts/0'], { tty: true }, (spec) => {
        spec.userns = USERNS;
        chownTree(spec.rootfs, BASE);
      });
      expect(ran.status, ran.stdout).toBe(0);
      expect(ran.stdout).toBe('/dev/pts/0\r\n0\r\n');
    });

    it('refuses maps the kernel would reject, before anything runs', async () => {
      await expect(
        h.run(['/bin/true'], {}, (spec) => {
          spec.userns = { uidMap: [{ inside: 0, outside: BASE, count: 10 }, { inside: 5, outside: BASE + 100, count: 10 }], gidMap: USERNS.gidMap };
        }),
      ).rejects.toThrow(/invalid uid map .*ranges overlap/);
    });
  });
}
