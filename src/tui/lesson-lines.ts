import { pick, type Lang, type Text } from '../i18n/lang.js';
import type { LessonStep } from '../lessons/schema.js';
import type { CallRecord, PlannedCall, StepOutcome, StepResult } from '../tour/types.js';
import type { PredictionCheck } from './predict.js';
import { S } from './strings.js';
import { wrapWidth } from './text-width.js';
import { line, seg, wrapLine, type ViewLine } from './views/view-line.js';

/** What the lesson pane needs to know about the prediction, besides the step itself. */
export type PredictState =
  | { phase: 'idle' }
  | { phase: 'asking'; cursor: number; typed: string }
  | { phase: 'answered'; answer: string }
  | { phase: 'checked'; check: PredictionCheck };

function paragraph(text: string, width: number, tone?: 'dim' | 'error' | 'warn'): ViewLine[] {
  return wrapWidth(text, width).map((row) => line(seg(row, tone)));
}

/** Pane 1: why, what will happen, the prediction (question, answer, ✓/✗), check your work, try this. */
export function lessonLines(
  step: LessonStep,
  index: number,
  total: number,
  { lang, width, predict, status, error, catchingUp }: {
    lang: Lang;
    width: number;
    predict: PredictState;
    status: 'idle' | 'running' | 'done' | 'failed' | 'recorded';
    error?: StepResult['error'];
    catchingUp?: boolean;
  },
): ViewLine[] {
  const t = (text: Text): string => pick(text, lang);
  const out: ViewLine[] = [];
  out.push(...wrapLine(line(seg(`${t(S.step)} ${index + 1}/${total} · `, 'dim'), seg(t(step.title), 'title')), width));
  // What needs the learner now comes first: a short pane must not hide the question, the
  // verdict or the failure below the explanation they already read.
  if (status === 'idle' && predict.phase === 'idle') out.push(line(seg(t(step.predict ? S.pressRPredict : S.pressR), 'focus')));
  if (status === 'running') out.push(line(seg(catchingUp ? t(S.catchingUp) : t(S.runningStep), 'warn')));
  if (status === 'recorded') out.push(line(seg(t(S.fromLastTime), 'dim')));
  if (error) {
    out.push([], line(seg(`✗ ${t(S.failed)}`, 'error')), ...paragraph(error.message, width, 'error'));
    if (error.hint) out.push(...paragraph(`${t(S.hint)}: ${error.hint}`, width, 'warn'));
  }
  const question: ViewLine[] = step.predict
    ? [[], line(seg(`${t(S.predict)}: `, 'title')), ...paragraph(t(step.predict.question), width), ...predictLines(step, predict, lang, width)]
    : [];
  const ran = status === 'done' || status === 'recorded' || status === 'failed';
  if (predict.phase !== 'idle') out.push(...question);
  if (ran) {
    out.push([], line(seg(t(S.check), 'title')), ...paragraph(t(step.check), width));
    if (step.try) out.push([], line(seg(t(S.tryThis), 'title')), ...paragraph(t(step.try), width));
  }
  out.push([], line(seg(t(S.why), 'title')), ...paragraph(t(step.why), width));
  out.push([], line(seg(t(S.whatHappens), 'title')), ...paragraph(t(step.what), width));
  if (predict.phase === 'idle') out.push(...question);
  return out;
}

