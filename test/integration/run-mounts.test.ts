import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeEtcFiles } from '../../src/container/etc-files.js';
import { nativeBinary } from '../../src/native/paths.js';
import { describeGateOutcome, realKernelGate } from '../helpers/real-kernel.js';
import { useRunHarness } from './run-harness.js';

const gate = await realKernelGate();
const ready = nativeBinary('gbx-run') !== undefined && fs.existsSync('/bin/busybox');

/** The mount of the container at dest, from its own /proc/self/mountinfo (printed by the test's shell). */
function mountLine(mountinfo: string, dest: string): string | undefined {
  return mountinfo.split('\n').find((line) => line.split(' ')[4] === dest);
}

if (gate.mode !== 'run') {
  describeGateOutcome('run: volumes, tmpfs and /etc files on the real kernel', gate);
} else {
  describe.skipIf(!ready && process.env.GLASSBOX_REQUIRE_REAL !== '1')('run: volumes, tmpfs and /etc files on the real kernel', () => {
    const h = useRunHarness('run-mounts', gate.createKernel);

    it('binds -v host:/ctr read-write and -v host:/ctr:ro read-only', async () => {
      const rw = h.scratch(0o777);
      const ro = h.scratch();
      fs.writeFileSync(path.join(ro, 'given'), 'from the host\n');
      const ran = await h.run(['/bin/sh', '-c', 'echo hello > /data/out; cat /in/given; echo x > /in/nope; echo ro=$?'], {
        volume: [`${rw}:/data`, `${ro}:/in:ro`],
      });
      expect(ran.status, ran.stderr).toBe(0);
      expect(fs.readFileSync(path.join(rw, 'out'), 'utf8')).toBe('hello\n');
      expect(ran.stdout).toContain('from the host');
      expect(ran.stdout).toContain('ro=1');
      expect(ran.stderr).toMatch(/Read-only file system/);
      expect(fs.existsSync(path.join(ro, 'nope'))).toBe(false);
      // Made parents first inside the root; reported as steps that name the destination.
      const opens = ran.steps.filter((s) => s.op === 'openat' && s.args.path === '/data');
      expect(opens).toHaveLength(1);
      expect(opens[0]).toMatchObject({ ret: expect.any(Number), errno: null, args: { resolved: '/data' } });
    });

    it('mounts --tmpfs with Docker\'s defaults (noexec, nosuid, nodev) and the size and mode given', async () => {
      const ran = await h.run(['/bin/sh', '-c', 'cat /proc/self/mountinfo; /bin/busybox stat -c %a /scratch'], {
        tmpfs: ['/scratch:size=1m,mode=1770', '/run/a/b'],
      });
      expect(ran.status, ran.stderr).toBe(0);
      const line = mountLine(ran.stdout, '/scratch');
      expect(line).toMatch(/ - tmpfs tmpfs /);
      expect(line).toMatch(/nosuid,nodev,noexec/);
      expect(line).toMatch(/size=1024k/);
      expect(ran.stdout.trim().split('\n').at(-1)).toBe('1770');
      // Missing parents are made inside the root.
      expect(mountLine(ran.stdout, '/run/a/b')).toBeDefined();
    });

    it('keeps a volume through an absolute symlink in the image inside the root (/data -> /etc)', async () => {
      const volume = h.scratch();
      fs.writeFileSync(path.join(volume, 'marker'), 'volume\n');
      const hostEtc = fs.readdirSync('/etc').sort();
      const ran = await h.run(['/bin/sh', '-c', 'cat /etc/marker; cat /proc/self/mountinfo'], { volume: [`${volume}:/data`] }, (spec) => {
        fs.mkdirSync(path.join(spec.rootfs, 'etc'));
        fs.symlinkSync('/etc', path.join(spec.rootfs, 'data'));
      });
      expect(ran.status, ran.stderr).toBe(0);
      expect(ran.stdout).toMatch(/^volume$/m);
      expect(mountLine(ran.stdout, '/etc')).toBeDefined();
      expect(ran.steps.find((s) => s.op === 'openat' && s.args.path === '/data')?.args.resolved).toBe('/etc');
      expect(fs.readdirSync('/etc').sort()).toEqual(hostEtc);
    });

    it('creates a destination behind a relative symlink that climbs out (../../../tmp/x) inside the root, nothing on the host', async () => {
      const volume = h.scratch(0o777);
      const outside = h.scratch();
      // Far more ".." than the rootfs is deep: outside the root, this would name <outside>/x on the host.
      const climb = `${'../'.repeat(12)}${outside.slice(1)}/x`;
      let rootfs = '';
      const ran = await h.run(['/bin/sh', '-c', 'echo inside > /data/file'], { volume: [`${volume}:/data`] }, (spec) => {
        rootfs = spec.rootfs;
        fs.symlinkSync(climb, path.join(spec.rootfs, 'data'));
      });
      expect(ran.status, ran.stderr).toBe(0);
      expect(fs.readdirSync(outside)).toEqual([]);
      expect(fs.statSync(path.join(rootfs, outside, 'x')).isDirectory()).toBe(true);
      expect(fs.readFileSync(path.join(volume, 'file'), 'utf8')).toBe('inside\n');
      expect(ran.steps.find((s) => s.op === 'openat' && s.args.path === '/data')?.args.resolved).toBe(`${outside}/x`);
    });

    it('refuses a destination whose symlink chain loops, naming it', async () => {
      const volume = h.scratch();
      const ran = await h.run(['/bin/true'], { volume: [`${volume}:/loop`] }, (spec) => {
        fs.symlinkSync('/loop', path.join(spec.rootfs, 'loop'));
      });
      expect(ran.status).toBe(125);
      expect(ran.error).toMatchObject({ message: expect.stringMatching(/mount destination \/loop/), errno: 'ELOOP' });
    });

    it('binds /etc/hostname, /etc/hosts and /etc/resolv.conf from files of its own, even over image symlinks', async () => {
      const dir = h.scratch();
      const hostResolv = path.join(h.scratch(), 'resolv.conf');
      fs.writeFileSync(hostResolv, 'search example.org\nnameserver 127.0.0.53\nnameserver 10.1.2.3\n');
      const secret = path.join(h.scratch(), 'secret');
      fs.writeFileSync(secret, 'host secret\n');
      const files = writeEtcFiles(dir, { hostname: 'box1', privateNetwork: true, hostResolvConf: hostResolv });
      const ran = await h.run(['/bin/sh', '-c', 'cat /etc/hostname; cat /etc/hosts; cat /etc/resolv.conf; echo edited >> /etc/hosts'], { hostname: 'box1' }, (spec) => {
        spec.etcFiles = files;
        // The image's /etc/hosts points at a host path: the bind must land inside the root instead.
        fs.mkdirSync(path.join(spec.rootfs, 'etc'));
        fs.symlinkSync(`../../../../../../..${secret}`, path.join(spec.rootfs, 'etc/hosts'));
      });
      expect(ran.status, ran.stderr).toBe(0);
      const [hostname] = ran.stdout.split('\n');
      expect(hostname).toBe('box1');
      expect(ran.stdout).toMatch(/^127\.0\.0\.1\tlocalhost$/m);
      expect(ran.stdout).toMatch(/^::1\tlocalhost/m);
      expect(ran.stdout).toMatch(/\tbox1$/m);
      expect(ran.stdout).toMatch(/^nameserver 10\.1\.2\.3$/m);
      expect(ran.stdout).not.toMatch(/127\.0\.0\.53/);
      expect(fs.readFileSync(secret, 'utf8')).toBe('host secret\n');
      expect(fs.readFileSync(files.hosts, 'utf8')).toMatch(/edited\n$/);
    });

    it('gbx-run itself refuses a mount option it does not know, naming it', async () => {
      const volume = h.scratch();
      // Refused while reading the spec, before the clone: the launch itself fails.
      await expect(
        h.run(['/bin/true'], { volume: [`${volume}:/data`] }, (spec) => {
          spec.mounts![0]!.options = ['rbind', 'size=1m'];
        }),
      ).rejects.toThrow(/gbx-run: failed to parse the spec: mount option size=1m is not one gbx-run knows for bind/);
    });

    it('keeps a volume writable on a --read-only root', async () => {
      const volume = h.scratch(0o777);
      const ran = await h.run(['/bin/sh', '-c', 'echo ok > /data/f; echo x > /f; echo root=$?'], { readOnly: true, volume: [`${volume}:/data`] }, (spec) => {
        fs.mkdirSync(path.join(spec.rootfs, 'data'));
      });
      expect(ran.status, ran.stderr).toBe(0);
      expect(ran.stdout).toContain('root=1');
      expect(fs.readFileSync(path.join(volume, 'f'), 'utf8')).toBe('ok\n');
    });
  });
}
