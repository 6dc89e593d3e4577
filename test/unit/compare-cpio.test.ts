import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CPIO_MTIME, writeNewc, type CpioEntry } from '../../src/compare/cpio-newc.js';
import { planInitramfs, VM_APPLETS } from '../../src/compare/initramfs.js';
import { VM_INIT_SCRIPT } from '../../src/compare/workload.js';

/** Reads a newc archive back, field by field, as the kernel's init/initramfs.c does. */
type ReadEntry = { name: string; mode: number; uid: number; mtime: number; size: number; rdev: [number, number]; data: Buffer };

function readNewc(archive: Buffer): ReadEntry[] {
  const out: ReadEntry[] = [];
  let offset = 0;
  for (;;) {
    const head = archive.subarray(offset, offset + 110).toString('ascii');
    expect(head.slice(0, 6)).toBe('070701');
    const field = (i: number): number => parseInt(head.slice(6 + i * 8, 14 + i * 8), 16);
    const nameSize = field(11);
    const name = archive.subarray(offset + 110, offset + 110 + nameSize - 1).toString('utf8');
    expect(archive[offset + 110 + nameSize - 1]).toBe(0);
    let cursor = offset + 110 + nameSize;
    cursor += (4 - (cursor % 4)) % 4;
    const size = field(6);
    const data = archive.subarray(cursor, cursor + size);
    cursor += size;
    cursor += (4 - (cursor % 4)) % 4;
    if (name === 'TRAILER!!!') {
      expect(cursor).toBe(archive.length);
      return out;
    }
    out.push({ name, mode: field(1), uid: field(2), mtime: field(5), size, rdev: [field(9), field(10)], data });
    offset = cursor;
  }
}

const scratch: string[] = [];
afterEach(() => {
  for (const dir of scratch.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

const SAMPLE: CpioEntry[] = [
  { type: 'dir', name: 'bin', mode: 0o755 },
  { type: 'file', name: 'bin/hello', mode: 0o755, data: Buffer.from('#!/bin/sh\necho hi\n') },
  { type: 'file', name: 'odd', mode: 0o644, data: Buffer.from('abcde') },
  { type: 'symlink', name: 'bin/sh', target: 'busybox' },
  { type: 'char', name: 'console', mode: 0o600, major: 5, minor: 1 },
];

describe('newc cpio writer', () => {
  it('writes headers, names and data 4-byte aligned, owned by root, ending in the trailer', () => {
    const entries = readNewc(writeNewc(SAMPLE));
    expect(entries.map((entry) => entry.name)).toEqual(['bin', 'bin/hello', 'odd', 'bin/sh', 'console']);
    expect(entries[0]!.mode).toBe(0o040755);
    expect(entries[1]!.data.toString()).toBe('#!/bin/sh\necho hi\n');
    expect(entries[2]!.data.toString()).toBe('abcde');
    expect(entries[3]).toMatchObject({ mode: 0o120777, size: 7 });
    expect(entries[3]!.data.toString()).toBe('busybox');
    expect(entries[4]).toMatchObject({ mode: 0o020600, size: 0, rdev: [5, 1] });
    for (const entry of entries) expect(entry).toMatchObject({ uid: 0, mtime: CPIO_MTIME });
  });

  it('gives the same bytes for the same entries', () => {
    expect(writeNewc(SAMPLE).equals(writeNewc(SAMPLE))).toBe(true);
  });

  it('refuses names that climb out or are empty', () => {
    for (const name of ['../etc/passwd', 'a/../../b', '', '/', 'a//b', './x']) {
      expect(() => writeNewc([{ type: 'dir', name, mode: 0o755 }]), name).toThrow(/invalid cpio entry name/);
    }
    // A leading slash is only dropped: the kernel unpacks below its rootfs either way.
    expect(readNewc(writeNewc([{ type: 'dir', name: '/proc', mode: 0o555 }]))[0]!.name).toBe('proc');
  });

  const hasCpio = spawnSync('cpio', ['--version'], { stdio: 'ignore' }).status === 0;
  it.skipIf(!hasCpio && process.env.GLASSBOX_REQUIRE_REAL !== '1')('is read by GNU cpio as it was meant (files, link, device node)', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'glassbox-cpio-'));
    scratch.push(dir);
    const archive = path.join(dir, 'a.cpio');
    fs.writeFileSync(archive, writeNewc(SAMPLE));
    const listed = spawnSync('cpio', ['-itv', '-F', archive], { encoding: 'utf8' });
    expect(listed.status, listed.stderr).toBe(0);
    const lines = listed.stdout.trim().split('\n');
    expect(lines).toHaveLength(5);
    expect(lines[3]).toMatch(/^lrwxrwxrwx .* bin\/sh -> busybox$/);
    expect(lines[4]).toMatch(/^crw------- .* 5,\s+1 .* console$/);
    // Unpack the plain files (no device node: that would need mknod here) and compare.
    const out = path.join(dir, 'out');
    fs.mkdirSync(out);
    const unpacked = spawnSync('cpio', ['-idm', '--no-absolute-filenames', '-F', archive, 'bin', 'bin/hello', 'odd', 'bin/sh'], { cwd: out, encoding: 'utf8' });
    expect(unpacked.status, unpacked.stderr).toBe(0);
    expect(fs.readFileSync(path.join(out, 'bin/hello'), 'utf8')).toBe('#!/bin/sh\necho hi\n');
    expect(fs.statSync(path.join(out, 'bin/hello')).mode & 0o777).toBe(0o755);
    expect(fs.readlinkSync(path.join(out, 'bin/sh'))).toBe('busybox');
    expect(fs.statSync(path.join(out, 'odd')).mtimeMs).toBe(CPIO_MTIME * 1000);
  });
});

