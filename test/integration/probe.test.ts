/**
Runs the real gbx-probe and checks what it says against what Node reads independently
from /proc/<pid> of the same process. Needs the binary built (`npm run build`); the
tests that change uid, root or namespaces need root.
*/
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { nativeBinary } from '../../src/native/paths.js';
import {
  CAPABILITY_SETS,
  PROBE_NAMESPACES,
  PROBE_RLIMITS,
  parseProbeReport,
  runProbe,
  startProbe,
  type ProbeReport,
  type ProbeRlimit,
} from '../../src/native/probe.js';

const isLinux = process.platform === 'linux';
const isRoot = process.getuid?.() === 0;
const requireReal = process.env.GLASSBOX_REQUIRE_REAL === '1';

/** A test that needs root: skipped without it, unless real tests are required (then it fails). */
function itAsRoot(name: string, body: () => Promise<void> | void): void {
  if (isRoot) it(name, body);
  else if (requireReal) it(name, () => expect.fail('needs root, and GLASSBOX_REQUIRE_REAL=1 is set'));
  else it.skip(name, body);
}

/** `Key:\tvalue` from /proc/<pid>/status. */
function statusField(pid: number | 'self', key: string): string {
  const line = fs
    .readFileSync(`/proc/${pid}/status`, 'utf8')
    .split('\n')
    .find((entry) => entry.startsWith(`${key}:`));
  if (line === undefined) throw new Error(`no ${key} in /proc/${pid}/status`);
  return line.slice(key.length + 1).trim();
}

function numbers(text: string): number[] {
  return text.split(/\s+/).filter((part) => part !== '').map(Number);
}

function lines(text: string): string[] {
  return text.split('\n').filter((line) => line !== '');
}

/** The rows of /proc/<pid>/limits by the probe's names (the kernel prints them in the same order). */
const LIMIT_ROWS: Record<string, ProbeRlimit> = {
  'Max cpu time': 'cpu',
  'Max file size': 'fsize',
  'Max data size': 'data',
  'Max stack size': 'stack',
  'Max core file size': 'core',
  'Max resident set': 'rss',
  'Max processes': 'nproc',
  'Max open files': 'nofile',
  'Max locked memory': 'memlock',
  'Max address space': 'as',
  'Max file locks': 'locks',
  'Max pending signals': 'sigpending',
  'Max msgqueue size': 'msgqueue',
  'Max nice priority': 'nice',
  'Max realtime priority': 'rtprio',
  'Max realtime timeout': 'rttime',
};

function readLimits(pid: number): Record<string, { soft: string; hard: string }> {
  const limits: Record<string, { soft: string; hard: string }> = {};
  for (const line of lines(fs.readFileSync(`/proc/${pid}/limits`, 'utf8')).slice(1)) {
    const match = /^(Max [a-z ]+?)\s{2,}(\S+)\s+(\S+)/.exec(line);
    if (match === null) throw new Error(`unexpected /proc/${pid}/limits line: ${line}`);
    limits[LIMIT_ROWS[match[1]!] ?? match[1]!] = { soft: match[2]!, hard: match[3]! };
  }
  return limits;
}

function popcount(hex: string): number {
  return [...BigInt(`0x${hex}`).toString(2)].filter((bit) => bit === '1').length;
}

/** The ELF program header types of a 64-bit little-endian file. */
function programHeaderTypes(file: string): number[] {
  const elf = fs.readFileSync(file);
  expect(elf.subarray(0, 4).toString('latin1')).toBe('\x7fELF');
  expect(elf[4]).toBe(2); // ELFCLASS64
  expect(elf[5]).toBe(1); // little-endian
  const phoff = Number(elf.readBigUInt64LE(0x20));
  const phentsize = elf.readUInt16LE(0x36);
  const phnum = elf.readUInt16LE(0x38);
  return Array.from({ length: phnum }, (_, index) => elf.readUInt32LE(phoff + index * phentsize));
}

const PT_LOAD = 1;
const PT_DYNAMIC = 2;
const PT_INTERP = 3;

