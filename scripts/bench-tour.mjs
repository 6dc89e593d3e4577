#!/usr/bin/env node
// npm run bench:tour: the tour's speed budgets, measured on a whole lesson driven key by key.
//   - key press → updated frame while a step runs (target ≤ 100 ms): Tab is pressed every 40 ms
//     while each step runs, and the time until Ink writes a frame with the new focus is taken;
//   - idle CPU with the lesson open and nothing happening (target ≤ 2 %), over 5 s;
//   - peak RSS over the whole lesson, engine included (target ≤ 150 MB).
// The App from dist/ renders through Ink's normal (throttled, non-debug) path into a fake
// 100x30 terminal in this process, on the real engine: the simulated kernel by default, the
// real one with --kernel real (root). A real terminal adds its own drawing time on top.
// A benchmark, not a test: it prints the figures and whether each meets its target.
//
// Also: keys on a resting lesson (the screen's own cost, wall and CPU per key), the longest
// event-loop stall while steps ran (a key cannot be drawn during one), the peak RSS per step.
//
// It runs under the Node flags and environment bin/glassbox gives `learn` (its learn_flags line,
// MALLOC_ARENA_MAX=2): it starts itself again with them. --node-defaults measures without them.
//
// Options: --lesson ID (default overlayfs), --kernel sim|real (default sim), --json, --node-defaults.
// Environment: GB_PROFILE=FILE writes a CPU profile of the resting-key phase; GB_DEBUG=1 prints
// each timed key; GB_STEP_MS bounds one step (default 120000).
import { spawnSync } from 'node:child_process';
import { EventEmitter } from 'node:events';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const option = (name) => (args.includes(name) ? args[args.indexOf(name) + 1] : undefined);
const lessonId = option('--lesson') ?? 'overlayfs';
const kernelChoice = option('--kernel') ?? 'sim';
const TARGET = { latencyMs: 100, idleCpuPercent: 2, rssBytes: 150e6 };

if (process.env.GB_TOUR_AS_LEARN === undefined && !args.includes('--node-defaults')) {
  const launcher = fs.readFileSync(path.join(root, 'bin', 'glassbox'), 'utf8');
  const flags = /^learn_flags="([^"]*)"/m.exec(launcher)?.[1].split(/\s+/).filter(Boolean) ?? [];
  const again = spawnSync(process.execPath, [...flags, fileURLToPath(import.meta.url), ...args], {
    stdio: 'inherit',
    env: { ...process.env, GB_TOUR_AS_LEARN: flags.join(' '), MALLOC_ARENA_MAX: process.env.MALLOC_ARENA_MAX ?? '2' },
  });
  process.exit(again.status ?? 1);
}

function fail(message) {
  console.error(`bench:tour: ${message}`);
  process.exit(1);
}
if (!fs.existsSync(path.join(root, 'dist/tui/App.js'))) fail('no build: run npm run build first');
if (kernelChoice !== 'sim' && kernelChoice !== 'real') fail('--kernel must be sim or real');


// As `glassbox learn` does: React's production build (see src/cli/commands/learn.ts).
process.env.NODE_ENV ??= 'production';
const dist = (file) => import(path.join(root, 'dist', file));
const [{ default: React }, { render }, { App }, { TOUR_RENDER_OPTIONS }, { loadLessons }, { createBackend }, { openTourSession }, progress] = await Promise.all([
  import('react'),
  import('ink'),
  dist('tui/App.js'),
  dist('tui/render-options.js'),
  dist('lessons/load.js'),
  dist('cli/backend.js'),
  dist('tour/session.js'),
  dist('tour/progress.js'),
]);

const lesson = loadLessons().find((entry) => entry.id === lessonId);
if (!lesson) fail(`no lesson ${lessonId}`);
if (lesson.steps.length === 0) fail(`lesson ${lessonId} has no steps yet`);

// Progress files and pulled images go to a scratch home, removed at the end whatever happens.
const home = fs.mkdtempSync(path.join(os.tmpdir(), 'glassbox-bench-tour-'));
process.env.GLASSBOX_HOME = home;

