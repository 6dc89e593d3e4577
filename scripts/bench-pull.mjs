#!/usr/bin/env node
// npm run bench:pull: pull the same ~100 MB multi-layer image from the same local registry with
// `glassbox pull` and with `skopeo copy` to an OCI layout, in one run, and print the median ratio
// (target glassbox ≤ 1.2× skopeo). Then pull a 1 GB image once and check that glassbox's peak RSS
// stays under 200 MB. Needs Debian's docker-registry, skopeo and a build (`npm run build`); peak RSS
// comes from /usr/bin/time -v (Debian package `time`: the kernel's ru_maxrss, exact), else from
// sampling VmHWM in /proc/<pid>/status every 20 ms (can miss growth in the last 20 ms).
// A benchmark, not a test: it prints, it does not fail on a slow run.
//
// It also pulls a ~1 MB image the same number of rounds: its median is the fixed cost of a pull
// (start-up, round trips), and the big pull minus it is the cost of the bytes.
//
// Options: --runs N (default 5 rounds, the median is reported), --dir DIR (work there instead of the
// temp dir), --keep (leave the scratch directory), --big-mb N (size of the memory image, default 1024).
import { spawn, spawnSync } from 'node:child_process';
import { createCipheriv, createHash } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import zlib from 'node:zlib';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const option = (name) => (args.includes(name) ? args[args.indexOf(name) + 1] : undefined);
const runs = Number(option('--runs')) || 5;
const keep = args.includes('--keep');
const base = option('--dir') ? path.resolve(option('--dir')) : os.tmpdir();
const bigBytes = (Number(option('--big-mb')) || 1024) * 1e6;
const RSS_LIMIT = 200e6;
const SPEED_TARGET = 1.2;

function fail(message) {
  console.error(`bench:pull: ${message}`);
  process.exit(1);
}

const has = (tool) => spawnSync('sh', ['-c', `command -v ${tool}`], { stdio: 'ignore' }).status === 0;
if (!has('docker-registry')) fail('docker-registry is not installed (apt-get install docker-registry; scripts/install-system-deps.sh)');
if (!has('skopeo')) fail('skopeo is not installed (apt-get install skopeo; scripts/install-system-deps.sh)');
if (!fs.existsSync(path.join(root, 'dist/cli/main.js'))) fail('no build: run npm run build first');
const TIME = fs.existsSync('/usr/bin/time') ? '/usr/bin/time' : undefined;

// ---------------------------------------------------------------------------------------------
// Everything we start runs in its own process group (detached), so that Ctrl-C reaches us only
// and we stop exactly our own processes, by group id = their pid, including /usr/bin/time's child.

const live = new Set();
function startChild(command, argv, options = {}) {
  const child = spawn(command, argv, { detached: true, stdio: ['ignore', 'pipe', 'pipe'], ...options });
  live.add(child);
  child.once('exit', () => live.delete(child));
  return child;
}
function signalGroup(child, signal) {
  try {
    process.kill(-child.pid, signal);
  } catch {
    // already gone
  }
}
async function stopChild(child) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  signalGroup(child, 'SIGTERM');
  const timer = setTimeout(() => signalGroup(child, 'SIGKILL'), 3000);
  await exited;
  clearTimeout(timer);
}

let scratch;
let interrupted = false;
// The last resort (an uncaught error, process.exit): synchronous, so SIGKILL and rmSync.
process.on('exit', () => {
  for (const child of live) signalGroup(child, 'SIGKILL');
  if (scratch && !keep) fs.rmSync(scratch, { recursive: true, force: true });
});
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, async () => {
    interrupted = true;
    console.error(`\nbench:pull: ${signal}: stopping`);
    await Promise.all([...live].map(stopChild));
    process.exit(130);
  });
}

// ---------------------------------------------------------------------------------------------
// Deterministic content: AES-CTR over zeros, one key per layer (layers are built concurrently),
// shaped into text (words from a small vocabulary: gzip makes it about a third) and binary
// (random, like compressed assets: gzip cannot shrink it).

const WORDS = 'the of and to in is for on with as by at from that this function return const import export if else while case default struct static void int char include define usr lib bin share local etc var config data value name type error self size list node path file user root'
  .split(' ')
  .map((word) => Buffer.from(`${word} `));

