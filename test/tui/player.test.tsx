import React from 'react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { App } from '../../src/tui/App.js';
import type { Verdict } from '../../src/doctor/verdict.js';
import type { Lesson } from '../../src/lessons/schema.js';
import { displayWidth } from '../../src/tui/text-width.js';
import { recordStep, startProgress } from '../../src/tour/progress.js';
import type { LessonProgress, TourSession, ViewData } from '../../src/tour/types.js';
import { createFakeSession, fakeLesson, type FakeSession, type FakeSessionOptions } from './fixtures/fake-session.js';
import { frameMatching, renderAt, tick } from './fixtures/render-at.js';
import { allViews, cgroups, namespaces } from './fixtures/views.js';

const verdict = (lessons: Lesson[]): Verdict => ({
  mode: 'real',
  reasons: [],
  lessons: lessons.map((lesson) => ({ id: lesson.id, title: lesson.title, mode: 'real', missing: [] })),
});

const mounted: Array<() => void> = [];
afterEach(() => {
  for (const unmount of mounted.splice(0)) unmount();
});

interface Open {
  session?: FakeSession;
  sessionOptions?: FakeSessionOptions;
  lang?: 'en' | 'ko';
  columns?: number;
  rows?: number;
  progress?: LessonProgress | null;
  lesson?: Lesson;
  /** Saves wait until the test lets them finish. */
  slowSave?: { release: () => void };
}

/** The App opened straight on the lesson (`glassbox learn LESSON`), with a fake session. */
async function openPlayer({ session = createFakeSession(), sessionOptions, lang = 'en', columns = 100, rows = 30, progress = null, lesson = fakeLesson, slowSave }: Open = {}) {
  const used = sessionOptions ? createFakeSession(sessionOptions) : session;
  const onQuit = vi.fn();
  const saved: LessonProgress[] = [];
  const screen = renderAt(
    <App
      lang={lang}
      lessons={[lesson]}
      verdict={verdict([lesson])}
      machine={[]}
      openAtStart
      openSession={() => used}
      loadProgress={async () => progress}
      saveProgress={async (p) => {
        if (slowSave) await new Promise<void>((resolve) => (slowSave.release = resolve));
        saved.push(p);
      }}
      learner="seat-07"
      onQuit={onQuit}
    />,
    columns,
    rows,
  );
  mounted.push(screen.unmount);
  await frameMatching(screen.lastFrame, /1 (Lesson|수업)/);
  // The player subscribes to keys in an effect after its first frame (slow on a busy machine):
  // move the focus away and back until a key lands.
  const deadline = Date.now() + 5000;
  while (!screen.lastFrame().includes('›2 ') && Date.now() < deadline) {
    screen.stdin.write('2');
    await tick();
  }
  screen.stdin.write('1');
  await frameMatching(screen.lastFrame, /›1 /);
  const press = async (...keys: string[]): Promise<string> => {
    for (const key of keys) {
      screen.stdin.write(key);
      await tick();
    }
    if (keys.length === 0) await tick();
    if (process.env.GB_DEBUG) console.log(screen.lastFrame());
    return screen.lastFrame();
  };
  return { ...screen, session: used, onQuit, saved, press };
}

const RIGHT = '\x1b[C';
const LEFT = '\x1b[D';
const DOWN = '\x1b[B';
const UP = '\x1b[A';
const TAB = '\t';
const ESC = '\x1b';
const ENTER = '\r';
const CTRL_C = '\x03';

function expectFits(frame: string, columns: number, rows: number): void {
  const lines = frame.split('\n');
  // One row short of the terminal: a full-height frame makes Ink clear the screen each time.
  expect(lines.length).toBeLessThanOrEqual(rows - 1);
  for (const line of lines) expect(displayWidth(line), line).toBeLessThanOrEqual(columns);
}

