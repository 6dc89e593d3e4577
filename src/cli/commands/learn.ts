import { parseArgs } from 'node:util';
import { loadLessons } from '../../lessons/load.js';
import type { Lesson } from '../../lessons/schema.js';
import { pick, type Text } from '../../i18n/lang.js';
import { printTranscript } from '../../tui/transcript.js';
import { renderFactsShort, renderVerdict } from '../../doctor/render.js';
import { describeRequirement, type Verdict } from '../../doctor/verdict.js';
import { GlassboxError } from '../../errors.js';
import { openTourSession } from '../../tour/session.js';
import { learnerName, loadProgress, recordTranscriptStep, saveProgress, startProgress } from '../../tour/progress.js';
import type { LessonProgress, StepResult, TourSession } from '../../tour/types.js';
import { createBackend } from '../backend.js';
import { printJson, printLines, type Io } from '../output.js';
import type { GlobalOptions } from '../run.js';
import { examineMachine } from './doctor.js';

// Alternate screen buffer: the tour takes the whole terminal and gives it back untouched.
const ENTER_ALT_SCREEN = '\x1b[?1049h\x1b[H';
const LEAVE_ALT_SCREEN = '\x1b[?1049l';

/**
Why a lesson runs simulated although the tour could use the real kernel: the doctor found
this machine lacks what the lesson needs (e.g. cgroup v2 pids for the fork bomb).
*/
function simulationReason(verdict: Verdict, lesson: Lesson): Text | undefined {
  const entry = verdict.lessons.find((item) => item.id === lesson.id);
  if (!entry || entry.mode === 'real') return undefined;
  if (entry.missing.length === 0) return verdict.reasons[0];
  const needs = entry.missing.map(describeRequirement);
  return { en: `needs ${needs.map((text) => text.en).join(', ')}`, ko: `필요: ${needs.map((text) => text.ko).join(', ')}` };
}

/** Opens lessons on the backend the flags and the doctor chose, and remembers them for signals. */
function createSessionOpener(options: GlobalOptions, verdict: Verdict) {
  const open = new Set<TourSession>();
  async function openSession(lesson: Lesson): Promise<TourSession> {
    const reason = options.kernel === 'sim' ? undefined : simulationReason(verdict, lesson);
    const choice = options.kernel === 'auto' && reason ? 'sim' : options.kernel;
    const backend = await createBackend(choice, reason ? { reason } : {});
    const session = openTourSession(lesson, {
      kernel: backend.kernel,
      launcher: backend.launcher,
      lang: options.lang,
      ...(backend.reason ? { reason: backend.reason } : {}),
    });
    open.add(session);
    return session;
  }
  async function tearDownAll(): Promise<void> {
    await Promise.allSettled([...open].map((session) => session.teardown()));
  }
  return { openSession, tearDownAll };
}

/**
A terminal closed or a `kill` must still leave no mount, cgroup or process behind: tear down,
then exit with the signal's status. Returns the function that removes the handlers.
*/
function onTerminationSignals(tearDown: () => Promise<void>): () => void {
  const signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
  const handler = (signal: NodeJS.Signals): void => {
    void tearDown().finally(() => process.exit(128 + (signal === 'SIGINT' ? 2 : signal === 'SIGTERM' ? 15 : 1)));
  };
  for (const signal of signals) process.on(signal, handler);
  return () => {
    for (const signal of signals) process.off(signal, handler);
  };
}

