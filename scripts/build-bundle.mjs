// Builds the CLI's bundle (part of npm run build, after tsc): dist/ from dist/cli/main.js in one
// CommonJS script (esbuild), dist/bundle/glassbox.cjs, and its entry dist/bundle/main.cjs, which
// turns on V8's code cache on disk before loading it. bin/glassbox starts every command but the
// tour from the bundle: Node then reads one file, from bytecode, instead of finding, reading and
// linking ~60 ES modules (measured: `glassbox ps` ~95 -> ~65 ms, `run --rm` ~20 ms less).
// Packages (koffi, tar-stream, undici) stay outside it and load from node_modules as before.
// The tour (learn) keeps the ES modules: Ink is an ES module with top-level await, which
// require() cannot load. When the bundle cannot be built, the build says why and goes on:
// bin/glassbox then loads the modules.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const outDir = path.join(root, 'dist', 'bundle');
const bundle = path.join(outDir, 'glassbox.cjs');
const entry = path.join(outDir, 'main.cjs');

function skip(reason) {
  console.error(`glassbox: no CLI bundle (${reason}); commands load their modules instead`);
  fs.rmSync(outDir, { recursive: true, force: true });
  process.exit(0);
}

let esbuild;
try {
  esbuild = await import('esbuild');
} catch {
  skip('esbuild is not installed: npm install');
}

fs.rmSync(outDir, { recursive: true, force: true });
fs.mkdirSync(outDir, { recursive: true });
try {
  await esbuild.build({
    entryPoints: [path.join(root, 'dist', 'cli', 'main.js')],
    outfile: bundle,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node22',
    packages: 'external',
    // A CommonJS script has no import.meta: every module that asks for its URL (to find the
    // package root) gets the bundle's, which sits below the same root.
    define: { 'import.meta.url': '__glassboxBundleUrl' },
    banner: { js: "var __glassboxBundleUrl = require('node:url').pathToFileURL(__filename).href;" },
    logLevel: 'warning',
  });
} catch (error) {
  skip(`bundling failed: ${error.message}`);
}
fs.writeFileSync(
  entry,
  [
    '// Made by scripts/build-bundle.mjs: the code cache first (Node >= 22.1), so that the bundle',
    '// loads from bytecode; the cache lives in the temp directory, as for the ES modules.',
    "'use strict';",
    "require('node:module').enableCompileCache?.();",
    "require('./glassbox.cjs');",
    '',
  ].join('\n'),
);