describe('the lesson player', () => {
  it('shows the four numbered panes, the step strip, the badge with the simulation reason, and the keys', async () => {
    const { lastFrame } = await openPlayer();
    const frame = lastFrame();
    for (const title of ['›1 Lesson', ' 2 Planned calls', ' 3 Call log', ' 4 Kernel state']) expect(frame).toContain(title);
    expect(frame).toContain('·1 ·2 ·3');
    expect(frame).toContain('SIMULATED KERNEL');
    expect(frame).toContain('you are not root (uid 1000)');
    expect(frame).toContain('Step 1/3 · Look at the host');
    expect(frame).toContain('readlink(/proc/self/ns/pid)');
    expect(frame).toContain('press r to run this step');
    expect(frame).toContain('n/→ next');
  });

  it('REAL sessions show the REAL badge and no reason', async () => {
    const { lastFrame } = await openPlayer({ sessionOptions: { mode: 'REAL' } });
    expect(lastFrame()).toContain('REAL KERNEL');
    expect(lastFrame()).not.toContain('not root');
  });

  it('n/→ and p/← move between steps (not past either end); Tab and 1-4 move the focus', async () => {
    const { press } = await openPlayer();
    expect(await press('n')).toContain('Step 2/3');
    expect(await press(RIGHT)).toContain('Step 3/3');
    expect(await press('n')).toContain('Step 3/3');
    expect(await press(LEFT)).toContain('Step 2/3');
    expect(await press('p', 'p')).toContain('Step 1/3');
    expect(await press(TAB)).toContain('›2 Planned calls');
    expect(await press(TAB, TAB)).toContain('›4 Kernel state');
    expect(await press(TAB)).toContain('›1 Lesson');
    const three = await press('3');
    expect(three).toContain('›3 Call log');
    expect(three).toContain(' 1 Lesson');
  });

  it('r runs a step: the call log gets the call with its result, the state view the kernel state, the strip a ✓', async () => {
    const { press, session, saved } = await openPlayer();
    const frame = await press('r');
    expect(session.ran).toEqual([0]);
    expect(frame).toContain('✓1 ·2 ·3');
    expect(frame).toMatch(/0\.4ms node +readlink\(\/proc\/self\/ns\/pid\) = 0/);
    expect(frame).toContain('escaped: true');
    expect(frame).toContain('Check your work');
    expect(saved).toHaveLength(1);
    expect(saved[0]).toMatchObject({ lesson: 'fake-namespaces', learner: 'seat-07', kernel: 'SIMULATED', current: 1, finished: false });
  });

  it('predict → run → check with a choice: ↑/↓ and Enter, then ✓ against the kernel fact', async () => {
    const { press, session, saved } = await openPlayer();
    const asking = await press('n', 'r');
    expect(session.ran).toEqual([]);
    expect(asking).toContain('What PID does the probe see for');
    expect(asking).toContain('› 1. PID 1');
    expect(asking).toContain('↑↓ choose  Enter answer');
    expect(await press(DOWN)).toContain('› 2. its host PID');
    expect(await press(UP)).toContain('› 1. PID 1');
    const checked = await press(ENTER);
    // The earlier step runs first (the container needs it), then this one.
    expect(session.ran).toEqual([0, 1]);
    expect(checked).toContain('your answer: PID 1');
    expect(checked).toContain('✓ the kernel shows: PID 1');
    expect(checked).not.toContain('Hint');
    expect(checked).toContain('≠ differs');
    expect(saved.at(-1)!.steps.find((step) => step.id === 'clone')).toMatchObject({ prediction: '1', actual: '1', correct: true });
  });

  it('a wrong answer shows ✗, what the kernel showed, and the hint; a typed number answers too', async () => {
    const { press, saved } = await openPlayer();
    await press('n', 'r', '2');
    const wrong = await press(ENTER);
    expect(wrong).toContain('✗ the kernel shows: PID 1');
    expect(wrong).toContain('Hint: A new PID namespace');
    await press('n', 'r');
    // A number question takes digits only: letters are ignored, Backspace edits.
    await press('3', 'x', '3', '\x7f', '2');
    expect(await press()).toContain('> 32');
    const right = await press(ENTER);
    expect(right).toContain('✓ the kernel shows: 32');
    expect(saved.at(-1)).toMatchObject({ current: 2, finished: true });
    expect(saved.at(-1)!.steps.map((step) => step.correct)).toEqual([undefined, false, true]);
  });

  it('takes an answer typed faster than a frame or pasted in one chunk, Enter included', async () => {
    const { press, stdin, lastFrame, session } = await openPlayer();
    await press('n', 'n', 'r');
    // Two keys before any frame, then the rest and Enter as one chunk (a paste, or tmux send-keys).
    stdin.write('3');
    stdin.write('x');
    stdin.write('2\r');
    const done = await frameMatching(lastFrame, /✓3/);
    expect(session.ran).toEqual([0, 1, 2]);
    expect(done).toContain('your answer: 32');
    expect(done).toContain('✓ the kernel shows: 32');
  });

  it('a chunk of keys (a paste, tmux send-keys) acts key by key: `nr` runs the next step', async () => {
    const { stdin, lastFrame, session } = await openPlayer();
    stdin.write('nr');
    await frameMatching(lastFrame, /Enter answer/);
    stdin.write('1\r');
    await frameMatching(lastFrame, /✓2/);
    expect(session.ran).toEqual([0, 1]);
    expect(lastFrame()).toContain('Step 2/3');
  });

  it('takes r and n the moment a step shows ✓, while its progress is still being saved', async () => {
    const slowSave = { release: () => undefined };
    const { press, saved } = await openPlayer({ slowSave });
    await press('r');
    expect(await press('n', 'r')).toContain('Enter answer');
    expect(saved).toHaveLength(0);
    slowSave.release();
    await tick();
    expect(saved).toHaveLength(1);
  });

  it('plans again once a step ran, and says why when a plan cannot be made', async () => {
    const session = createFakeSession();
    session.plan = (step) => {
      if (step === 2) throw new Error('no container yet: run the steps before');
      return [{ call: 'readlink', args: [`/proc/${session.ran.length > 0 ? 4242 : '<pid>'}/ns/pid`], by: 'node' }];
    };
    const { press } = await openPlayer({ session });
    expect(await press()).toContain('readlink(/proc/<pid>/ns/pid)');
    expect(await press('r')).toContain('readlink(/proc/4242/ns/pid)');
    expect(await press('n', 'n')).toContain('no container yet: run the');
  });

  it('Esc cancels a question without running anything', async () => {
    const { press, session } = await openPlayer();
    await press('n', 'r');
    const cancelled = await press(ESC);
    expect(cancelled).not.toContain('› 1. PID 1');
    expect(cancelled).toContain('press r to answer, then run');
    expect(session.ran).toEqual([]);
  });

  it('a failing step shows its errno in the log, the message and hint in the lesson, ✗ in the strip, and saves nothing', async () => {
    const { press, saved } = await openPlayer({ sessionOptions: { failing: [0] } });
    const frame = await press('r');
    expect(frame).toContain('✗1 ·2 ·3');
    expect(frame).toContain('readlink(/proc/self/ns/pid)');
    // The errno stays whole when the line wraps.
    expect(frame).toContain('= -1 EPERM');
    expect(frame).toContain('✗ the step failed');
    expect(frame).toContain('readlink failed: EPERM');
    expect(frame).toContain('Hint: run as root');
    expect(saved).toHaveLength(0);
  });

  it('/ filters the call log; Esc clears the filter', async () => {
    const { press } = await openPlayer();
    await press('r');
    const filtered = await press('/', 'c', 'l', 'o', 'n', 'e');
    expect(filtered).toContain('/clone');
    expect(filtered).toContain('›3 Call log');
    expect(filtered).not.toMatch(/readlink\(\/proc\/self\/ns\/pid\) = 0/);
    const kept = await press(ENTER);
    expect(kept).toContain('/clone');
    expect(kept).toContain('n/→ next');
    const back = await press('/', ESC);
    expect(back).not.toContain('/clone');
    expect(back).toMatch(/readlink\(\/proc\/self\/ns\/pid\) = 0/);
  });

  it('↑/↓ scroll the focused pane, and only it', async () => {
    const { press } = await openPlayer({ columns: 80, rows: 24 });
    await press('n', 'r', ENTER, '4');
    const top = await press();
    expect(top).toContain('namespace');
    const down = await press(DOWN, DOWN, DOWN);
    expect(down).not.toMatch(/namespace +host +container/);
    expect(down).toContain('↑');
    expect(down).toContain('Step 2/3');
    expect(await press(UP, UP, UP)).toMatch(/namespace +host +container/);
  });

  it('keys answer while a step runs, and live updates from the step reach the state view', async () => {
    const { press, session, lastFrame } = await openPlayer({ sessionOptions: { manual: true } });
    await press('n', 'n', 'r', '3', ENTER);
    expect(lastFrame()).toContain('◐1');
    session.release();
    await frameMatching(lastFrame, /◐2/);
    session.release();
    await frameMatching(lastFrame, /◐3/);
    const live: ViewData = { ...cgroups, usage: { memoryBytes: [1_000_000], throttledUsec: [0], pids: [5] }, oomKills: 0, exitStatus: null };
    session.push({ view: live });
    // Live updates are drawn in batches (every 50 ms), not one render per call.
    const running = await frameMatching(lastFrame, /5 \/ 32/);
    expect(running).toContain('5 / 32');
    expect(running).toContain('exit status: running');
    expect(running).toContain('running…');
    expect(await press('2')).toContain('›2 Planned calls');
    session.release();
    const done = await frameMatching(lastFrame, /✓3/);
    expect(done).toContain('32 / 32');
  });

  it('q tears the lesson down before it quits', async () => {
    let release: () => void = () => undefined;
    const session = createFakeSession();
    session.teardown = vi.fn(() => new Promise<void>((resolve) => (release = resolve)));
    const { press, onQuit, lastFrame } = await openPlayer({ session });
    await press('r', 'q');
    expect(session.teardown).toHaveBeenCalledTimes(1);
    expect(lastFrame()).toContain('removing what the lesson created');
    expect(onQuit).not.toHaveBeenCalled();
    release();
    await tick();
    expect(onQuit).toHaveBeenCalledTimes(1);
  });

  it('Ctrl-C tears down and quits too; Esc goes back to the list and tears that lesson down', async () => {
    const first = await openPlayer();
    await first.press(CTRL_C);
    expect(first.session.teardowns).toBe(1);
    expect(first.onQuit).toHaveBeenCalledTimes(1);
    const second = await openPlayer();
    const list = await second.press(ESC);
    expect(second.session.teardowns).toBe(1);
    expect(list).toContain('Lessons');
    expect(second.onQuit).not.toHaveBeenCalled();
    await second.press('q');
    // Quitting waits for the teardown already started, and does not run it again.
    expect(second.session.teardowns).toBe(1);
    expect(second.onQuit).toHaveBeenCalledTimes(1);
  });

  it('? opens help over the player and keeps its state', async () => {
    const { press } = await openPlayer();
    await press('n');
    const help = await press('?');
    expect(help).toContain('Help');
    expect(help).toContain('r           run the step');
    expect(help).toContain('↑/↓ or k/j  move in the list, or scroll the focused pane');
    const back = await press('?');
    expect(back).toContain('Step 2/3');
  });

  it('resumes at the saved step, showing what earlier steps recorded', async () => {
    const progress = recordStep(
      startProgress({ lesson: fakeLesson.id, learner: 'seat-07', lang: 'en', kernel: 'SIMULATED' }),
      { index: 0, total: 3, id: 'look', facts: { hostPid: 1 }, view: namespaces, calls: [{ by: 'node', call: 'readlink', args: ['/proc/self/ns/pid'], result: 'pid:[4026531836]', ms: 0.1 }] },
    );
    const { press, session } = await openPlayer({ progress });
    const frame = await press();
    expect(frame).toContain('Step 2/3');
    expect(frame).toContain('✓1 ·2 ·3');
    const earlier = await press('p');
    expect(earlier).toContain('recorded last time');
    expect(earlier).toContain('= pid:[4026531836]');
    // Running the resumed step runs the recorded one again first: the kernel state is gone.
    await press('n', 'r', ENTER);
    expect(session.ran).toEqual([0, 1]);
  });

  it('a lesson whose session fails to open says why and goes back with Esc', async () => {
    const onQuit = vi.fn();
    const screen = renderAt(
      <App lang="en" lessons={[fakeLesson]} verdict={verdict([fakeLesson])} machine={[]} openAtStart onQuit={onQuit}
        openSession={() => Promise.reject(new Error('the real kernel cannot be used: not root'))} />,
      100,
      30,
    );
    mounted.push(screen.unmount);
    expect(await frameMatching(screen.lastFrame, /cannot be used/)).toContain('Esc back');
    screen.stdin.write(ESC);
    await tick();
    expect(screen.lastFrame()).toContain('Enter open');
  });
});

