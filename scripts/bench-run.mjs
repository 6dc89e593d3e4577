#!/usr/bin/env node
// npm run bench:run: `glassbox run --rm demo /bin/true` against `runc run` on a bundle with the
// same root filesystem and against `podman --runtime runc run --rm` of the same image, in one run,
// rounds interleaved (glassbox, runc, podman, then again) so that a noisy moment hits all three.
// Prints medians and ratios (targets: glassbox <= 2.5x runc, and faster than podman), then
// gbx-run's own part, from its step events: spawn to clone, and clone to execve.
// Needs root, runc and podman (scripts/install-system-deps.sh), skopeo and umoci for the bundle,
// and a build (npm run build). A benchmark, not a test: it prints, it does not fail on a slow run.
//
// Options: --rounds N (default 30), --keep (leave the scratch directory), --no-podman.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const rounds = Number(args[args.indexOf('--rounds') + 1]) || 30;
const keep = args.includes('--keep');
const withPodman = !args.includes('--no-podman');
const glassbox = path.join(root, 'bin', 'glassbox');
// podman on this kind of machine: the default rlimits are above what we may set without
// CAP_SYS_RESOURCE, so it is given ones it can set.
const PODMAN_ULIMITS = ['--ulimit', 'nofile=20000:20000', '--ulimit', 'nproc=32768:32768'];

function fail(message) {
  console.error(`bench:run: ${message}`);
  process.exit(1);
}

if (process.getuid?.() !== 0) fail('run as root: containers need it (glassbox, runc and podman alike)');
const tools = ['runc', 'skopeo', 'umoci', ...(withPodman ? ['podman'] : [])];
for (const tool of tools) {
  if (spawnSync('sh', ['-c', `command -v ${tool}`]).status !== 0) fail(`${tool} is not installed (scripts/install-system-deps.sh)`);
}
if (!fs.existsSync(path.join(root, 'dist/cli/main.js')) || !fs.existsSync(path.join(root, 'native/bin/gbx-run'))) fail('no build: run npm run build first');

const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'glassbox-bench-run-'));
const home = path.join(scratch, 'home');
const env = { ...process.env, GLASSBOX_HOME: home };
const podmanStore = ['--root', path.join(scratch, 'podman-root'), '--runroot', path.join(scratch, 'podman-run'), '--storage-driver', 'overlay'];

function run(command, argv, options = {}) {
  const result = spawnSync(command, argv, { env, encoding: 'utf8', ...options });
  if (result.status !== 0) fail(`${command} ${argv.join(' ')} failed (${result.status ?? result.signal}): ${result.stderr}`);
  return result.stdout;
}