function makeSource(seed) {
  const key = createHash('sha256').update(seed).digest().subarray(0, 16);
  const cipher = createCipheriv('aes-128-ctr', key, Buffer.alloc(16));
  return (kind, size) => {
    const bytes = cipher.update(Buffer.alloc(size));
    if (kind === 'binary') return bytes;
    const text = Buffer.alloc(size);
    let at = 0;
    for (let i = 0; at < size; i++) {
      at += WORDS[bytes[i % size] % WORDS.length].copy(text, at);
      if (i % 12 === 11 && at < size) text[at++] = 0x0a;
    }
    return text;
  };
}

// ---------------------------------------------------------------------------------------------
// A small ustar writer: directories, regular files and symlinks, root-owned, one fixed mtime.

const MTIME = Date.UTC(2024, 0, 1) / 1000;
function tarHeader(name, { mode, size = 0, type = '0', linkname = '' }) {
  const header = Buffer.alloc(512);
  const octal = (offset, length, value) => header.write(`${value.toString(8).padStart(length - 1, '0')}\0`, offset, 'ascii');
  header.write(name, 0, 100, 'utf8');
  octal(100, 8, mode);
  octal(108, 8, 0);
  octal(116, 8, 0);
  octal(124, 12, size);
  octal(136, 12, MTIME);
  header.fill(0x20, 148, 156); // the checksum is computed with its own field as spaces
  header.write(type, 156, 'ascii');
  header.write(linkname, 157, 100, 'utf8');
  header.write('ustar\0' + '00', 257, 'ascii');
  header.write('root', 265, 'ascii');
  header.write('root', 297, 'ascii');
  let sum = 0;
  for (const byte of header) sum += byte;
  header.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'ascii');
  return header;
}

const CHUNK = 1 << 20;
/** The tar stream of one layer: `l<i>/d<j>/` directories, files spread over them, symlinks. */
async function* layerTar(spec, index, seed) {
  const content = makeSource(`${seed}/${index}`);
  yield tarHeader(`l${index}/`, { mode: 0o755, type: '5' });
  for (let d = 0; d < spec.dirs; d++) yield tarHeader(`l${index}/d${d}/`, { mode: 0o755, type: '5' });
  for (let f = 0; f < spec.files; f++) {
    const size = spec.min + ((f * 7919) % (spec.max - spec.min + 1));
    const kind = spec.kinds[f % spec.kinds.length];
    yield tarHeader(`l${index}/d${f % spec.dirs}/f${f}`, { mode: f % 10 === 0 ? 0o755 : 0o644, size });
    for (let done = 0; done < size; done += CHUNK) yield content(kind, Math.min(CHUNK, size - done));
    if (size % 512) yield Buffer.alloc(512 - (size % 512));
  }
  for (let l = 0; l < spec.links; l++) yield tarHeader(`l${index}/d${l % spec.dirs}/link${l}`, { mode: 0o777, type: '2', linkname: `../d0/f${l}` });
  yield Buffer.alloc(1024);
}

/** Streams a layer through gzip into `file`, hashing the tar (diff_id) and the blob (digest). */
async function writeLayer(spec, index, seed, level, file) {
  const diff = createHash('sha256');
  const blob = createHash('sha256');
  let raw = 0;
  await pipeline(
    layerTar(spec, index, seed),
    async function* (source) {
      for await (const chunk of source) {
        diff.update(chunk);
        raw += chunk.length;
        yield chunk;
      }
    },
    zlib.createGzip({ level }),
    async function* (source) {
      for await (const chunk of source) {
        blob.update(chunk);
        yield chunk;
      }
    },
    fs.createWriteStream(file),
  );
  return { file, digest: `sha256:${blob.digest('hex')}`, diffId: `sha256:${diff.digest('hex')}`, size: fs.statSync(file).size, raw };
}

// The speed image: ~100 MB of blobs, ~3700 files, six layers of different shapes.
const SPEED_LAYERS = [
  { files: 2000, min: 1024, max: 8192, kinds: ['text'], dirs: 200, links: 100 },
  { files: 1200, min: 2048, max: 32768, kinds: ['text', 'binary'], dirs: 100, links: 0 },
  { files: 30, min: 1 << 20, max: 1 << 20, kinds: ['binary'], dirs: 3, links: 0 },
  { files: 2, min: 10 << 20, max: 10 << 20, kinds: ['text'], dirs: 1, links: 0 },
  { files: 400, min: 32 << 10, max: 96 << 10, kinds: ['binary', 'binary', 'text'], dirs: 20, links: 0 },
  { files: 1, min: 24 << 20, max: 24 << 20, kinds: ['binary'], dirs: 1, links: 0 },
];
// The start-up image: one small layer, so the time is almost all fixed cost (process start,
// module loading, the registry round trips, the store's first writes).
const STARTUP_LAYERS = [{ files: 4, min: 256 << 10, max: 256 << 10, kinds: ['binary'], dirs: 1, links: 0 }];
// The memory image: four layers of big random files, `total` bytes in all. gzip level 1: the
// pull never inflates, so only the bytes on the wire matter here, and level 6 would take minutes.
const bigLayers = (total) =>
  [0, 1, 2, 3].map(() => ({ files: 8, min: Math.round(total / 32), max: Math.round(total / 32), kinds: ['binary'], dirs: 2, links: 0 }));