describe.skipIf(!isLinux && !requireReal)('gbx-probe on the real kernel', () => {
  let binary: string;
  const scratch: string[] = [];

  beforeAll(() => {
    const found = nativeBinary('gbx-probe');
    if (found === undefined) {
      throw new Error('gbx-probe is not built: run npm run build (it needs gcc and libc6-dev)');
    }
    binary = found;
  });

  afterEach(() => {
    for (const dir of scratch.splice(0)) {
      fs.rmSync(dir, { recursive: true, force: true });
      expect(fs.existsSync(dir)).toBe(false);
    }
  });

  /** A scratch dir others can enter (mkdtemp makes it 0700), for setpriv and chroot. */
  function makeScratch(): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'glassbox-probe-'));
    scratch.push(dir);
    fs.chmodSync(dir, 0o755);
    return dir;
  }

  it('is a static binary: no program interpreter, no dynamic section', () => {
    const types = programHeaderTypes(binary);
    expect(types).toContain(PT_LOAD);
    expect(types).not.toContain(PT_INTERP);
    expect(types).not.toContain(PT_DYNAMIC);
  });

  it('reports what /proc/<pid> shows of the same live process', async () => {
    const live = await startProbe({ sleepSeconds: 60 });
    const pid = live.pid;
    try {
      const report = live.report;
      expect(report.errors).toEqual([]);

      expect(report.pid).toBe(pid);
      expect(report.ppid).toBe(process.pid);
      expect(Number(statusField(pid, 'Pid'))).toBe(report.pid);
      expect(Number(statusField(pid, 'PPid'))).toBe(report.ppid);

      expect(report.hostname).toBe(os.hostname());
      expect(report.kernelRelease).toBe(os.release());
      expect(report.machine).toBe(os.machine());

      const [ruid, euid, suid, fsuid] = numbers(statusField(pid, 'Uid'));
      expect(report.uid).toEqual({ real: ruid, effective: euid, saved: suid, fs: fsuid });
      const [rgid, egid, sgid, fsgid] = numbers(statusField(pid, 'Gid'));
      expect(report.gid).toEqual({ real: rgid, effective: egid, saved: sgid, fs: fsgid });
      expect(report.groups).toEqual(numbers(statusField(pid, 'Groups')));

      for (const [field, file] of [
        ['uidMap', 'uid_map'],
        ['gidMap', 'gid_map'],
      ] as const) {
        const ranges = lines(fs.readFileSync(`/proc/${pid}/${file}`, 'utf8')).map((line) => {
          const [inside, outside, count] = numbers(line);
          return { inside, outside, count };
        });
        expect(report[field]).toEqual(ranges);
      }
      expect(report.setgroups).toBe(fs.readFileSync(`/proc/${pid}/setgroups`, 'utf8').trim());

      const statusKeys = { inheritable: 'CapInh', permitted: 'CapPrm', effective: 'CapEff', bounding: 'CapBnd', ambient: 'CapAmb' };
      for (const set of CAPABILITY_SETS) {
        const reported = report.capabilities[set]!;
        expect(reported.hex, set).toBe(statusField(pid, statusKeys[set]));
        expect(reported.names.length, set).toBe(popcount(reported.hex));
      }
      expect(report.capabilities.lastCap).toBe(Number(fs.readFileSync('/proc/sys/kernel/cap_last_cap', 'utf8')));
      expect(report.noNewPrivs).toBe(statusField(pid, 'NoNewPrivs') === '1');
      expect(report.seccomp).toMatchObject({
        mode: Number(statusField(pid, 'Seccomp')),
        filters: Number(statusField(pid, 'Seccomp_filters')),
        source: 'proc',
      });

      for (const name of PROBE_NAMESPACES) {
        const ns = report.namespaces[name];
        expect(ns, name).not.toBeNull();
        expect(`${ns!.type}:[${ns!.inode}]`, name).toBe(fs.readlinkSync(`/proc/${pid}/ns/${name}`));
      }

      const cgroupLines = report.cgroups!.map((group) => `${group.hierarchy}:${group.controllers.join(',')}:${group.path}`);
      expect(cgroupLines).toEqual(lines(fs.readFileSync(`/proc/${pid}/cgroup`, 'utf8')));

      expect(report.mountCount).toBe(lines(fs.readFileSync(`/proc/${pid}/mountinfo`, 'utf8')).length);
      expect(report.root).toBe(fs.readlinkSync(`/proc/${pid}/root`));
      expect(report.cwd).toBe(fs.readlinkSync(`/proc/${pid}/cwd`));

      const fds = fs
        .readdirSync(`/proc/${pid}/fd`)
        .map(Number)
        .sort((a, b) => a - b)
        .map((fd) => ({ fd, target: fs.readlinkSync(`/proc/${pid}/fd/${fd}`) }));
      expect([...report.fds!].sort((a, b) => a.fd - b.fd)).toEqual(fds);

      const limits = readLimits(pid);
      expect(Object.keys(limits)).toEqual([...PROBE_RLIMITS]);
      for (const name of PROBE_RLIMITS) {
        const { soft, hard } = report.rlimits[name]!;
        expect({ soft: String(soft), hard: String(hard) }, name).toEqual(limits[name]);
      }
    } finally {
      await live.stop();
    }
    expect(fs.existsSync(`/proc/${pid}`)).toBe(false);
  });

  it('escapes control characters, quotes, backslashes and bytes that are not UTF-8', () => {
    const dir = makeScratch();
    // Node cannot spawn in a directory whose name is not UTF-8, but the kernel resolves a
    // symlink to it, and getcwd() returns the raw bytes.
    const name = Buffer.concat([Buffer.from('a"b\\c\n\x01\t\x7f한'), Buffer.from([0xff, 0xc3])]);
    fs.mkdirSync(Buffer.concat([Buffer.from(`${dir}/`), name]));
    fs.symlinkSync(Buffer.concat([Buffer.from(`${dir}/`), name]), `${dir}/here`);
    const report = runProbe({ cwd: `${dir}/here` });
    expect(report.cwd).toBe(`${dir}/a"b\\c\n\x01\t\x7f한\u00ff\u00c3`);
  });

  it('prints the same report with --pretty, one key per line', () => {
    const plain = execFileSync(binary, [], { encoding: 'utf8' });
    const pretty = execFileSync(binary, ['--pretty'], { encoding: 'utf8' });
    expect(lines(plain)).toHaveLength(1);
    expect(pretty.split('\n')[1]).toBe('  "probeFormat": 1,');
    const strip = (report: ProbeReport): unknown => ({ ...report, pid: 0, fds: null });
    expect(strip(parseProbeReport(pretty))).toEqual(strip(parseProbeReport(plain)));
  });

  it('answers --help with exit 0 and bad arguments with exit 2', () => {
    const help = spawnSync(binary, ['--help'], { encoding: 'utf8' });
    expect(help.status).toBe(0);
    expect(help.stdout).toMatch(/^usage: gbx-probe/);
    for (const args of [['--sleep'], ['--sleep', '-1'], ['--sleep', 'soon'], ['--frobnicate']]) {
      const bad = spawnSync(binary, args, { encoding: 'utf8' });
      expect(bad.status, args.join(' ')).toBe(2);
      expect(bad.stdout, args.join(' ')).toBe('');
      expect(bad.stderr, args.join(' ')).toMatch(/^gbx-probe: /);
    }
  });

  it('sees no_new_privs set by the process that started it', () => {
    expect(runProbe().noNewPrivs).toBe(false);
    expect(runProbe({ via: ['setpriv', '--no-new-privs'] }).noNewPrivs).toBe(true);
  });

  itAsRoot('in a new user namespace with no maps written sees empty maps and the overflow uid', () => {
    const report = runProbe({ via: ['unshare', '--user', '--'] });
    expect(report.uidMap).toEqual([]);
    expect(report.gidMap).toEqual([]);
    const overflow = Number(fs.readFileSync('/proc/sys/kernel/overflowuid', 'utf8'));
    expect(report.uid).toEqual({ real: overflow, effective: overflow, saved: overflow, fs: overflow });
    expect(`user:[${report.namespaces.user!.inode}]`).not.toBe(fs.readlinkSync('/proc/self/ns/user'));
  });

  itAsRoot('under another uid (setpriv) reports that uid and no effective capabilities', () => {
    const dir = makeScratch();
    fs.copyFileSync(binary, `${dir}/gbx-probe`);
    fs.chmodSync(`${dir}/gbx-probe`, 0o755);
    const report = runProbe({
      via: ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups'],
      binary: `${dir}/gbx-probe`,
      cwd: dir,
    });
    expect(report.uid).toEqual({ real: 65534, effective: 65534, saved: 65534, fs: 65534 });
    expect(report.gid).toEqual({ real: 65534, effective: 65534, saved: 65534, fs: 65534 });
    expect(report.groups).toEqual([]);
    for (const set of ['inheritable', 'permitted', 'effective', 'ambient'] as const) {
      expect(report.capabilities[set], set).toEqual({ hex: '0000000000000000', names: [] });
    }
    // Changing uid empties the other sets, never the bounding set.
    expect(report.capabilities.bounding!.hex).toBe(statusField('self', 'CapBnd'));
    expect(report.errors).toEqual([]);
  });

  itAsRoot('in a root without /proc (chroot) reports nulls and errors, and still reads caps', () => {
    const dir = makeScratch();
    fs.copyFileSync(binary, `${dir}/gbx-probe`);
    fs.chmodSync(`${dir}/gbx-probe`, 0o755);
    const report = runProbe({ via: ['chroot', dir], binary: '/gbx-probe' });

    const nulls = ['uidMap', 'gidMap', 'setgroups', 'cgroups', 'root', 'mountCount', 'fds'] as const;
    for (const field of nulls) expect(report[field], field).toBeNull();
    for (const name of PROBE_NAMESPACES) expect(report.namespaces[name], name).toBeNull();
    const failed = new Set(report.errors.map((error) => error.field));
    for (const field of [...nulls, 'seccomp', ...PROBE_NAMESPACES.map((name) => `namespaces.${name}`)]) {
      expect(failed.has(field), field).toBe(true);
    }
    expect(report.errors).toContainEqual({ field: 'uidMap', call: 'open /proc/self/uid_map', errno: 'ENOENT' });
    expect(report.errors).toContainEqual({ field: 'root', call: 'readlink /proc/self/root', errno: 'ENOENT' });

    // What needs no /proc still answers: capget, prctl, uname, getcwd.
    expect(report.cwd).toBe('/');
    expect(report.hostname).toBe(os.hostname());
    expect(report.capabilities.effective!.hex).toBe(statusField('self', 'CapEff'));
    expect(report.capabilities.bounding!.hex).toBe(statusField('self', 'CapBnd'));
    expect(report.capabilities.lastCap).toBe(Number(fs.readFileSync('/proc/sys/kernel/cap_last_cap', 'utf8')));
    expect(report.seccomp).toMatchObject({ mode: Number(statusField('self', 'Seccomp')), source: 'prctl', filters: null });
    expect(report.rlimits.nofile).not.toBeNull();
  });

  itAsRoot('in new pid and uts namespaces is pid 1 and sees other namespace inodes', () => {
    const report = runProbe({ via: ['unshare', '--pid', '--uts', '--fork', '--kill-child', '--'] });
    expect(report.pid).toBe(1);
    expect(report.ppid).toBe(0);
    const own = (name: string): string => fs.readlinkSync(`/proc/self/ns/${name}`);
    expect(`pid:[${report.namespaces.pid!.inode}]`).not.toBe(own('pid'));
    expect(`uts:[${report.namespaces.uts!.inode}]`).not.toBe(own('uts'));
    expect(`mnt:[${report.namespaces.mnt!.inode}]`).toBe(own('mnt'));
    expect(`net:[${report.namespaces.net!.inode}]`).toBe(own('net'));
  });
});
