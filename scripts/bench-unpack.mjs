#!/usr/bin/env node
// npm run bench:unpack: unpack the same ~100 MB multi-layer image with glassbox, with
// `umoci raw unpack`, and with per-layer parallel `gzip -dc | tar -x` (the native tools' speed), in
// one run, on the same filesystem, and print the ratios. Then check that glassbox's memory stays flat
// when one layer is four times bigger. Needs root (glassbox's real kernel, umoci), umoci, gzip and tar,
// and a build (`npm run build`). A benchmark, not a test: it prints, it does not fail on a slow run.
//
// Options: --runs N (default 3, the median is reported), --dir DIR (work there instead of the temp
// dir: /dev/shm takes the disk out of the comparison), --keep (leave the scratch directory).
import { spawn, spawnSync } from 'node:child_process';
import { createCipheriv, createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const runs = Number(args[args.indexOf('--runs') + 1]) || 3;
const keep = args.includes('--keep');
// Where to work: the filesystem every contender writes to (default: the system temp dir).
const base = args.includes('--dir') ? path.resolve(args[args.indexOf('--dir') + 1]) : os.tmpdir();

function fail(message) {
  console.error(`bench:unpack: ${message}`);
  process.exit(1);
}

if (process.getuid?.() !== 0) fail('run as root: glassbox unpacks through the real kernel (devices, owners, xattrs) and umoci needs root too');
for (const tool of ['umoci', 'gzip', 'tar']) {
  if (spawnSync('sh', ['-c', `command -v ${tool}`]).status !== 0) fail(`${tool} is not installed (scripts/install-system-deps.sh)`);
}
if (!fs.existsSync(path.join(root, 'dist/unpack/index.js'))) fail('no build: run npm run build first');

// ---------------------------------------------------------------------------------------------
// A deterministic image: AES-CTR of zeros is the byte source, shaped into text-like, binary and
// mostly-empty files so that gzip compresses it about as much as a real distribution image.

const keystream = createCipheriv('aes-128-ctr', Buffer.alloc(16, 7), Buffer.alloc(16, 0));
function randomBytes(size) {
  return keystream.update(Buffer.alloc(size));
}
// Text is words from a small vocabulary (gzip makes it about a third), binary is random
// (compressed assets), sparse is mostly zeros: together about what a distribution image compresses to.
const WORDS = 'the of and to in is for on with as by at from that this function return const import export if else while case default struct static void int char include define usr lib bin share local etc var config data value name type error self size list node path file user root'
  .split(' ')
  .map((word) => Buffer.from(`${word} `));
function content(kind, size) {
  const bytes = randomBytes(size);
  if (kind === 'binary') return bytes;
  if (kind === 'sparse') {
    for (let i = 0; i < size; i++) if (i % 4096 > 256) bytes[i] = 0;
    return bytes;
  }
  const text = Buffer.alloc(size);
  let at = 0;
  for (let i = 0; at < size; i++) {
    const word = WORDS[bytes[i % size] % WORDS.length];
    at += word.copy(text, at);
    if (i % 12 === 11 && at < size) text[at++] = 0x0a;
  }
  return text;
}

const LAYERS = [
  { files: 3000, min: 1024, max: 8192, kinds: ['text'], dirs: 300, links: 200 },
  { files: 1500, min: 2048, max: 32768, kinds: ['text', 'binary'], dirs: 100, links: 0 },
  { files: 20, min: 1 << 20, max: 1 << 20, kinds: ['binary', 'text'], dirs: 2, links: 0 },
  { files: 2, min: 10 << 20, max: 10 << 20, kinds: ['text'], dirs: 1, links: 0 },
  { files: 4000, min: 100, max: 500, kinds: ['text'], dirs: 400, links: 0 },
  { files: 500, min: 20480, max: 20480, kinds: ['text', 'sparse'], dirs: 20, links: 50, whiteouts: 30 },
  { files: 100, min: 100 << 10, max: 100 << 10, kinds: ['binary', 'text', 'sparse'], dirs: 5, links: 0 },
  { files: 1, min: 8 << 20, max: 8 << 20, kinds: ['binary'], dirs: 1, links: 0 },
];

function writeTree(dir, spec, index, scale) {
  fs.mkdirSync(dir, { recursive: true });
  let bytes = 0;
  for (let d = 0; d < spec.dirs; d++) fs.mkdirSync(path.join(dir, `l${index}`, `d${d}`), { recursive: true });
  for (let f = 0; f < spec.files; f++) {
    const size = Math.round((spec.min + ((f * 7919) % (spec.max - spec.min + 1))) * scale);
    const data = content(spec.kinds[f % spec.kinds.length], size);
    const file = path.join(dir, `l${index}`, `d${f % spec.dirs}`, `f${f}`);
    fs.writeFileSync(file, data, { mode: f % 10 === 0 ? 0o755 : 0o644 });
    bytes += size;
  }
  for (let l = 0; l < spec.links; l++) fs.symlinkSync(`../d0/f${l}`, path.join(dir, `l${index}`, `d${l % spec.dirs}`, `link${l}`));
  for (let w = 0; w < (spec.whiteouts ?? 0); w++) fs.writeFileSync(path.join(dir, `l${index}`, `d${w % spec.dirs}`, `.wh.gone${w}`), '');
  return bytes;
}

function sha256File(file) {
  const hash = createHash('sha256');
  const fd = fs.openSync(file, 'r');
  const buffer = Buffer.alloc(1 << 20);
  for (let n; (n = fs.readSync(fd, buffer)) > 0; ) hash.update(buffer.subarray(0, n));
  fs.closeSync(fd);
  return hash.digest('hex');
}

/** Builds the layers with GNU tar and gzip, and an OCI image layout of them for umoci. */
function buildImage(dir, scale, layers = LAYERS) {
  const layout = path.join(dir, 'layout');
  const blobs = path.join(layout, 'blobs', 'sha256');
  fs.mkdirSync(blobs, { recursive: true });
  const result = [];
  let total = 0;
  layers.forEach((spec, index) => {
    const tree = path.join(dir, 'src', String(index));
    total += writeTree(tree, spec, index, scale);
    const tarFile = path.join(dir, `layer${index}.tar`);
    const done = spawnSync('tar', ['--numeric-owner', '--owner=0', '--group=0', '--sort=name', '--mtime=2024-01-01', '-C', tree, '-cf', tarFile, '.'], { stdio: 'inherit' });
    if (done.status !== 0) fail('tar failed while building the image');
    const diffId = sha256File(tarFile);
    const gz = `${tarFile}.gz`;
    if (spawnSync('sh', ['-c', `gzip -6 -n -c ${tarFile} > ${gz}`]).status !== 0) fail('gzip failed');
    fs.rmSync(tarFile);
    const digest = sha256File(gz);
    fs.renameSync(gz, path.join(blobs, digest));
    result.push({ digest: `sha256:${digest}`, diffId: `sha256:${diffId}`, size: fs.statSync(path.join(blobs, digest)).size, file: path.join(blobs, digest) });
  });
  fs.rmSync(path.join(dir, 'src'), { recursive: true, force: true });
  const put = (value, mediaType) => {
    const bytes = Buffer.from(JSON.stringify(value));
    const digest = createHash('sha256').update(bytes).digest('hex');
    fs.writeFileSync(path.join(blobs, digest), bytes);
    return { mediaType, digest: `sha256:${digest}`, size: bytes.length };
  };
  const config = put({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: result.map((l) => l.diffId) } }, 'application/vnd.oci.image.config.v1+json');
  const manifest = put(
    {
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config,
      layers: result.map((l) => ({ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: l.digest, size: l.size })),
    },
    'application/vnd.oci.image.manifest.v1+json',
  );
  fs.writeFileSync(path.join(layout, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
  fs.writeFileSync(path.join(layout, 'index.json'), JSON.stringify({ schemaVersion: 2, manifests: [{ ...manifest, annotations: { 'org.opencontainers.image.ref.name': 'bench' } }] }));
  return { layout, layers: result, bytes: total, compressed: result.reduce((sum, l) => sum + l.size, 0) };
}

// ---------------------------------------------------------------------------------------------
// The three contenders, each a child process timed from spawn to exit.

function timed(command, argv, options = {}) {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn(command, argv, { stdio: ['ignore', 'pipe', 'inherit'], ...options });
    let out = '';
    child.stdout.on('data', (chunk) => (out += chunk));
    child.on('error', reject);
    child.on('exit', (code) => {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      if (code !== 0) reject(new Error(`${command} ${argv.join(' ')} exited with ${code}`));
      else resolve({ ms, out });
    });
  });
}

