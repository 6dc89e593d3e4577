/**
The tour in a real terminal (tmux): what a person sees, keys typed one at a time, a
resize, and a clean exit. tmux runs on its own socket and is killed at the end.
*/
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Lesson } from '../../src/lessons/schema.js';
import { snapshotHostState } from '../helpers/host-state.js';

const root = path.resolve(import.meta.dirname, '..', '..');
const hasTmux = spawnSync('tmux', ['-V']).status === 0;
// A fresh socket per session: `kill-server` returns before the old server has gone, and a
// new client meeting it on the same socket fails with "server exited unexpectedly".
// Sockets live in a private TMUX_TMPDIR, removed at the end (tmux leaves the socket file behind).
const tmuxDir = fs.mkdtempSync(path.join(os.tmpdir(), 'glassbox-tmux-'));
const tmuxEnv = { ...process.env, TMUX_TMPDIR: tmuxDir };
const sockets: string[] = [];
afterAll(() => fs.rmSync(tmuxDir, { recursive: true, force: true }));
let socket = '';
function newSocket(): void {
  if (socket) spawnSync('tmux', ['-L', socket, 'kill-server'], { env: tmuxEnv });
  socket = `glassbox-test-${process.pid}-${sockets.length}`;
  sockets.push(socket);
}

function tmux(...args: string[]): string {
  return execFileSync('tmux', ['-L', socket, ...args], { encoding: 'utf8', env: tmuxEnv });
}

/** The visible screen, or with `history` the lines scrolled off above it too. */
function screen(history = false): string {
  return tmux('capture-pane', '-p', '-t', 'tour', ...(history ? ['-S', '-500'] : []));
}

async function waitFor(pattern: RegExp, ms = 15_000): Promise<string> {
  const deadline = Date.now() + ms;
  let last = '';
  while (Date.now() < deadline) {
    last = screen();
    if (pattern.test(last)) return last;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`timed out waiting for ${pattern} on screen:\n${last}`);
}

function display(text: string): number {
  // Hangul and CJK take two columns in a terminal.
  return [...text].reduce((sum, ch) => sum + (/[\u1100-\u11ff\u3000-\u9fff\uac00-\ud7af]/.test(ch) ? 2 : 1), 0);
}

// tmux comes with scripts/install-system-deps.sh; where the real tests are required, its absence fails.
if (!hasTmux && process.env.GLASSBOX_REQUIRE_REAL === '1') {
  it('runs the tour in tmux', () => {
    throw new Error('GLASSBOX_REQUIRE_REAL=1 but tmux is not installed (apt-get install tmux)');
  });
}

