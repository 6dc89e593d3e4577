import { parseArgs } from 'node:util';
import React from 'react';
import { render } from 'ink';
import { loadLessons } from '../../lessons/load.js';
import { pick } from '../../i18n/lang.js';
import { App } from '../../tui/App.js';
import { renderFactsShort, renderVerdict } from '../../doctor/render.js';
import { GlassboxError } from '../../errors.js';
import { printJson, printLines, type Io } from '../output.js';
import type { GlobalOptions } from '../run.js';
import { examineMachine } from './doctor.js';

// Alternate screen buffer: the tour takes the whole terminal and gives it back untouched.
const ENTER_ALT_SCREEN = '\x1b[?1049h\x1b[H';
const LEAVE_ALT_SCREEN = '\x1b[?1049l';

export async function runLearn(options: GlobalOptions, rest: string[], io: Io): Promise<number> {
  const { positionals } = parseArgs({ args: rest, strict: true, allowPositionals: true, options: {} });
  if (positionals.length > 1) {
    throw new GlassboxError('CLI_USAGE', 'learn takes at most one lesson', { kind: 'user', hint: 'glassbox learn overlayfs' });
  }
  const lessons = loadLessons();
  const wanted = positionals[0];
  if (wanted !== undefined && !lessons.some((lesson) => lesson.id === wanted || String(lesson.order) === wanted)) {
    throw new GlassboxError('LESSON_UNKNOWN', `no lesson ${JSON.stringify(wanted)}`, {
      kind: 'user',
      hint: `lessons: ${lessons.map((lesson) => lesson.id).join(', ')}`,
    });
  }
  const { facts, verdict } = await examineMachine(options, lessons);
  const interactive =
    Boolean(io.stdout.isTTY) && process.stdin.isTTY && !options.plain && !options.json && !runningInCi(process.env);

  if (!interactive) {
    // No terminal (a pipe, CI, a screen reader): the same content as a plain transcript.
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

  const initial = wanted === undefined ? 0 : lessons.findIndex((l) => l.id === wanted || String(l.order) === wanted);
  io.stdout.write(ENTER_ALT_SCREEN);
  const restore = (): void => {
    io.stdout.write(LEAVE_ALT_SCREEN);
  };
  try {
    const app = render(
      React.createElement(App, {
        lang: options.lang,
        lessons,
        verdict,
        machine: renderFactsShort(facts, options.lang),
        initialLesson: Math.max(0, initial),
      }),
      { exitOnCtrlC: true },
    );
    await app.waitUntilExit();
  } finally {
    restore();
  }
  return 0;
}

/**
Ink draws only the last frame when it believes it runs in CI (the CI, CONTINUOUS_INTEGRATION
or CI_* variables), which would leave a blank screen until exit: print the transcript instead.
*/
function runningInCi(env: NodeJS.ProcessEnv): boolean {
  if (env.CI === '0' || env.CI === 'false') return false;
  return 'CI' in env || 'CONTINUOUS_INTEGRATION' in env || Object.keys(env).some((key) => key.startsWith('CI_'));
}