export async function runLearn(options: GlobalOptions, rest: string[], io: Io): Promise<number> {
  const { positionals, values } = parseArgs({ args: rest, strict: true, allowPositionals: true, options: { all: { type: 'boolean' } } });
  if (positionals.length > 1) {
    throw new GlassboxError('CLI_USAGE', 'learn takes at most one lesson', { kind: 'user', hint: 'glassbox learn overlayfs' });
  }
  // --all is the transcript of every lesson (a classroom or CI without a terminal), never the player.
  const all = values.all === true;
  if (all && positionals.length > 0) {
    throw new GlassboxError('CLI_USAGE', 'learn --all takes no lesson', { kind: 'user', hint: 'glassbox learn --plain --all, or glassbox learn --plain overlayfs' });
  }
  const lessons = loadLessons();
  const wanted = positionals[0];
  const chosen = wanted === undefined ? -1 : lessons.findIndex((lesson) => lesson.id === wanted || String(lesson.order) === wanted);
  if (wanted !== undefined && chosen === -1) {
    throw new GlassboxError('LESSON_UNKNOWN', `no lesson ${JSON.stringify(wanted)}`, {
      kind: 'user',
      hint: `lessons: ${lessons.map((lesson) => lesson.id).join(', ')}`,
    });
  }
  const { facts, verdict } = await examineMachine(options, lessons);
  const interactive =
    Boolean(io.stdout.isTTY) && process.stdin.isTTY && !options.plain && !options.json && !runningInCi(process.env);
  const opener = createSessionOpener(options, verdict);

  if (all) return runAllTranscripts(lessons, options, io, opener);
  if (!interactive && chosen !== -1) {
    const run = await runTranscript(lessons[chosen]!, options, io, opener);
    if (options.json) printJson(io, run.json);
    return run.code;
  }
  if (!interactive) {
    // No terminal (a pipe, CI, a screen reader) and no lesson: the list as plain text.
    if (options.json) {
      printJson(io, { verdict, lessons: lessons.map(({ id, order, title, summary, requires }) => ({ id, order, title, summary, requires })) });
      return 0;
    }
    const lines = ['glassbox', '', ...renderVerdict(verdict, options.lang), ''];
    for (const lesson of lessons) {
      lines.push(`${lesson.order}. ${pick(lesson.title, options.lang)}`, `   ${pick(lesson.summary, options.lang)}`);
    }
    printLines(io, lines);
    return 0;
  }

  // React's development build checks every element and logs a performance measure per component
  // render (a 20-30 ms frame, growing memory): the tour runs React's production build unless
  // NODE_ENV says otherwise. It must be set before React loads.
  process.env.NODE_ENV ??= 'production';
  // React, Ink and its layout engine (~50 MB) load only for the full screen, not for a transcript.
  const [{ default: React }, { render }, { App }, { TOUR_RENDER_OPTIONS }] = await Promise.all([
    import('react'),
    import('ink'),
    import('../../tui/App.js'),
    import('../../tui/render-options.js'),
  ]);
  // The player saves progress in the background; the last step's save must land before exit.
  const saves = new Set<Promise<unknown>>();
  io.stdout.write(ENTER_ALT_SCREEN);
  const removeSignals = onTerminationSignals(opener.tearDownAll);
  try {
    const app = render(
      React.createElement(App, {
        lang: options.lang,
        lessons,
        verdict,
        machine: renderFactsShort(facts, options.lang),
        initialLesson: Math.max(0, chosen),
        openAtStart: chosen !== -1,
        openSession: opener.openSession,
        loadProgress: (id: string) => loadProgress(id),
        saveProgress: (progress: LessonProgress) => {
          const saved = saveProgress(progress);
          saves.add(saved);
          void saved.finally(() => saves.delete(saved)).catch(() => undefined);
          return saved;
        },
        learner: learnerName(),
      }),
      // Ctrl-C arrives as a key (raw mode): the App tears the lesson down before it exits.
      { ...TOUR_RENDER_OPTIONS, exitOnCtrlC: false },
    );
    await app.waitUntilExit();
  } finally {
    await opener.tearDownAll();
    await Promise.allSettled([...saves]);
    removeSignals();
    io.stdout.write(LEAVE_ALT_SCREEN);
  }
  return 0;
}

interface TranscriptRun {
  code: number;
  json: unknown;
}