/** A 100x30 terminal: every write is a frame, timestamped. */
class Terminal extends EventEmitter {
  columns = 100;
  rows = 30;
  isTTY = true;
  last = '';
  waiters = [];
  write = (chunk) => {
    const text = String(chunk);
    // Ink wraps each frame in synchronized-output markers, written separately: keep the frame.
    if (text.length > 40) this.last = text;
    const now = performance.now();
    this.waiters = this.waiters.filter((waiter) => {
      if (!waiter.test(text)) return true;
      waiter.resolve(now);
      return false;
    });
    return true;
  };
  /** Resolves with the time of the first frame (from now on) that passes `test`. */
  next(test, ms = 5000) {
    return new Promise((resolve, reject) => {
      const waiter = { test, resolve };
      this.waiters.push(waiter);
      setTimeout(() => {
        this.waiters = this.waiters.filter((entry) => entry !== waiter);
        reject(new Error(`no frame within ${ms} ms; the last one:\n${this.last}`));
      }, ms).unref();
    });
  }
}

class Keyboard extends EventEmitter {
  isTTY = true;
  data = null;
  press(data) {
    this.data = data;
    this.emit('readable');
  }
  read() {
    const { data } = this;
    this.data = null;
    return data;
  }
  setEncoding() {}
  setRawMode() {}
  resume() {}
  pause() {}
  ref() {}
  unref() {}
}

const terminal = new Terminal();
const keyboard = new Keyboard();
const verdict = { mode: kernelChoice === 'real' ? 'real' : 'simulated', reasons: [], lessons: [{ id: lesson.id, title: lesson.title, mode: kernelChoice === 'real' ? 'real' : 'simulated', missing: [] }] };
let session;
const openSession = async () => {
  const backend = await createBackend(kernelChoice);
  session = openTourSession(lesson, { kernel: backend.kernel, launcher: backend.launcher, lang: 'en', ...(backend.reason ? { reason: backend.reason } : {}) });
  return session;
};

// Where the memory goes: what Node, React, Ink and the engine's modules take before any lesson runs.
const startRss = process.memoryUsage().rss;
let peakRss = startRss;
let peakHeap = 0;
// The peak during each step, to say which part of the lesson needs the memory.
const stepPeaks = [];
let stepPeak = 0;
// What made each step's peak: the JS heap, memory outside it (Buffers, koffi, Ink's layout engine) and ArrayBuffers.
let stepParts = { heapUsed: 0, external: 0, arrayBuffers: 0 };
// Event-loop stalls: a key cannot be drawn faster than the longest synchronous stretch of work.
const loopDelay = monitorEventLoopDelay({ resolution: 5 });
loopDelay.enable();
const rssTimer = setInterval(() => {
  const usage = process.memoryUsage();
  peakRss = Math.max(peakRss, usage.rss);
  stepPeak = Math.max(stepPeak, usage.rss);
  peakHeap = Math.max(peakHeap, usage.heapUsed);
  for (const key of Object.keys(stepParts)) stepParts[key] = Math.max(stepParts[key], usage[key]);
}, 50);

const app = render(
  React.createElement(App, {
    lang: 'en',
    lessons: [lesson],
    verdict,
    machine: [],
    openAtStart: true,
    openSession,
    loadProgress: () => Promise.resolve(null),
    saveProgress: (value) => progress.saveProgress(value),
    learner: 'bench',
  }),
  { ...TOUR_RENDER_OPTIONS, stdout: terminal, stdin: keyboard, stderr: terminal, exitOnCtrlC: false, patchConsole: false },
);

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const stepDone = (index) => new RegExp(`[✓✗]${index + 1}(?!\\d)`);
const latencies = [];
let focus = 1;

