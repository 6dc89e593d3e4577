// The CLI bundle's entry (scripts/build-bundle.mjs copies it to dist/bundle/main.cjs and puts
// the bundle's content hash in BUILD_ID). It loads glassbox.cjs from V8 bytecode kept per
// command in dist/bundle/code-cache/.
//
// Why not Node's own compile cache (module.enableCompileCache): it stores the bytecode V8 makes
// when the file is compiled, which is the top level only. Every function a command calls is
// still compiled on each run, and a `run` calls hundreds. This cache is taken at exit instead,
// after the command ran (V8's "code cache after execution"), so it holds those functions too.
// One file per command, since each command calls different ones. Measured on
// `glassbox run --rm demo /bin/true`: ~15-20 ms less per run.
//
// Safety: V8 checks a cache against the source's length only, not its content, so the file
// name carries the bundle's content hash (a rebuild starts over), Node's version and the arch.
// The cache sits beside the bundle it came from: whoever can write one can write the other.
// When the directory cannot be written (a read-only install), commands run without it.
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const vm = require('node:vm');
const { createRequire } = require('node:module');

const BUILD_ID = '__GLASSBOX_BUILD_ID__';
const bundle = path.join(__dirname, 'glassbox.cjs');
const cacheDir = path.join(__dirname, 'code-cache');

/** The command word (`run`, `ps`...), past the global options that take a value. */
function commandOf(argv) {
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--lang' || arg === '--kernel') i++;
    else if (!arg.startsWith('-')) return /^[a-z][a-z-]{0,23}$/.test(arg) ? arg : undefined;
  }
  return 'help';
}

function readCache(file) {
  try {
    return fs.readFileSync(file);
  } catch {
    return undefined;
  }
}

/** Written whole or not at all: a temp file renamed over the old one. */
function writeCache(file, data) {
  const temp = `${file}.${process.pid}.tmp`;
  try {
    fs.mkdirSync(cacheDir, { recursive: true, mode: 0o755 });
    fs.writeFileSync(temp, data, { mode: 0o644 });
    fs.renameSync(temp, file);
  } catch {
    fs.rmSync(temp, { force: true });
  }
}

const command = commandOf(process.argv.slice(2));
const cacheFile = command && path.join(cacheDir, `${BUILD_ID}-${process.version}-${process.arch}-${command}.v8`);
const cachedData = cacheFile && readCache(cacheFile);
// latin1: the build checked that the bundle is ASCII, and this is the cheapest way to read it.
// The file is one function expression, CommonJS's wrapper (scripts/build-bundle.mjs).
const script = new vm.Script(fs.readFileSync(bundle, 'latin1'), {
  filename: bundle,
  cachedData,
  // The bundle keeps a few import() of outside ES modules (Ink): Node's own loader serves them.
  importModuleDynamically: vm.constants.USE_MAIN_CONTEXT_DEFAULT_LOADER,
});
if (cacheFile && (cachedData === undefined || script.cachedDataRejected)) {
  // Only after a command that worked: a typo or a failure would cache the wrong functions.
  process.once('exit', (code) => {
    if (code !== 0) return;
    // V8 stamps a cache with the flags of the moment it is made, and refuses it under others: a
    // command that turns a V8 flag on as it runs turns it off again in an 'exit' listener placed
    // before this one (pull: applyTierUpSkip in src/pull/http.ts).
    writeCache(cacheFile, script.createCachedData());
  });
}
const bundleModule = { exports: {} };
script.runInThisContext()(bundleModule.exports, createRequire(bundle), bundleModule, bundle, __dirname);