function predictLines(step: LessonStep, predict: PredictState, lang: Lang, width: number): ViewLine[] {
  const t = (text: Text): string => pick(text, lang);
  const question = step.predict!;
  const label = (value: string): string => {
    const choice = question.choices?.find((entry) => entry.value === value);
    return choice ? t(choice.label) : value;
  };
  if (predict.phase === 'asking') {
    const out: ViewLine[] = [];
    if (question.kind === 'choice') {
      (question.choices ?? []).forEach((choice, i) => {
        const active = i === predict.cursor;
        out.push(...wrapLine(line(seg(`${active ? '›' : ' '} ${i + 1}. ${t(choice.label)}`, active ? 'focus' : undefined)), width, 5));
      });
      if (predict.typed) out.push(line(seg(`> ${predict.typed}`, 'focus')));
    } else {
      out.push(line(seg(`> ${predict.typed}▏`, 'focus')), line(seg(t(S.typeAnswer), 'dim')));
    }
    return out;
  }
  if (predict.phase === 'answered') return [line(seg(`${t(S.yourAnswer)}: `, 'dim'), label(predict.answer))];
  if (predict.phase === 'checked') {
    const { check } = predict;
    const out: ViewLine[] = [line(seg(`${t(S.yourAnswer)}: `, 'dim'), label(check.answer))];
    if (check.correct === undefined) {
      out.push(...paragraph(t(S.noFact), width, 'warn'));
      return out;
    }
    out.push(line(seg(check.correct ? '✓ ' : '✗ ', check.correct ? 'ok' : 'error'), seg(`${t(S.kernelSays)}: `, 'dim'), seg(label(check.actual ?? ''), check.correct ? 'ok' : 'error')));
    if (!check.correct) out.push(...paragraph(`${t(S.hint)}: ${t(step.hint)}`, width, 'warn'));
    return out;
  }
  return [];
}

/** `mount("overlay", "/x", …)`: a call with its printable arguments. */
export function formatCall(call: { call: string; args: string[] }): string {
  return `${call.call}(${call.args.join(', ')})`;
}

/** Pane 2: the calls the step will make, before it runs, each with who makes it. */
export function plannedLines(calls: PlannedCall[], lang: Lang, width: number): ViewLine[] {
  if (calls.length === 0) return [line(seg(pick(S.noPlan, lang), 'dim'))];
  return calls.flatMap((call, i) => {
    const rows = wrapLine(line(seg(`${String(i + 1).padStart(2)} `, 'dim'), seg(`${call.by.padEnd(6)} `, 'dim'), seg(formatCall(call), 'changed')), width, 10);
    if (call.note) rows.push(...wrapWidth(pick(call.note, lang), width - 10).map((text) => line(' '.repeat(10), seg(text, 'dim'))));
    return rows;
  });
}

/** Whether a call matches the log filter: its name, arguments, result or errno, ignoring case. */
export function matchesFilter(call: CallRecord, filter: string): boolean {
  if (filter === '') return true;
  const needle = filter.toLowerCase();
  return [call.call, ...call.args, call.result ?? '', call.errno ?? '', call.by].some((part) => part.toLowerCase().includes(needle));
}

/** Pane 3: each call as it happened, with its result or errno (red) and its time. */
export function callLogLines(calls: CallRecord[], filter: string, lang: Lang, width: number): ViewLine[] {
  const shown = calls.filter((call) => matchesFilter(call, filter));
  if (calls.length === 0) return [line(seg(pick(S.noCalls, lang), 'dim'))];
  return shown.flatMap((call) => {
    const cached = wrapped.get(call);
    if (cached?.width === width) return cached.lines;
    const lines = wrapCall(call, width);
    wrapped.set(call, { width, lines });
    return lines;
  });
}

// Each call's wrapped lines, kept while the call record lives: the log is drawn on every frame.
const wrapped = new WeakMap<CallRecord, { width: number; lines: ViewLine[] }>();

function wrapCall(call: CallRecord, width: number): ViewLine[] {
  const outcome = call.errno ? { text: `= -1 ${call.errno}`, tone: 'error' as const, keep: true } : { text: `= ${call.result ?? '0'}`, tone: 'ok' as const, keep: true };
  return wrapLine(
    line(seg(`${call.ms.toFixed(1).padStart(7)}ms `, 'dim'), seg(`${call.by.padEnd(6)} `, 'dim'), formatCall(call), ' ', outcome),
    width,
    17,
  );
}

/** The facts a step observed, one per line (`pid1 = 1`). */
export function factLines(facts: StepOutcome['facts']): string[] {
  return Object.entries(facts).map(([name, value]) => `${name} = ${String(value)}`);
}