describe.runIf(hasTmux)('the tour in a real terminal', () => {
  beforeAll(() => {
    if (!fs.existsSync(path.join(root, 'dist', 'cli', 'main.js'))) throw new Error('dist/ is missing: run npm run build first');
  });
  afterAll(() => {
    for (const name of sockets) spawnSync('tmux', ['-L', name, 'kill-server'], { env: tmuxEnv });
  });

  function start(lang: string): void {
    newSocket();
    tmux(
      'new-session', '-d', '-s', 'tour', '-x', '100', '-y', '30',
      // CI=true (as .ci/run has it) makes the tour print a transcript: a person's terminal has no CI.
      `env -u CI -u CONTINUOUS_INTEGRATION ${path.join(root, 'bin', 'glassbox')} learn --kernel sim --lang ${lang}; echo "exit=$?"; sleep 60`,
    );
  }

  it('shows the badge and lessons, opens help, survives a resize and quits cleanly', async () => {
    start('en');
    const first = await waitFor(/SIMULATED KERNEL/);
    expect(first).toContain('Container vs VM');
    expect(first).toMatch(/q quit/);
    tmux('send-keys', '-t', 'tour', '?');
    await waitFor(/Help/);
    tmux('send-keys', '-t', 'tour', 'Escape');
    await waitFor(/Lessons/);
    tmux('resize-window', '-t', 'tour', '-x', '70', '-y', '20');
    const small = await waitFor(/SIMULATED KERNEL/);
    for (const line of small.split('\n')) expect(display(line)).toBeLessThanOrEqual(70);
    tmux('send-keys', '-t', 'tour', 'q');
    const after = await waitFor(/exit=0/);
    // The alternate screen is gone: the shell's screen is back, without the tour on it.
    expect(after).not.toContain('SIMULATED KERNEL');
  });

  it('prints the transcript instead of a blank screen when CI is set', async () => {
    newSocket();
    tmux('new-session', '-d', '-s', 'tour', '-x', '100', '-y', '30',
      `env CI=true ${path.join(root, 'bin', 'glassbox')} learn --kernel sim --lang en; echo "exit=$?"; sleep 60`);
    await waitFor(/exit=0/);
    const screenText = screen(true);
    expect(screenText).toMatch(/The tour runs on the SIMULATED kernel/);
    expect(screenText).toMatch(/10\. Networking/);
  });

  it('draws Korean aligned: every box line has the same width', async () => {
    start('ko');
    const frame = await waitFor(/시뮬레이션 커널/);
    expect(frame).toContain('컨테이너와 가상 머신');
    const boxLines = frame.split('\n').filter((line) => /^[│╭╰]/.test(line));
    expect(boxLines.length).toBeGreaterThan(5);
    const widths = new Set(boxLines.map((line) => display(line.trimEnd())));
    expect([...widths]).toHaveLength(1);
    // The lesson screen too: four panes of Korean prose and a state view, then a smaller window.
    const aligned = (screenText: string, columns: number): void => {
      const rows = screenText.split('\n').filter((line) => /^[│╭╰]/.test(line));
      expect(rows.length).toBeGreaterThan(8);
      for (const row of rows) expect(display(row.trimEnd()), row).toBe(columns);
    };
    tmux('send-keys', '-t', 'tour', 'Enter');
    await waitFor(/1 수업/);
    tmux('send-keys', '-t', 'tour', 'r');
    const ran = await waitFor(/✓1/, 30_000);
    expect(ran).toContain('4 커널 상태');
    aligned(ran, 100);
    tmux('resize-window', '-t', 'tour', '-x', '80', '-y', '24');
    await waitFor(/│ {2}2 예정된 호출 {10}/);
    // Drawn again after the resize: compare once the screen stops changing.
    let settled = screen();
    for (let i = 0; i < 20; i++) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      const again = screen();
      if (again === settled) break;
      settled = again;
    }
    aligned(settled, 80);
    tmux('send-keys', '-t', 'tour', 'q');
    await waitFor(/exit=0/);
  });
});

/**
A whole lesson on the real kernel, key by key, as a learner sees it: the namespaces lesson,
each question answered, PID 1 inside and the differing inodes on screen, then q. Nothing of
what the lesson made (mounts, cgroups, the container's processes) may outlive it.
*/
const isRoot = process.getuid?.() === 0;
const nativeBuilt = fs.existsSync(path.join(root, 'native', 'bin', 'gbx-run'));
const namespacesLesson = JSON.parse(fs.readFileSync(path.join(root, 'lessons', '06-namespaces.json'), 'utf8')) as Lesson;
const realReady = hasTmux && isRoot && process.platform === 'linux';

if (!realReady && process.env.GLASSBOX_REQUIRE_REAL === '1') {
  it('runs a whole lesson on the real kernel in tmux', () => {
    throw new Error(`GLASSBOX_REQUIRE_REAL=1 but the real-kernel tour test cannot run: ${hasTmux ? 'not root' : 'no tmux'}`);
  });
}