describe('initramfs plan', () => {
  const plan = planInitramfs({ busybox: '/x/busybox', probe: '/x/gbx-probe' }, (file) => Buffer.from(`contents of ${file}`));

  it('holds busybox with its applets, the probe, /init and the console before any devtmpfs', () => {
    const byName = new Map(plan.map((entry) => [entry.name, entry]));
    expect(byName.get('bin/busybox')).toMatchObject({ type: 'file', mode: 0o755 });
    for (const applet of VM_APPLETS) expect(byName.get(`bin/${applet}`)).toEqual({ type: 'symlink', name: `bin/${applet}`, target: 'busybox' });
    expect(byName.get('dev/console')).toMatchObject({ type: 'char', major: 5, minor: 1 });
    expect(byName.get('gbx-probe')).toMatchObject({ type: 'file', mode: 0o755 });
    const init = byName.get('init');
    expect(init?.type).toBe('file');
    expect(init?.type === 'file' ? Buffer.from(init.data).toString() : '').toBe(VM_INIT_SCRIPT);
  });

  it('lists every parent directory before what is in it', () => {
    const seen = new Set<string>();
    for (const entry of plan) {
      const parent = path.posix.dirname(entry.name);
      if (parent !== '.') expect(seen.has(parent), entry.name).toBe(true);
      seen.add(entry.name);
    }
  });

  it('has an /init that mounts /proc and /sys, runs the probe between the markers and powers off last', () => {
    const lines = VM_INIT_SCRIPT.trim().split('\n');
    expect(lines[0]).toBe('#!/bin/sh');
    const at = (pattern: RegExp): number => lines.findIndex((line) => pattern.test(line));
    expect(at(/^mount -t proc proc \/proc$/)).toBeGreaterThan(0);
    expect(at(/^mount -t sysfs sysfs \/sys$/)).toBeGreaterThan(0);
    expect(at(/GBX-PROBE-BEGIN/)).toBeLessThan(at(/^\/gbx-probe$/));
    expect(at(/^\/gbx-probe$/)).toBeLessThan(at(/GBX-PROBE-END/));
    expect(at(/^poweroff -f$/)).toBe(lines.length - 1);
  });
});