function timed(command, argv, extraEnv = {}) {
  const started = process.hrtime.bigint();
  const result = spawnSync(command, argv, { env: { ...env, ...extraEnv }, stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  if (result.status !== 0) fail(`${command} ${argv.join(' ')} failed (${result.status ?? result.signal}): ${result.stderr}`);
  return ms;
}

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};
const fmt = (ms) => `${ms.toFixed(1)} ms`;

try {
  // The image: glassbox's demo (busybox and the probes), built, unpacked and run once.
  run(glassbox, ['run', '--rm', 'demo', '/bin/true']);
  const archive = path.join(scratch, 'demo.tar');
  run(glassbox, ['save', 'demo', '-o', archive]);
  // The same root filesystem for runc: the archive through skopeo into a layout, umoci unpacks it.
  run('skopeo', ['copy', '--quiet', `oci-archive:${archive}`, `oci:${path.join(scratch, 'layout')}:demo`]);
  const bundle = path.join(scratch, 'bundle');
  run('umoci', ['unpack', '--image', `${path.join(scratch, 'layout')}:demo`, bundle]);
  fs.rmSync(path.join(bundle, 'config.json'));
  run('runc', ['spec', '--bundle', bundle]);
  const config = JSON.parse(fs.readFileSync(path.join(bundle, 'config.json'), 'utf8'));
  config.process.args = ['/bin/true'];
  config.process.terminal = false;
  fs.writeFileSync(path.join(bundle, 'config.json'), JSON.stringify(config, null, 2));
  let image;
  if (withPodman) {
    const loaded = run('podman', [...podmanStore, 'load', '-q', '-i', archive]);
    image = loaded.trim().split('\n').pop().replace(/^Loaded image(\(s\))?: */, '').split(',')[0].trim();
  }

  const contenders = [
    { name: 'glassbox', argv: () => [glassbox, ['run', '--rm', 'demo', '/bin/true']] },
    // The same without the bundle (scripts/build-bundle.mjs): what it saves.
    { name: 'glassbox (no bundle)', argv: () => [glassbox, ['run', '--rm', 'demo', '/bin/true'], { GLASSBOX_BUNDLE: '0' }] },
    { name: 'runc', argv: (i) => ['runc', ['run', '--bundle', bundle, `glassbox-bench-${process.pid}-${i}`]] },
    ...(withPodman
      ? [{ name: 'podman', argv: () => ['podman', [...podmanStore, '--runtime', 'runc', 'run', '--rm', '--network', 'none', ...PODMAN_ULIMITS, image, '/bin/true']] }]
      : []),
    // Context: what any Node CLI pays before its first line runs.
    { name: 'node -e 0', argv: () => [process.execPath, ['-e', '0']] },
  ];
  // One warm-up round, not counted (page cache, podman's first-run setup).
  contenders.forEach((c, i) => timed(...c.argv(`w${i}`)));
  const times = Object.fromEntries(contenders.map((c) => [c.name, []]));
  for (let round = 0; round < rounds; round++) {
    for (const c of contenders) times[c.name].push(timed(...c.argv(round)));
  }
  const medians = Object.fromEntries(contenders.map((c) => [c.name, median(times[c.name])]));

  // gbx-run's own part, from its step events (`at`: ms since gbx-run was spawned).
  const { createLinuxKernel } = await import(pathToFileURL(path.join(root, 'dist/kernel/linux/linux-kernel.js')).href);
  const { runContainer } = await import(pathToFileURL(path.join(root, 'dist/container/run-container.js')).href);
  const { defaultSpec } = await import(pathToFileURL(path.join(root, 'dist/container/spec.js')).href);
  const { subscribeContainerSteps } = await import(pathToFileURL(path.join(root, 'dist/container/launch.js')).href);
  const kernel = createLinuxKernel();
  const helper = { spawnToClone: [], cloneToExec: [], spawnToExit: [] };
  for (let round = 0; round < rounds; round++) {
    const id = `bench${process.pid}x${round}`;
    const steps = new Map();
    const unsubscribe = subscribeContainerSteps((event) => {
      if (event.id === id && event.phase === 'done') steps.set(event.op, event.at);
    });
    const started = performance.now();
    const result = await runContainer(kernel, defaultSpec(id, path.join(bundle, 'rootfs'), ['/bin/true']), { stdio: ['ignore', 'ignore', 'ignore'] });
    const total = performance.now() - started;
    unsubscribe();
    if (result.status !== 0 || !steps.has('clone') || !steps.has('execve')) fail(`gbx-run on the bundle's root: status ${result.status}, steps ${[...steps.keys()].join(', ')}`);
    helper.spawnToClone.push(steps.get('clone'));
    helper.cloneToExec.push(steps.get('execve') - steps.get('clone'));
    helper.spawnToExit.push(total);
  }

  const g = medians.glassbox;
  console.log(`bench:run: ${rounds} rounds, medians (${os.cpus().length} CPUs, ${os.release()})`);
  for (const c of contenders) console.log(`  ${c.name.padEnd(22)} ${fmt(medians[c.name]).padStart(10)}   (min ${fmt(Math.min(...times[c.name]))}, max ${fmt(Math.max(...times[c.name]))})`);
  console.log(`  glassbox / runc   = ${(g / medians.runc).toFixed(2)}x   (target <= 2.5x: ${g / medians.runc <= 2.5 ? 'met' : 'NOT met'})`);
  if (withPodman) console.log(`  glassbox / podman = ${(g / medians.podman).toFixed(2)}x   (target < 1: ${g < medians.podman ? 'met' : 'NOT met'})`);
  console.log("gbx-run's own part (in-process runContainer on the same root, medians):");
  console.log(`  spawn → clone      ${fmt(median(helper.spawnToClone))}`);
  console.log(`  clone → execve     ${fmt(median(helper.cloneToExec))}`);
  console.log(`  start → exit       ${fmt(median(helper.spawnToExit))}   (cgroups, spawn, clone … execve, /bin/true, teardown)`);
  if (args.includes('--json')) {
    console.log(JSON.stringify({ rounds, medians, times, helper: Object.fromEntries(Object.entries(helper).map(([k, v]) => [k, median(v)])) }));
  }
} finally {
  if (withPodman) spawnSync('podman', [...podmanStore, 'system', 'reset', '--force'], { stdio: 'ignore' });
  if (keep) console.log(`kept ${scratch}`);
  else {
    spawnSync(glassbox, ['gc'], { env, stdio: 'ignore' });
    fs.rmSync(scratch, { recursive: true, force: true });
  }
}