/**
`--plain`, a pipe or CI with a lesson: every step as text, then teardown; 1 when a step failed.
Progress is saved after each step as the player saves it, marked as a transcript (no prediction),
unless the learner already has a record of this lesson from the player: their answers are what a
teacher collects, and a transcript run does not replace them.
*/
async function runTranscript(lesson: Lesson, options: GlobalOptions, io: Io, opener: ReturnType<typeof createSessionOpener>): Promise<TranscriptRun> {
  const session = await opener.openSession(lesson);
  const removeSignals = onTerminationSignals(opener.tearDownAll);
  // A transcript runs every step from the first, so it starts a record of its own.
  let progress = startProgress({ lesson: lesson.id, learner: learnerName(), lang: options.lang, kernel: session.mode });
  let saveFailed = false;
  const keepEarlier = await hasPlayerRecord(lesson.id);
  if (keepEarlier) io.stderr.write(`glassbox: progress of ${lesson.id} not saved: it holds your answers from the tour (glassbox learn ${lesson.id}), kept as they are\n`);
  const saveStep = async (index: number, result: StepResult): Promise<void> => {
    if (keepEarlier || !result.outcome || result.error) return;
    const step = lesson.steps[index]!;
    progress = recordTranscriptStep(progress, { index, total: lesson.steps.length, id: step.id, fact: step.predict?.fact }, result.outcome, result.calls);
    try {
      await saveProgress(progress);
    } catch (error) {
      // The lesson goes on (its kernel state is what matters now); the exit status says the file is stale.
      if (!saveFailed) io.stderr.write(`glassbox: progress of ${lesson.id} not saved: ${error instanceof Error ? error.message : String(error)}\n`);
      saveFailed = true;
    }
  };
  try {
    const columns = (io.stdout as { columns?: number }).columns;
    const width = io.stdout.isTTY && columns ? Math.min(columns, 120) : 80;
    const write = options.json ? () => undefined : (text: string) => io.stdout.write(`${text}\n`);
    const { results, failedAt } = await printTranscript(lesson, session, { lang: options.lang, width, write, onStep: saveStep });
    const json = {
      lesson: lesson.id,
      kernel: session.mode,
      ...(session.reason ? { reason: session.reason } : {}),
      failedAt,
      steps: results.map((result, i) => ({ id: lesson.steps[i]!.id, ...result })),
    };
    return { code: failedAt === null && !saveFailed ? 0 : 1, json };
  } finally {
    await opener.tearDownAll();
    removeSignals();
  }
}

/** Whether the saved progress of a lesson has steps the player recorded (an unreadable file counts as none). */
async function hasPlayerRecord(lessonId: string): Promise<boolean> {
  const earlier = await loadProgress(lessonId).catch(() => null);
  return earlier !== null && earlier.steps.some((step) => step.via !== 'transcript');
}

/** `--all`: every lesson in order, each with its own session and progress file; 1 when any failed. */
async function runAllTranscripts(lessons: Lesson[], options: GlobalOptions, io: Io, opener: ReturnType<typeof createSessionOpener>): Promise<number> {
  let code = 0;
  const runs: unknown[] = [];
  for (const [i, lesson] of lessons.entries()) {
    if (i > 0 && !options.json) io.stdout.write('\n');
    const run = await runTranscript(lesson, options, io, opener);
    code = Math.max(code, run.code);
    runs.push(run.json);
  }
  if (options.json) printJson(io, { lessons: runs });
  return code;
}

/**
Ink draws only the last frame when it believes it runs in CI (the CI, CONTINUOUS_INTEGRATION
or CI_* variables), which would leave a blank screen until exit: print the transcript instead.
*/
function runningInCi(env: NodeJS.ProcessEnv): boolean {
  if (env.CI === '0' || env.CI === 'false') return false;
  return 'CI' in env || 'CONTINUOUS_INTEGRATION' in env || Object.keys(env).some((key) => key.startsWith('CI_'));
}