const GLASSBOX_CHILD = `
const { createLinuxKernel } = await import(${JSON.stringify(path.join(root, 'dist/kernel/linux/linux-kernel.js'))});
const { createLayerFs, unpackImage } = await import(${JSON.stringify(path.join(root, 'dist/unpack/index.js'))});
const fs = await import('node:fs');
const [layersFile, target] = process.argv.slice(1);
const layers = JSON.parse(fs.readFileSync(layersFile, 'utf8'));
const sources = layers.map((l) => ({ descriptor: { digest: l.digest, size: l.size }, diffId: l.diffId, open: () => fs.createReadStream(l.file, { highWaterMark: 1 << 20 }) }));
const result = await unpackImage(sources, target, { fs: createLayerFs(createLinuxKernel()) });
process.stdout.write(JSON.stringify({ ms: result.ms, maxRssKiB: process.resourceUsage().maxRSS, entries: result.layers.reduce((s, l) => s + l.info.entries, 0) }));
`;

async function runGlassbox(image, out) {
  const layersFile = path.join(path.dirname(out), `layers-${path.basename(path.dirname(image.layout))}.json`);
  fs.writeFileSync(layersFile, JSON.stringify(image.layers));
  const { ms, out: text } = await timed(process.execPath, ['--input-type=module', '-e', GLASSBOX_CHILD, layersFile, out]);
  return { ms, ...JSON.parse(text) };
}

