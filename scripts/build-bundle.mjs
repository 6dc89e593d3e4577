// Builds the CLI's bundle (part of npm run build, after tsc): dist/ from dist/cli/main.js in one
// CommonJS script (esbuild), dist/bundle/glassbox.cjs, and its entry dist/bundle/main.cjs, which
// loads it from V8 bytecode cached per command (scripts/bundle-entry.cjs). bin/glassbox starts
// every command but the tour from the bundle: Node then reads one file, from bytecode, instead of
// finding, reading and linking ~60 ES modules (measured: `glassbox ps` ~95 -> ~65 ms, `run --rm`
// ~20 ms less). Packages (koffi, tar-stream) stay outside it and load from node_modules; of
// undici, the two modules `pull` uses are built in (see the plugin below).
// The tour (learn) keeps the ES modules: Ink is an ES module with top-level await, which
// require() cannot load. When the bundle cannot be built, the build says why and goes on:
// bin/glassbox then loads the modules.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** Every package import stays a require() at run time, except those whose path matches `inside`. */
function externalPackagesBut(inside) {
  return {
    name: 'external-packages',
    setup(build) {
      build.onResolve({ filter: /^[^./]/ }, (args) => (inside.test(args.path) ? undefined : { path: args.path, external: true }));
    },
  };
}

// See the __toESM note below the build.
const NODE_BUILTIN_HELPER =
  'var __glassboxBuiltins = new Map(), __glassboxBuiltin = (mod) => { let view = __glassboxBuiltins.get(mod);' +
  ' if (view === undefined) __glassboxBuiltins.set(mod, (view = Object.create(mod, { default: { value: mod, enumerable: true } }))); return view; };';
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
    // Packages load from node_modules, except the two undici modules `pull` uses (src/pull/http.ts,
    // loadUndici): built in, they load from the bundle's bytecode cache with the rest of `pull`.
    plugins: [externalPackagesBut(/^undici\/lib\//)],
    define: { 'import.meta.url': '__glassboxBundleUrl', __glassboxBundleRequire: 'require' },
    // No comments nor indentation: a third less to read on every command, and the bundle stays
    // ASCII (comments are where non-ASCII text was), which V8 keeps one byte per character.
    // Names are kept, for stack traces.
    minifyWhitespace: true,
    minifySyntax: true,
    // The licence notices of what is built in (undici's) go beside it, in glassbox.cjs.LEGAL.txt.
    legalComments: 'external',
    // A CommonJS script has no import.meta: every module that asks for its URL (to find the
    // package root) gets the bundle's, which sits below the same root.
    banner: { js: `var __glassboxBundleUrl = require('node:url').pathToFileURL(__filename).href;\n${NODE_BUILTIN_HELPER}` },
    logLevel: 'warning',
  });
} catch (error) {
  skip(`bundling failed: ${error.message}`);
}
// esbuild turns each `import fs from 'node:fs'` into __toESM(require("node:fs"), 1): a new object
// with a getter for every export of the module, per importing module (fs ~100 of them, in ~50
// modules). One shared view per builtin does the same job: its default is the module, and its
// prototype gives the named exports. Where esbuild writes something else, it is left as it is.
// The file is the function the entry calls, CommonJS's wrapper included: the entry then compiles
// it as read, where joining the wrapper around 1 MB of source on each run cost ~1.5 ms.
const code = fs.readFileSync(bundle, 'utf8').replace(/__toESM\((require\("node:[a-z0-9_/]+"\)),1\)/g, '__glassboxBuiltin($1)');
const bytes = Buffer.from(`(function (exports, require, module, __filename, __dirname) {${code}\n})`);
const nonAscii = bytes.findIndex((byte) => byte > 0x7f);
if (nonAscii !== -1) skip(`the bundle has a non-ASCII byte at offset ${nonAscii}: write it as an escape in the source`);
fs.writeFileSync(bundle, bytes);
// The entry loads the bundle from per-command bytecode (scripts/bundle-entry.cjs says why); its
// cache files are named after the bundle's content, so a new bundle never meets an old cache.
const buildId = createHash('sha256').update(bytes).digest('hex').slice(0, 16);
const template = fs.readFileSync(path.join(root, 'scripts', 'bundle-entry.cjs'), 'utf8');
if (!template.includes('__GLASSBOX_BUILD_ID__')) skip('scripts/bundle-entry.cjs lost its BUILD_ID placeholder');
fs.writeFileSync(entry, template.replace('__GLASSBOX_BUILD_ID__', buildId));