async function buildImage(dir, seed, specs, level) {
  fs.mkdirSync(dir, { recursive: true });
  const layers = await Promise.all(specs.map((spec, index) => writeLayer(spec, index, seed, level, path.join(dir, `layer${index}.tar.gz`))));
  const config = Buffer.from(JSON.stringify({
    created: new Date(MTIME * 1000).toISOString(),
    architecture: 'amd64',
    os: 'linux',
    config: { Cmd: ['/bin/sh'] },
    rootfs: { type: 'layers', diff_ids: layers.map((l) => l.diffId) },
  }));
  const configDescriptor = { mediaType: 'application/vnd.oci.image.config.v1+json', digest: sha256(config), size: config.length };
  const manifest = Buffer.from(JSON.stringify({
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config: configDescriptor,
    layers: layers.map((l) => ({ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: l.digest, size: l.size })),
  }));
  return {
    layers,
    config,
    manifest,
    compressed: layers.reduce((sum, l) => sum + l.size, 0),
    raw: layers.reduce((sum, l) => sum + l.raw, 0),
    files: specs.reduce((sum, s) => sum + s.files, 0),
  };
}
const sha256 = (bytes) => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;

// ---------------------------------------------------------------------------------------------
// The registry: Debian's docker-registry with our own config, 127.0.0.1 on a port the kernel
// picks (read back from its log), storage in the scratch dir. Images go in through the push API.

async function startRegistry(dir) {
  fs.mkdirSync(dir, { recursive: true });
  const config = path.join(dir, 'config.yml');
  fs.writeFileSync(config, [
    'version: 0.1',
    'log:',
    '  level: info', // the "listening on" line we wait for is an info line
    '  accesslog:',
    '    disabled: true',
    'storage:',
    '  filesystem:',
    `    rootdirectory: ${path.join(dir, 'data')}`,
    'http:',
    '  addr: 127.0.0.1:0',
    `  secret: glassbox-bench-${process.pid}`,
    '',
  ].join('\n'));
  const child = startChild('docker-registry', ['serve', config]);
  const host = await new Promise((resolve, reject) => {
    let log = '';
    const timer = setTimeout(() => reject(new Error(`docker-registry did not start in 10 s:\n${log}`)), 10_000);
    const onData = (data) => {
      log += data;
      const match = /listening on (127\.0\.0\.1:\d+)/.exec(log);
      if (!match) return;
      clearTimeout(timer);
      resolve(match[1]);
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`docker-registry exited (${code ?? signal}) before listening:\n${log}`));
    });
  });
  // Keep draining so a chatty registry never blocks on a full pipe.
  child.stdout.removeAllListeners('data').resume();
  child.stderr.removeAllListeners('data').resume();
  return { host, child };
}

function request(method, url, { headers = {}, body } = {}) {
  return new Promise((resolve, reject) => {
    const length = body === undefined ? 0 : typeof body === 'string' ? fs.statSync(body).size : body.length;
    const req = http.request(url, { method, headers: { 'content-length': length, ...headers } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, text }));
    });
    req.on('error', reject);
    if (typeof body === 'string') fs.createReadStream(body, { highWaterMark: CHUNK }).on('error', reject).pipe(req);
    else req.end(body);
  });
}

/** POST an upload, PUT the bytes (a Buffer, or a file path streamed) with the digest: the monolithic push. */
async function pushBlob(origin, repository, digest, body) {
  const start = await request('POST', `${origin}/v2/${repository}/blobs/uploads/`);
  if (start.status !== 202) throw new Error(`starting the upload of ${digest}: ${start.status} ${start.text}`);
  const location = new URL(start.headers.location, origin);
  location.searchParams.set('digest', digest);
  const put = await request('PUT', location, { headers: { 'content-type': 'application/octet-stream' }, body });
  if (put.status !== 201) throw new Error(`uploading ${digest}: ${put.status} ${put.text}`);
}

