/**
bin/glassbox starts every command but the tour from the CLI bundle (scripts/build-bundle.mjs), and
falls back to the ES modules when the bundle is missing, older than the build, or turned off.
The routing is checked on a copy of the launcher in a scratch package whose "node" prints what
it was asked to run; the bundle itself is checked against the modules, command for command.
*/
import { execFile, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
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

  it('finds its package through a symlinked bin directory, and from a relative path', () => {
    const dir = fakePackage({ bundle: true });
    // <elsewhere>/bin -> <dir>/bin: the root is <dir>, not <elsewhere> (Node would normalise
    // <elsewhere>/bin/.. to <elsewhere> without looking at the link).
    const elsewhere = fs.mkdtempSync(path.join(os.tmpdir(), 'glassbox-launcher-link-'));
    scratch.push(elsewhere);
    fs.symlinkSync(path.join(dir, 'bin'), path.join(elsewhere, 'bin'));
    const viaDir = spawnSync(path.join(elsewhere, 'bin', 'glassbox'), ['ps'], { encoding: 'utf8', env: { ...process.env, GLASSBOX_BUNDLE: '' } });
    expect(viaDir.stdout.trim()).toBe(`${fs.realpathSync(dir)}/dist/bundle/main.cjs ps`);
    const relative = spawnSync('bin/glassbox', ['ps'], { cwd: dir, encoding: 'utf8', env: { ...process.env, GLASSBOX_BUNDLE: '' } });
    expect(relative.stdout.trim()).toBe('./dist/bundle/main.cjs ps');
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

describe("the bundle's entry keeps V8 bytecode per command (scripts/bundle-entry.cjs)", () => {
  const built = fs.existsSync(path.join(root, 'dist', 'bundle', 'main.cjs'));
  const node = fs.existsSync(path.join(root, 'node_modules', '.bin', 'node')) ? path.join(root, 'node_modules', '.bin', 'node') : process.execPath;

  /** A package with a copy of the built bundle and its entry; the code cache goes beside them. */
  function bundleCopy(): { dir: string; cacheDir: string; run: (args: string[]) => number | null } {
    if (!built) throw new Error('dist/ is missing: run npm run build first');
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'glassbox-code-cache-'));
    scratch.push(dir);
    fs.mkdirSync(path.join(dir, 'dist', 'bundle'), { recursive: true });
    for (const file of ['main.cjs', 'glassbox.cjs']) fs.copyFileSync(path.join(root, 'dist', 'bundle', file), path.join(dir, 'dist', 'bundle', file));
    fs.copyFileSync(path.join(root, 'package.json'), path.join(dir, 'package.json'));
    const run = (args: string[]): number | null =>
      spawnSync(node, [path.join(dir, 'dist', 'bundle', 'main.cjs'), ...args], { encoding: 'utf8', env: { ...process.env, GLASSBOX_HOME: path.join(dir, 'home') } }).status;
    return { dir, cacheDir: path.join(dir, 'dist', 'bundle', 'code-cache'), run };
  }
  const cacheFiles = (dir: string): string[] => (fs.existsSync(dir) ? fs.readdirSync(dir).sort() : []);

  it('writes one cache per command after it worked, then loads it instead of writing it again', () => {
    const { cacheDir, run } = bundleCopy();
    expect(run(['version'])).toBe(0);
    const [versionCache, ...others] = cacheFiles(cacheDir);
    expect(others).toEqual([]);
    expect(versionCache).toMatch(new RegExp(`^[0-9a-f]{16}-${process.version.replace(/\./g, '\\.')}-${process.arch}-version\\.v8$`));
    const first = fs.statSync(path.join(cacheDir, versionCache!));
    expect(first.size).toBeGreaterThan(10_000);
    // Accepted by V8 on the next run: not written again.
    expect(run(['version'])).toBe(0);
    expect(fs.statSync(path.join(cacheDir, versionCache!)).ino).toBe(first.ino);
    // A failed command (an unknown one here) leaves no cache of its own.
    expect(run(['nosuch'])).toBe(2);
    expect(run(['--lang', 'ko', '--json', 'images'])).toBe(0);
    expect(cacheFiles(cacheDir).map((file) => file.replace(/^.*-/, ''))).toEqual(['images.v8', 'version.v8']);
    // No temp file is left behind.
    expect(cacheFiles(cacheDir).some((file) => file.endsWith('.tmp'))).toBe(false);
  });

  it('replaces a cache V8 refuses, and a new build never reads an old build cache', () => {
    const { dir, cacheDir, run } = bundleCopy();
    expect(run(['version'])).toBe(0);
    const [cache] = cacheFiles(cacheDir);
    fs.writeFileSync(path.join(cacheDir, cache!), Buffer.alloc(4096, 7));
    expect(run(['version'])).toBe(0);
    expect(fs.readFileSync(path.join(cacheDir, cache!)).equals(Buffer.alloc(4096, 7))).toBe(false);
    // Another bundle (its BUILD_ID is its content hash) gets a file of its own.
    const entry = path.join(dir, 'dist', 'bundle', 'main.cjs');
    fs.writeFileSync(entry, fs.readFileSync(entry, 'utf8').replace(/const BUILD_ID = '[0-9a-f]{16}'/, "const BUILD_ID = '0123456789abcdef'"));
    expect(run(['version'])).toBe(0);
    expect(cacheFiles(cacheDir)).toHaveLength(2);
    expect(cacheFiles(cacheDir)).toContain(`0123456789abcdef-${process.version}-${process.arch}-version.v8`);
  });

  it("leaves Node's own compile cache off, which the ES modules turn on", () => {
    if (!built) throw new Error('dist/ is missing: run npm run build first');
    // A preload that tells, at exit, where Node's compile cache is (undefined when it is off).
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'glassbox-compile-cache-'));
    scratch.push(dir);
    const probe = path.join(dir, 'probe.cjs');
    fs.writeFileSync(probe, "process.on('exit', () => process.stderr.write(`compile cache: ${require('node:module').getCompileCacheDir?.() ?? 'off'}\\n`));\n");
    const env = { ...process.env };
    delete env.NODE_COMPILE_CACHE;
    delete env.NODE_DISABLE_COMPILE_CACHE;
    const cacheOf = (script: string): string | undefined =>
      /compile cache: (.*)/.exec(spawnSync(node, ['-r', probe, path.join(root, 'dist', ...script.split('/')), 'version'], { encoding: 'utf8', env }).stderr)?.[1];
    expect(cacheOf('bundle/main.cjs')).toBe('off');
    expect(cacheOf('cli/main.js')).not.toBe('off');
    expect(cacheOf('cli/main.js')).toBeDefined();
  });

  it('runs without a cache where none can be written', () => {
    const { cacheDir, run } = bundleCopy();
    // A file where the directory would go: mkdir fails, the command does not.
    fs.writeFileSync(cacheDir, '');
    expect(run(['version'])).toBe(0);
    expect(fs.statSync(cacheDir).isFile()).toBe(true);
    expect(fs.readdirSync(path.dirname(cacheDir)).filter((file) => file.endsWith('.tmp'))).toEqual([]);
  });

  it("carries undici's modules for pull: a copy without node_modules still talks to a registry", async () => {
    const { dir } = bundleCopy();
    const seen: string[] = [];
    const server = http.createServer((req, res) => {
      seen.push(`${req.method} ${req.url}`);
      if (req.url === '/v2/') res.writeHead(200, { 'docker-distribution-api-version': 'registry/2.0' }).end('{}');
      else res.writeHead(404, { 'content-type': 'application/json' }).end('{"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest unknown"}]}');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const ref = `127.0.0.1:${(server.address() as AddressInfo).port}/nothing/here:v1`;
      const result = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
        const child = execFile(node, [path.join(dir, 'dist', 'bundle', 'main.cjs'), 'pull', ref], { env: { ...process.env, GLASSBOX_HOME: path.join(dir, 'home') } }, (_error, _stdout, stderr) =>
          resolve({ code: child.exitCode, stderr }),
        );
      });
      expect(result.stderr).not.toMatch(/cannot find module/i);
      expect(result.stderr).toMatch(/manifest unknown|not found/i);
      expect(result.code).not.toBe(0);
      expect(seen).toContain('GET /v2/');
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
