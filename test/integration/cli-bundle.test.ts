/**
bin/glassbox starts every command but the tour from the CLI bundle (scripts/build-bundle.mjs), and
falls back to the ES modules when the bundle is missing, older than the build, or turned off.
The routing is checked on a copy of the launcher in a scratch package whose "node" prints what
it was asked to run; the bundle itself is checked against the modules, command for command.
*/
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { cliEntry } from '../../src/package-root.js';

const root = path.resolve(import.meta.dirname, '../..');
const bin = path.join(root, 'bin', 'glassbox');
const scratch: string[] = [];

afterEach(() => {
  for (const dir of scratch.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

/** A package with the real launcher, a fake node (echoes its argv) and the given dist files. */
function fakePackage(files: { bundle: boolean; bundleOlder?: boolean }): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'glassbox-launcher-'));
  scratch.push(dir);
  for (const sub of ['bin', 'node_modules/.bin', 'dist/cli', 'dist/bundle']) fs.mkdirSync(path.join(dir, sub), { recursive: true });
  fs.copyFileSync(bin, path.join(dir, 'bin', 'glassbox'));
  fs.writeFileSync(path.join(dir, 'node_modules/.bin/node'), '#!/bin/sh\necho "$@"\n', { mode: 0o755 });
  const past = new Date(Date.now() - 60_000);
  for (const file of ['dist/cli/main.js', 'dist/.tsbuildinfo']) {
    fs.writeFileSync(path.join(dir, file), '');
    if (!files.bundleOlder) fs.utimesSync(path.join(dir, file), past, past);
  }
  if (files.bundle) {
    for (const file of ['dist/bundle/main.cjs', 'dist/bundle/glassbox.cjs']) {
      fs.writeFileSync(path.join(dir, file), '');
      if (files.bundleOlder) fs.utimesSync(path.join(dir, file), past, past);
    }
  }
  return dir;
}

function launched(dir: string, args: string[], env: NodeJS.ProcessEnv = {}): string {
  const result = spawnSync(path.join(dir, 'bin', 'glassbox'), args, { encoding: 'utf8', env: { ...process.env, GLASSBOX_DEBUG: '', GLASSBOX_BUNDLE: '', ...env } });
  expect(result.status, result.stderr).toBe(0);
  return result.stdout.trim();
}

describe('bin/glassbox picks the bundle or the modules', () => {
  it('runs commands from the bundle, and the tour (with its memory flags) from the modules', () => {
    const dir = fakePackage({ bundle: true });
    expect(launched(dir, ['ps', '-a'])).toBe(`${dir}/dist/bundle/main.cjs ps -a`);
    expect(launched(dir, ['--lang', 'ko', 'learn', 'overlayfs'])).toMatch(new RegExp(`^--max-semi-space-size=\\d+ .*${dir}/dist/cli/main.js --lang ko learn overlayfs$`));
  });

  it('uses the modules when the bundle is missing, older than the build, turned off, or when debugging', () => {
    expect(launched(fakePackage({ bundle: false }), ['ps'])).toMatch(/\/dist\/cli\/main\.js ps$/);
    expect(launched(fakePackage({ bundle: true, bundleOlder: true }), ['ps'])).toMatch(/\/dist\/cli\/main\.js ps$/);
    const dir = fakePackage({ bundle: true });
    expect(launched(dir, ['ps'], { GLASSBOX_BUNDLE: '0' })).toBe(`${dir}/dist/cli/main.js ps`);
    expect(launched(dir, ['ps'], { GLASSBOX_DEBUG: '1' })).toBe(`--enable-source-maps ${dir}/dist/cli/main.js ps`);
  });

  it('finds its package through a symlink to the launcher (npm bin links)', () => {
    const dir = fakePackage({ bundle: true });
    const link = path.join(dir, 'node_modules', '.bin', 'glassbox');
    fs.symlinkSync(path.join(dir, 'bin', 'glassbox'), link);
    const result = spawnSync(link, ['images'], { encoding: 'utf8', env: { ...process.env, GLASSBOX_BUNDLE: '' } });
    expect(result.stdout.trim()).toBe(`${dir}/dist/bundle/main.cjs images`);
  });
});

describe('cliEntry: how glassbox starts itself (run -d) picks the same script as bin/glassbox', () => {
  it('the bundle when it is fresh, else the modules', () => {
    const fresh = fakePackage({ bundle: true });
    expect(cliEntry(fresh, {})).toBe(path.join(fresh, 'dist/bundle/main.cjs'));
    expect(cliEntry(fresh, { GLASSBOX_BUNDLE: '0' })).toBe(path.join(fresh, 'dist/cli/main.js'));
    expect(cliEntry(fresh, { GLASSBOX_DEBUG: '1' })).toBe(path.join(fresh, 'dist/cli/main.js'));
    const stale = fakePackage({ bundle: true, bundleOlder: true });
    expect(cliEntry(stale, {})).toBe(path.join(stale, 'dist/cli/main.js'));
    const none = fakePackage({ bundle: false });
    expect(cliEntry(none, {})).toBe(path.join(none, 'dist/cli/main.js'));
  });
});

describe('the bundle behaves as the modules do', () => {
  const built = fs.existsSync(path.join(root, 'dist', 'cli', 'main.js'));

  it('exists after npm run build', () => {
    if (!built) throw new Error('dist/ is missing: run npm run build first');
    expect(fs.existsSync(path.join(root, 'dist', 'bundle', 'glassbox.cjs'))).toBe(true);
    // Newer than tsc's build info, or bin/glassbox would not use it.
    expect(fs.statSync(path.join(root, 'dist', 'bundle', 'glassbox.cjs')).mtimeMs).toBeGreaterThan(fs.statSync(path.join(root, 'dist', '.tsbuildinfo')).mtimeMs);
  });

  it('gives the same output, errors and exit codes for the same commands', () => {
    const home = fs.mkdtempSync(path.join(os.tmpdir(), 'glassbox-bundle-home-'));
    scratch.push(home);
    // version reads package.json and compare --recorded lessons/data: both find the package root.
    for (const args of [['version'], ['--json', 'images'], ['ps', '-a'], ['nosuch'], ['compare', '--recorded', '--json'], ['inspect', 'nothing-here']]) {
      const env = { ...process.env, GLASSBOX_HOME: home, GLASSBOX_DEBUG: '' };
      const viaBundle = spawnSync(bin, args, { encoding: 'utf8', env: { ...env, GLASSBOX_BUNDLE: '1' } });
      const viaModules = spawnSync(bin, args, { encoding: 'utf8', env: { ...env, GLASSBOX_BUNDLE: '0' } });
      expect({ args, status: viaBundle.status, stdout: viaBundle.stdout, stderr: viaBundle.stderr }).toEqual({
        args,
        status: viaModules.status,
        stdout: viaModules.stdout,
        stderr: viaModules.stderr,
      });
    }
  });
});
