import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { NATIVE_PROGRAMS, nativeBinDir, nativeBinary, nativeStatus } from '../../src/native/paths.js';
import { packageRoot } from '../../src/package-root.js';

describe('native helper paths', () => {
  let root: string;
  beforeEach(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'glassbox-native-'));
    fs.mkdirSync(path.join(root, 'native', 'bin'), { recursive: true });
  });
  afterEach(() => {
    fs.rmSync(root, { recursive: true, force: true });
    expect(fs.existsSync(root)).toBe(false);
  });

  it('finds the package root from the module itself', () => {
    const expected = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
    expect(packageRoot()).toBe(expected);
    expect(JSON.parse(fs.readFileSync(path.join(packageRoot(), 'package.json'), 'utf8')).name).toBe('glassbox');
    expect(nativeBinDir()).toBe(path.join(expected, 'native', 'bin'));
  });

  it('lists every expected helper, built or not', () => {
    const status = nativeStatus(root);
    expect(status.map((entry) => entry.name)).toEqual(NATIVE_PROGRAMS.map((program) => program.name));
    for (const entry of status) {
      expect(entry).toMatchObject({ built: false, executable: false, hasSource: false });
      expect(entry.path).toBe(path.join(root, 'native', 'bin', entry.name));
    }
    expect(nativeBinary('gbx-probe', root)).toBeUndefined();
  });

  it('tells built from executable, and knows which sources exist', () => {
    fs.writeFileSync(path.join(root, 'native', 'gbx-probe.c'), 'int main(void) { return 0; }\n');
    fs.writeFileSync(path.join(root, 'native', 'bin', 'gbx-probe'), '#!/bin/sh\n', { mode: 0o755 });
    fs.writeFileSync(path.join(root, 'native', 'bin', 'gbx-run'), 'not executable', { mode: 0o644 });
    const [probe, run] = nativeStatus(root);
    expect(probe).toMatchObject({ name: 'gbx-probe', built: true, executable: true, hasSource: true });
    expect(run).toMatchObject({ name: 'gbx-run', built: true, executable: false, hasSource: false });
    expect(nativeBinary('gbx-probe', root)).toBe(path.join(root, 'native', 'bin', 'gbx-probe'));
    expect(nativeBinary('gbx-run', root)).toBeUndefined();
  });

  it('does not take a directory for a binary', () => {
    fs.mkdirSync(path.join(root, 'native', 'bin', 'gbx-probe'));
    expect(nativeStatus(root)[0]).toMatchObject({ built: false, executable: false });
    expect(nativeBinary('gbx-probe', root)).toBeUndefined();
  });
});