describe.runIf(realReady && namespacesLesson.steps.length > 0)('a whole lesson on the real kernel in a real terminal', () => {
  const socketReal = `glassbox-real-${process.pid}`;
  let home = '';
  const tmuxReal = (...args: string[]): string => execFileSync('tmux', ['-L', socketReal, ...args], { encoding: 'utf8', env: tmuxEnv });
  const screenReal = (): string => tmuxReal('capture-pane', '-p', '-t', 'tour');
  async function waitReal(pattern: RegExp, ms = 30_000): Promise<string> {
    const deadline = Date.now() + ms;
    let last = '';
    while (Date.now() < deadline) {
      last = screenReal();
      if (pattern.test(last)) return last;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(`timed out waiting for ${pattern} on screen:\n${last}`);
  }
  const leftovers = (): string[] => {
    const state = snapshotHostState(process.env.GLASSBOX_TEST_RUN ?? '');
    return [
      ...[...state.mounts],
      ...[...state.cgroups],
      // The shell and tmux around the tour are ours until afterAll; glassbox's own must be gone.
      ...[...state.processes.values()].filter((cmdline) => /gbx-|dist\/cli\/main\.js/.test(cmdline)),
    ];
  };

  afterAll(() => {
    spawnSync('tmux', ['-L', socketReal, 'kill-server'], { env: tmuxEnv });
    if (home) fs.rmSync(home, { recursive: true, force: true });
  });

  it('runs the namespaces lesson step by step, shows PID 1 and the differing inodes, and q leaves nothing behind', async () => {
    expect(nativeBuilt, 'the native helpers are missing: run npm run build').toBe(true);
    home = fs.mkdtempSync(path.join(os.tmpdir(), 'glassbox-tmux-home-'));
    const before = new Set(leftovers());
    tmuxReal(
      'new-session', '-d', '-s', 'tour', '-x', '160', '-y', '50',
      `env -u CI -u CONTINUOUS_INTEGRATION GLASSBOX_HOME=${home} ${path.join(root, 'bin', 'glassbox')} learn namespaces --kernel real --lang en; echo "exit=$?"; sleep 120`,
    );
    await waitReal(/REAL KERNEL[\s\S]*Step 1\/\d/);
    const total = namespacesLesson.steps.length;
    for (const [index, step] of namespacesLesson.steps.entries()) {
      await waitReal(new RegExp(`Step ${index + 1}/${total}`));
      tmuxReal('send-keys', '-t', 'tour', 'r');
      if (step.predict) {
        await waitReal(/Enter answer/);
        // Answer as a learner would: the number the lesson teaches for PID, a first choice otherwise.
        if (step.predict.kind === 'number') tmuxReal('send-keys', '-t', 'tour', step.predict.fact === 'pid1' ? '1' : '2');
        if (step.predict.kind === 'text') tmuxReal('send-keys', '-t', 'tour', 'x');
        tmuxReal('send-keys', '-t', 'tour', 'Enter');
      }
      const done = await waitReal(new RegExp(`[✓✗]${index + 1}(?!\\d)`));
      expect(done, `step ${index + 1} (${step.id}) failed:\n${done}`).not.toMatch(new RegExp(`✗${index + 1}(?!\\d)`));
      if (step.id === 'pid') {
        // The kernel's own answer, read back: PID 1 inside, a new pid namespace inode.
        expect(done).toContain('✓ the kernel shows: 1');
        expect(done).toMatch(/│\s+1 {2}gbx-probe/);
        expect(done).toMatch(/pid +(\d+) +(?!\1)\d+ +≠ differs/);
        expect(done).toMatch(/mnt +(\d+) +(?!\1)\d+ +≠ differs/);
        expect(done).toMatch(/net +(\d+) +\1 += same/);
      }
      if (index < total - 1) tmuxReal('send-keys', '-t', 'tour', 'n');
    }
    tmuxReal('send-keys', '-t', 'tour', 'q');
    const after = await waitReal(/exit=0/);
    expect(after).not.toContain('REAL KERNEL');
    const left = leftovers().filter((entry) => !before.has(entry));
    expect(left).toEqual([]);
    const progress = JSON.parse(fs.readFileSync(path.join(home, 'progress', 'namespaces.json'), 'utf8')) as { kernel: string; finished: boolean; steps: unknown[] };
    expect(progress).toMatchObject({ kernel: 'REAL', finished: true });
    expect(progress.steps).toHaveLength(total);
  }, 180_000);
});