async function runUmoci(image, out) {
  return timed('umoci', ['raw', 'unpack', '--image', `${image.layout}:bench`, out]);
}

async function runParallelTar(image, out) {
  fs.mkdirSync(out);
  const started = process.hrtime.bigint();
  await Promise.all(
    image.layers.map((layer, index) => {
      const dir = path.join(out, String(index));
      fs.mkdirSync(dir);
      return timed('sh', ['-c', `gzip -dc ${layer.file} | tar --numeric-owner -xpf - -C ${dir}`]);
    }),
  );
  return { ms: Number(process.hrtime.bigint() - started) / 1e6 };
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const mb = (bytes) => `${(bytes / 1e6).toFixed(1)} MB`;

async function measure(name, run, image, scratch) {
  const times = [];
  const extra = [];
  for (let i = 0; i < runs; i++) {
    const out = path.join(scratch, `${name}-${i}`);
    fs.mkdirSync(path.dirname(out), { recursive: true });
    const result = await run(image, out);
    times.push(result.ms);
    extra.push(result);
    fs.rmSync(out, { recursive: true, force: true });
    // Untimed: write back what this run left dirty, so the next run does not pay for it.
    spawnSync('sync');
  }
  return { name, ms: median(times), times, extra };
}

const scratch = fs.mkdtempSync(path.join(base, 'glassbox-bench-unpack-'));
try {
  console.log(`building a deterministic ${LAYERS.length}-layer image in ${scratch} (same filesystem for every run)...`);
  const image = buildImage(path.join(scratch, 'image'), 1);
  console.log(`image: ${image.layers.length} layers, ${mb(image.compressed)} compressed, ${mb(image.bytes)} of file data; node ${process.version}, ${os.cpus().length} CPUs, ${runs} runs each (median)`);
  const glassbox = await measure('glassbox', runGlassbox, image, path.join(scratch, 'out'));
  const umoci = await measure('umoci', runUmoci, image, path.join(scratch, 'out'));
  const tar = await measure('tar', runParallelTar, image, path.join(scratch, 'out'));

  const rows = [glassbox, umoci, tar].map((r) => `  ${r.name.padEnd(36)} ${r.ms.toFixed(0).padStart(7)} ms   (${r.times.map((t) => t.toFixed(0)).join(', ')})`);
  rows[0] = rows[0].replace('glassbox'.padEnd(36), 'glassbox unpackImage'.padEnd(36));
  rows[1] = rows[1].replace('umoci'.padEnd(36), 'umoci raw unpack'.padEnd(36));
  rows[2] = rows[2].replace('tar'.padEnd(36), 'parallel gzip -dc | tar -x'.padEnd(36));
  console.log(rows.join('\n'));
  const vsUmoci = glassbox.ms / umoci.ms;
  const vsTar = glassbox.ms / tar.ms;
  console.log(`  glassbox / umoci = ${vsUmoci.toFixed(2)}×  (target ≤ 0.60×: ${vsUmoci <= 0.6 ? 'met' : 'NOT met'})`);
  console.log(`  glassbox / tar   = ${vsTar.toFixed(2)}×  (target ≤ 1.30×: ${vsTar <= 1.3 ? 'met' : 'NOT met'})`);
  const rss = median(glassbox.extra.map((e) => e.maxRssKiB));
  console.log(`  glassbox: ${glassbox.extra[0].entries} entries, peak RSS ${(rss / 1024).toFixed(0)} MiB`);

  // Memory: the same shapes with every file four times bigger, unpacked once.
  if (!keep) fs.rmSync(path.join(scratch, 'image'), { recursive: true, force: true });
  const big = buildImage(path.join(scratch, 'image-big'), 4, LAYERS.slice(2, 4).concat(LAYERS.slice(7)));
  const bigRun = await runGlassbox(big, path.join(scratch, 'out', 'big'));
  console.log(
    `  memory: ${mb(big.bytes)} in ${big.layers.length} layers (largest file ${mb(40 << 20)}): peak RSS ${(bigRun.maxRssKiB / 1024).toFixed(0)} MiB ` +
      `vs ${(rss / 1024).toFixed(0)} MiB for the ${mb(image.bytes)} image: ${bigRun.maxRssKiB < rss * 1.5 ? 'flat' : 'NOT flat'}`,
  );
} finally {
  if (keep) console.log(`kept ${scratch}`);
  else fs.rmSync(scratch, { recursive: true, force: true });
}