async function pushImage(origin, repository, tag, image) {
  for (const layer of image.layers) await pushBlob(origin, repository, layer.digest, layer.file);
  await pushBlob(origin, repository, sha256(image.config), image.config);
  const put = await request('PUT', `${origin}/v2/${repository}/manifests/${tag}`, {
    headers: { 'content-type': 'application/vnd.oci.image.manifest.v1+json' },
    body: image.manifest,
  });
  if (put.status !== 201) throw new Error(`pushing ${repository}:${tag}: ${put.status} ${put.text}`);
}

// ---------------------------------------------------------------------------------------------
// The contenders, each a child process timed from spawn to exit, with its peak RSS.

function readHwmKiB(pid) {
  try {
    const match = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) : 0;
  } catch {
    return 0;
  }
}

function timed(command, argv, env, rssFile) {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = TIME ? startChild(TIME, ['-v', '-o', rssFile, command, ...argv], { env }) : startChild(command, argv, { env });
    let out = '';
    child.stdout.on('data', (chunk) => (out += chunk));
    child.stderr.on('data', (chunk) => (out += chunk));
    // Without /usr/bin/time: VmHWM is the peak so far and never drops, so the last sample is it.
    let hwm = 0;
    const sampler = TIME ? undefined : setInterval(() => (hwm = Math.max(hwm, readHwmKiB(child.pid))), 20);
    child.on('error', reject);
    child.on('exit', (code) => {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      if (sampler) clearInterval(sampler);
      if (code !== 0) return reject(new Error(`${command} ${argv.join(' ')} exited with ${code}:\n${out}`));
      if (TIME) hwm = Number(/Maximum resident set size \(kbytes\): (\d+)/.exec(fs.readFileSync(rssFile, 'utf8'))?.[1] ?? 0);
      resolve({ ms, rss: hwm * 1024 });
    });
  });
}

function dirBytes(dir) {
  let total = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) total += fs.statSync(path.join(entry.parentPath, entry.name)).size;
  }
  return total;
}

function makeContenders(host, work) {
  const policy = path.join(work, 'policy.json');
  fs.writeFileSync(policy, JSON.stringify({ default: [{ type: 'insecureAcceptAnything' }] }));
  return {
    glassbox: (ref, out) =>
      timed(path.join(root, 'bin/glassbox'), ['pull', '-q', '--insecure-registry', host, `${host}/${ref}`], { ...process.env, GLASSBOX_HOME: out }, `${out}.time`),
    skopeo: (ref, out) =>
      timed('skopeo', ['copy', '-q', '--policy', policy, '--src-tls-verify=false', `docker://${host}/${ref}`, `oci:${out}:bench`], process.env, `${out}.time`),
  };
}