/** Presses 1-4 until the step is done, timing each press to the first frame with that pane focused. */
async function pressWhileRunning(index) {
  while (!stepDone(index).test(terminal.last)) {
    focus = (focus % 4) + 1;
    const marker = `›${focus} `;
    const frame = terminal.next((text) => text.includes(marker));
    const pressed = performance.now();
    keyboard.press(String(focus));
    try {
      latencies.push((await frame) - pressed);
    } catch {
      latencies.push(Infinity);
      if (process.env.GB_DEBUG) console.error(terminal.last);
    }
    if (process.env.GB_DEBUG) console.error(`step ${index + 1} focus ${focus}: ${latencies.at(-1).toFixed(1)} ms`);
    await sleep(40);
  }
}

try {
  await terminal.next((text) => text.includes('1 Lesson'), 20000);
  await sleep(200);
  for (const [index, step] of lesson.steps.entries()) {
    // Digits answer a question while it is open: start pressing them only once the step runs.
    const started = terminal.next((text) => new RegExp(`[◐✓✗]${index + 1}(?!\\d)`).test(text), 20000);
    if (step.predict) {
      const asking = terminal.next((text) => text.includes('Enter answer'));
      keyboard.press('r');
      await asking;
      // Any answer will do: the budgets are about the screen, not the learner.
      if (step.predict.kind === 'text') keyboard.press('x');
      if (step.predict.kind === 'number') keyboard.press('1');
      await sleep(20);
      keyboard.press('\r');
    } else {
      keyboard.press('r');
    }
    await started;
    const limit = Number(process.env.GB_STEP_MS ?? 120000);
    let timer;
    const tooLong = new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error(`step ${index + 1} did not finish in ${limit / 1000} s; last frame:\n${terminal.last}`)), limit);
    });
    stepPeak = process.memoryUsage().rss;
    const { heapUsed, external, arrayBuffers } = process.memoryUsage();
    stepParts = { heapUsed, external, arrayBuffers };
    await Promise.race([pressWhileRunning(index), tooLong]);
    clearTimeout(timer);
    stepPeaks.push({ step: step.id, peakRssBytes: stepPeak, peakHeapUsedBytes: stepParts.heapUsed, peakExternalBytes: stepParts.external, peakArrayBuffersBytes: stepParts.arrayBuffers });
    if (new RegExp(`✗${index + 1}(?!\\d)`).test(terminal.last)) console.error(`bench:tour: step ${index + 1} (${step.id}) failed; the figures still count`);
    if (index < lesson.steps.length - 1) {
      const moved = terminal.next((text) => text.includes(`Step ${index + 2}/`));
      keyboard.press('n');
      await moved;
    }
  }
  loopDelay.disable();
  // Idle: the lesson open, nothing running, nobody typing.
  await sleep(1000);
  const cpuBefore = process.cpuUsage();
  const wallBefore = performance.now();
  await sleep(5000);
  const cpu = process.cpuUsage(cpuBefore);
  const idleCpuPercent = ((cpu.user + cpu.system) / 1000 / (performance.now() - wallBefore)) * 100;

  // The screen's own cost, with no step competing for the event loop: keys on a resting lesson.
  let profiler;
  if (process.env.GB_PROFILE) {
    const inspector = await import('node:inspector/promises');
    profiler = new inspector.Session();
    profiler.connect();
    await profiler.post('Profiler.enable');
    await profiler.post('Profiler.start');
  }
  const idleLatencies = [];
  // CPU time per key, which the machine's load does not change (wall time it does).
  const idleCpuMs = [];
  for (let i = 0; i < 20; i++) {
    focus = (focus % 4) + 1;
    const marker = `›${focus} `;
    const frame = terminal.next((text) => text.includes(marker));
    const pressed = performance.now();
    const cpuAtPress = process.cpuUsage();
    keyboard.press(String(focus));
    idleLatencies.push((await frame) - pressed);
    const cpuUsed = process.cpuUsage(cpuAtPress);
    idleCpuMs.push((cpuUsed.user + cpuUsed.system) / 1000);
    await sleep(60);
  }
  if (profiler) {
    const { profile } = await profiler.post('Profiler.stop');
    fs.writeFileSync(process.env.GB_PROFILE, JSON.stringify(profile));
  }
  const closed = app.waitUntilExit();
  keyboard.press('q');
  await closed;
  clearInterval(rssTimer);

  const sorted = [...latencies].sort((a, b) => a - b);
  const at = (q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
  const result = {
    lesson: lessonId,
    kernel: session?.mode,
    keyPresses: latencies.length,
    latencyMs: { median: at(0.5), p95: at(0.95), max: sorted.at(-1) },
    idleCpuPercent,
    peakRssBytes: peakRss,
    startRssBytes: startRss,
    peakHeapBytes: peakHeap,
    longestLoopStallMs: loopDelay.max / 1e6,
    stepPeaks,
    restingLatencyMs: { median: [...idleLatencies].sort((a, b) => a - b)[10], max: Math.max(...idleLatencies) },
    restingCpuMsPerKey: [...idleCpuMs].sort((a, b) => a - b)[10],
    loadAverage: os.loadavg()[0],
  };
  if (args.includes('--json')) {
    console.log(JSON.stringify(result, null, 2));
  } else {
    const ok = (good) => (good ? 'ok' : 'OVER');
    const ms = (value) => `${value.toFixed(1)} ms`;
    console.log(`bench:tour  lesson ${lessonId} on the ${result.kernel} kernel, ${lesson.steps.length} steps, ${latencies.length} key presses while steps ran`);
    console.log(`            node flags: ${process.env.GB_TOUR_AS_LEARN || '(none)'}, MALLOC_ARENA_MAX=${process.env.MALLOC_ARENA_MAX ?? '(unset)'}${process.env.GB_TOUR_AS_LEARN === undefined ? '  (--node-defaults: not what glassbox learn runs with)' : '  (as bin/glassbox runs learn)'}`);
    console.log(`  key → frame   median ${ms(result.latencyMs.median)}  p95 ${ms(result.latencyMs.p95)}  max ${ms(result.latencyMs.max)}   target ≤ ${TARGET.latencyMs} ms: ${ok(result.latencyMs.p95 <= TARGET.latencyMs)}`);
    console.log(`  key → frame on a resting lesson (the screen's own cost)   median ${ms(result.restingLatencyMs.median)}  max ${ms(result.restingLatencyMs.max)}, CPU ${ms(result.restingCpuMsPerKey)} per key`);
    console.log(`  idle CPU      ${idleCpuPercent.toFixed(2)} %   target ≤ ${TARGET.idleCpuPercent} %: ${ok(idleCpuPercent <= TARGET.idleCpuPercent)}`);
    console.log(`  peak RSS      ${(peakRss / 1e6).toFixed(1)} MB   target ≤ ${TARGET.rssBytes / 1e6} MB: ${ok(peakRss <= TARGET.rssBytes)}`);
    console.log(`                (${(startRss / 1e6).toFixed(1)} MB before the lesson, JS heap peak ${(peakHeap / 1e6).toFixed(1)} MB)`);
    console.log(`                per step: ${stepPeaks.map((entry) => `${entry.step} ${(entry.peakRssBytes / 1e6).toFixed(0)}`).join(', ')} MB`);
    console.log(`                heap / external / array buffers at each step's peak: ${stepPeaks.map((entry) => `${entry.step} ${[entry.peakHeapUsedBytes, entry.peakExternalBytes, entry.peakArrayBuffersBytes].map((bytes) => (bytes / 1e6).toFixed(0)).join('/')}`).join(', ')} MB`);
    console.log(`  longest event-loop stall while the steps ran: ${ms(result.longestLoopStallMs)}   (load average ${result.loadAverage.toFixed(1)} on ${os.cpus().length} CPUs)`);
  }
} catch (error) {
  console.error(`bench:tour: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
} finally {
  // Whatever failed, the lesson's mounts and processes and the scratch home go.
  clearInterval(rssTimer);
  app.unmount();
  await session?.teardown();
  fs.rmSync(home, { recursive: true, force: true });
}