describe('every state view in the player, both languages, 80x24 and 160x50', () => {
  const sizes = [
    [80, 24],
    [160, 50],
  ] as const;
  for (const view of allViews) {
    for (const lang of ['en', 'ko'] as const) {
      for (const [columns, rows] of sizes) {
        it(`${view.kind} ${lang} ${columns}x${rows}`, async () => {
          const lesson: Lesson = { ...fakeLesson, steps: [{ ...fakeLesson.steps[0]!, view: view.kind }] };
          const session: TourSession = {
            ...createFakeSession(),
            run: async () => ({ outcome: { view, facts: {} }, calls: [], ms: 1 }),
          };
          const { press } = await openPlayer({ session: session as FakeSession, lesson, lang, columns, rows });
          const frame = await press('r', '4');
          expectFits(frame, columns, rows);
          expect(frame).toContain(lang === 'en' ? '›4 Kernel state' : '›4 커널 상태');
          expect(frame).toContain(lang === 'en' ? 'SIMULATED KERNEL' : '시뮬레이션 커널');
          const marker = { layers: 'sha256:1f2e3d4c5b6a', overlay: '/etc/motd', namespaces: '4026532459', mounts: '/proc', cgroups: 'hybrid', compare: lang === 'en' ? 'recorded on' : '기록된 곳', text: 'chroot' }[view.kind];
          expect(frame).toContain(marker);
          // Bordered rows all end at the same column: Korean wide characters are measured, not counted.
          const boxRows = frame.split('\n').filter((line) => line.startsWith('│') || line.startsWith('╭'));
          expect(new Set(boxRows.map((line) => displayWidth(line))).size).toBe(1);
        });
      }
    }
  }
});