/** One pull into a fresh directory; the directory and what the pull left dirty are gone before the next. */
async function pullOnce(contenders, name, ref, out) {
  fs.rmSync(out, { recursive: true, force: true });
  const result = await contenders[name](ref, out);
  result.bytes = dirBytes(out);
  fs.rmSync(out, { recursive: true, force: true });
  fs.rmSync(`${out}.time`, { force: true });
  spawnSync('sync');
  return result;
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const mb = (bytes) => `${(bytes / 1e6).toFixed(1)} MB`;

let registry;
try {
  scratch = fs.mkdtempSync(path.join(base, 'glassbox-bench-pull-'));
  const work = path.join(scratch, 'out');
  fs.mkdirSync(work);
  console.log(`building a deterministic ${SPEED_LAYERS.length}-layer image in ${scratch}...`);
  const image = await buildImage(path.join(scratch, 'image'), 'speed', SPEED_LAYERS, 6);
  registry = await startRegistry(path.join(scratch, 'registry'));
  const origin = `http://${registry.host}`;
  await pushImage(origin, 'bench/pull', 'v1', image);
  if (!keep) fs.rmSync(path.join(scratch, 'image'), { recursive: true, force: true });
  console.log(
    `image: ${image.layers.length} gzip layers, ${mb(image.compressed)} of blobs (${mb(image.raw)} of tar), ${image.files} files; ` +
      `registry ${registry.host} (pid ${registry.child.pid}); node ${process.version}, ${os.cpus().length} CPUs; ` +
      `peak RSS from ${TIME ? '/usr/bin/time -v' : 'VmHWM sampled every 20 ms'}`,
  );

  const contenders = makeContenders(registry.host, work);
  // One untimed pull each first: the registry's blobs are then in the page cache for both.
  for (const name of ['glassbox', 'skopeo']) await pullOnce(contenders, name, 'bench/pull:v1', path.join(work, `warm-${name}`));
  const results = { glassbox: [], skopeo: [] };
  for (let round = 0; round < runs; round++) {
    // Alternate who goes first, so neither always inherits the other's writeback.
    const order = round % 2 === 0 ? ['glassbox', 'skopeo'] : ['skopeo', 'glassbox'];
    for (const name of order) results[name].push(await pullOnce(contenders, name, 'bench/pull:v1', path.join(work, `${name}-${round}`)));
  }
  const row = (label, list) =>
    `  ${label.padEnd(30)} ${median(list.map((r) => r.ms)).toFixed(0).padStart(6)} ms   (${list.map((r) => r.ms.toFixed(0)).join(', ')})` +
    `   peak RSS ${mb(median(list.map((r) => r.rss)))}, wrote ${mb(list[0].bytes)}`;
  console.log(row('glassbox pull', results.glassbox));
  console.log(row('skopeo copy → oci layout', results.skopeo));
  const ratios = results.glassbox.map((r, i) => r.ms / results.skopeo[i].ms);
  const ratio = median(ratios);
  console.log(
    `  glassbox / skopeo = ${ratio.toFixed(2)}× median of ${runs} rounds (${ratios.map((r) => r.toFixed(2)).join(', ')}); ` +
      `target ≤ ${SPEED_TARGET.toFixed(2)}×: ${ratio <= SPEED_TARGET ? 'met' : 'NOT met'}`,
  );

  // Where the difference is: the same rounds with a ~1 MB image give the fixed cost of a pull;
  // what is left of the big pull is the cost of its bytes.
  const tiny = await buildImage(path.join(scratch, 'image-tiny'), 'startup', STARTUP_LAYERS, 1);
  await pushImage(origin, 'bench/tiny', 'v1', tiny);
  const startup = { glassbox: [], skopeo: [] };
  for (let round = 0; round < runs; round++) {
    const order = round % 2 === 0 ? ['glassbox', 'skopeo'] : ['skopeo', 'glassbox'];
    for (const name of order) startup[name].push(await pullOnce(contenders, name, 'bench/tiny:v1', path.join(work, `tiny-${name}-${round}`)));
  }
  const fixed = (name) => median(startup[name].map((r) => r.ms));
  const perByte = (name) => median(results[name].map((r) => r.ms)) - fixed(name);
  console.log(
    `  start-up (a ${mb(tiny.compressed)} image, median of ${runs}): glassbox ${fixed('glassbox').toFixed(0)} ms, skopeo ${fixed('skopeo').toFixed(0)} ms; ` +
      `the rest of the ${mb(image.compressed)} pull: glassbox ${perByte('glassbox').toFixed(0)} ms, skopeo ${perByte('skopeo').toFixed(0)} ms`,
  );

  // Memory: a big image pulled once by each.
  console.log(`building a ${mb(bigBytes)} image (4 layers of 8 random files)...`);
  const big = await buildImage(path.join(scratch, 'image-big'), 'memory', bigLayers(bigBytes), 1);
  await pushImage(origin, 'bench/big', 'v1', big);
  fs.rmSync(path.join(scratch, 'image-big'), { recursive: true, force: true });
  const bigGlassbox = await pullOnce(contenders, 'glassbox', 'bench/big:v1', path.join(work, 'big-glassbox'));
  const bigSkopeo = await pullOnce(contenders, 'skopeo', 'bench/big:v1', path.join(work, 'big-skopeo'));
  console.log(
    `  memory: ${mb(big.compressed)} pulled: glassbox ${bigGlassbox.ms.toFixed(0)} ms, peak RSS ${mb(bigGlassbox.rss)} ` +
      `(limit ${mb(RSS_LIMIT)}: ${bigGlassbox.rss < RSS_LIMIT ? 'met' : 'NOT met'}; ${mb(median(results.glassbox.map((r) => r.rss)))} for the small image); ` +
      `skopeo ${bigSkopeo.ms.toFixed(0)} ms, peak RSS ${mb(bigSkopeo.rss)}`,
  );
} catch (error) {
  // Interrupted: the killed child's failure is ours, not news.
  if (!interrupted) console.error(`bench:pull: could not run: ${error.message}`);
  process.exitCode = 1;
} finally {
  // The registry, and anything an error left running.
  await Promise.all([...live].map(stopChild));
  if (keep && scratch) console.log(`kept ${scratch}`);
  else if (scratch) fs.rmSync(scratch, { recursive: true, force: true });
}
