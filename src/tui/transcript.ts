import { pick, type Lang, type Text } from '../i18n/lang.js';
import type { Lesson } from '../lessons/schema.js';
import type { CallRecord, StepResult, TourSession } from '../tour/types.js';
import { callLogLines, factLines, plannedLines } from './lesson-lines.js';
import { S } from './strings.js';
import { wrapWidth } from './text-width.js';
import { renderViewText } from './views/state-view.js';
import { linesText } from './views/view-line.js';

export interface TranscriptOptions {
  lang: Lang;
  /** Columns to wrap prose at; tables are laid out for it too. */
  width?: number;
  write: (line: string) => void;
  /** Told after each step ran (awaited before the next: `learn --plain` saves progress here). */
  onStep?: (index: number, result: StepResult) => Promise<void> | void;
}

export interface TranscriptResult {
  results: StepResult[];
  /** Index of the step that failed; the steps after it were not run (they build on it). */
  failedAt: number | null;
}

const T = {
  kernel: { en: 'kernel', ko: '커널' },
  skipped: { en: 'the remaining steps were not run: they build on this one', ko: '나머지 단계는 이 단계에 기대므로 실행하지 않았습니다' },
  answer: { en: 'answer (what the kernel showed)', ko: '답(커널이 보여 준 값)' },
  noAnswer: { en: 'the step did not report it', ko: '단계가 알려 주지 않았습니다' },
  tornDown: { en: 'everything the lesson created was removed', ko: '수업이 만든 것을 모두 정리했습니다' },
} satisfies Record<string, Text>;

/**
The lesson as plain text (`--plain`, no TTY, CI, screen readers): every step in order with
its why, planned calls, the calls as they ran, the state view, the facts and the prediction's
answer; then the teardown, always.
*/
export async function printTranscript(lesson: Lesson, session: TourSession, { lang, width = 80, write, onStep }: TranscriptOptions): Promise<TranscriptResult> {
  const t = (text: Text): string => pick(text, lang);
  const prose = (text: string, indent = '  '): void => {
    for (const row of wrapWidth(text, width - indent.length)) write(`${indent}${row}`.trimEnd());
  };
  const block = (rows: string[], indent = '  '): void => {
    for (const row of rows) write(`${indent}${row}`.trimEnd());
  };
  const inner = width - 2;
  // Calls stay one per line (grep, screen readers); the terminal may wrap them, we do not.
  const unwrapped = Number.MAX_SAFE_INTEGER;
  const results: StepResult[] = [];
  let failedAt: number | null = null;
  write(`${t(lesson.title)}`);
  prose(t(lesson.summary), '');
  write(`${t(T.kernel)}: ${session.mode}${session.reason ? ` (${t(session.reason)})` : ''}`);
  try {
    for (const [index, step] of lesson.steps.entries()) {
      write('');
      write(`== ${t(S.step)} ${index + 1}/${lesson.steps.length}: ${t(step.title)} ==`);
      write(`${t(S.why)}:`);
      prose(t(step.why));
      write(`${t(S.whatHappens)}:`);
      prose(t(step.what));
      write(`${t(S.panePlanned)}:`);
      try {
        block(linesText(plannedLines(session.plan(index), lang, unwrapped)));
      } catch (error) {
        block([error instanceof Error ? error.message : String(error)]);
      }
      if (step.predict) {
        write(`${t(S.predict)}:`);
        prose(t(step.predict.question));
        step.predict.choices?.forEach((choice, i) => write(`  ${i + 1}. ${t(choice.label)}`));
      }
      // Only the calls: a live view sends a whole new view per sample, and a transcript prints the last.
      const live: CallRecord[] = [];
      const result = await session.run(index, (update) => {
        if (update.call) live.push(update.call);
      });
      results.push(result);
      await onStep?.(index, result);
      const calls = result.calls.length > 0 ? result.calls : live;
      write(`${t(S.paneLog)}:`);
      block(linesText(callLogLines(calls, '', lang, unwrapped)));
      if (result.error || !result.outcome) {
        write(`✗ ${t(S.failed)}: ${result.error?.message ?? result.error?.code ?? 'no outcome'}`);
        if (result.error?.hint) write(`  ${t(S.hint)}: ${result.error.hint}`);
        write(`  ${t(T.skipped)}`);
        failedAt = index;
        break;
      }
      write(`${t(S.paneState)}:`);
      block(renderViewText(result.outcome.view, { lang, width: inner }));
      write(`${t(S.facts)}:`);
      block(factLines(result.outcome.facts));
      if (step.predict) {
        const fact = result.outcome.facts[step.predict.fact];
        const label = step.predict.choices?.find((choice) => choice.value === String(fact))?.label;
        write(`${t(T.answer)}: ${fact === undefined ? t(T.noAnswer) : label ? `${t(label)} (${String(fact)})` : String(fact)}`);
      }
      write(`${t(S.check)}:`);
      prose(t(step.check));
      if (step.try) {
        write(`${t(S.tryThis)}:`);
        prose(t(step.try));
      }
    }
  } finally {
    await session.teardown();
  }
  write('');
  write(t(T.tornDown));
  return { results, failedAt };
}
