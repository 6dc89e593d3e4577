import React, { useMemo, useRef, useState } from 'react';
import { Box, Text, type Key } from 'ink';
import { useLatestInput } from './use-latest-input.js';
import { pick, type Lang, type Text as I18nText } from '../i18n/lang.js';
import type { Lesson } from '../lessons/schema.js';
import type { LessonProgress, TourSession } from '../tour/types.js';
import { KeyBar } from './KeyBar.js';
import { callLogLines, lessonLines, plannedLines } from './lesson-lines.js';
import { Pane, clampScroll, paneCapacity } from './Pane.js';
import { acceptsAnswer } from './predict.js';
import { StepStrip } from './StepStrip.js';
import { S } from './strings.js';
import { useStepRunner } from './use-step-runner.js';
import { renderView } from './views/state-view.js';
import { line, seg, type ViewLine } from './views/view-line.js';

export interface LessonScreenProps {
  lesson: Lesson;
  session: TourSession;
  lang: Lang;
  /** The columns and rows this screen may use (the App's header is not included). */
  width: number;
  height: number;
  learner: string;
  initialProgress: LessonProgress | null;
  saveProgress?: (progress: LessonProgress) => Promise<unknown> | void;
  /** False while the help overlay is up: keys go to the App then. */
  active: boolean;
  onBack(): void;
  onQuit(): void;
  onHelp(): void;
}

type PaneNumber = 1 | 2 | 3 | 4;
// The call log follows new calls until the learner scrolls it.
const FOLLOW = Number.MAX_SAFE_INTEGER;

/** Pane sizes: lesson and planned calls on the left, kernel state and call log on the right. */
export function layoutPanes(width: number, height: number): { left: number; right: number; top: number; bottom: number } {
  const left = Math.max(30, Math.min(70, Math.floor(width * 0.42)));
  const top = Math.max(5, Math.ceil(height * 0.58));
  return { left, right: Math.max(20, width - left), top, bottom: Math.max(4, height - top) };
}

function printable(input: string, key: Key): boolean {
  return input.length > 0 && !key.ctrl && !key.meta && !key.escape && !key.return && !key.tab && !/[\x00-\x1f\x7f]/.test(input);
}

/** The player: step strip, four numbered panes, and the keys of a lesson. */
export function LessonScreen(props: LessonScreenProps): React.JSX.Element {
  const { lesson, session, lang, width, height, active, onBack, onQuit, onHelp } = props;
  const t = (text: I18nText): string => pick(text, lang);
  const total = lesson.steps.length;
  const [current, setCurrent] = useState(() => Math.min(Math.max(0, props.initialProgress?.current ?? 0), Math.max(0, total - 1)));
  const [focus, setFocus] = useState<PaneNumber>(1);
  const [scroll, setScroll] = useState<[number, number, number, number]>([0, 0, FOLLOW, 0]);
  const [filter, setFilter] = useState('');
  const [filtering, setFiltering] = useState(false);
  const [saveError, setSaveError] = useState<string | null>(null);
  const answerDraft = useRef({ cursor: 0, typed: '' });
  const runner = useStepRunner({
    lesson,
    session,
    lang,
    learner: props.learner,
    initialProgress: props.initialProgress,
    ...(props.saveProgress ? { saveProgress: props.saveProgress } : {}),
    onSaveError: (error) => setSaveError(error instanceof Error ? error.message : String(error)),
  });
  const step = lesson.steps[current];
  const state = runner.steps[current];

  const grid = layoutPanes(width, height - 2);
  const inner = { left: grid.left - 4, right: grid.right - 4 };
  // Planned again whenever a step finishes: a plan may name what earlier steps made (paths, pids).
  const finished = runner.steps.filter((entry) => entry.status === 'done' || entry.status === 'failed').length;
  const planned = useMemo((): ViewLine[] => {
    try {
      return plannedLines(session.plan(current), lang, inner.left);
    } catch (error) {
      // Said, not hidden: an empty plan would claim the step makes no calls.
      return [line(seg(error instanceof Error ? error.message : String(error), 'warn'))];
    }
  }, [session, current, finished, lang, inner.left]);

  // Only what changed is laid out again: a key press must not re-wrap a thousand-call log.
  const calls = state?.calls;
  const logLines = useMemo(() => callLogLines(calls ?? [], filter, lang, inner.right), [calls, filter, lang, inner.right]);
  const view = state?.view;
  const viewLines = useMemo(() => renderView(view, { lang, width: inner.right }), [view, lang, inner.right]);
  const lines: Record<PaneNumber, ViewLine[]> = {
    1: step && state
      ? lessonLines(step, current, total, {
          lang,
          width: inner.left,
          predict: state.predict,
          status: state.status,
          ...(state.error ? { error: state.error } : {}),
          ...(state.catchingUp ? { catchingUp: true } : {}),
        })
      : [line(seg(t(S.noSteps), 'dim'))],
    2: planned,
    3: logLines,
    4: viewLines,
  };
  if (saveError) lines[1] = [line(seg(saveError, 'warn')), ...lines[1]];
  const heights: Record<PaneNumber, number> = { 1: grid.top, 2: grid.bottom, 3: grid.bottom, 4: grid.top };
  const filterHeader: ViewLine | undefined =
    filter || filtering ? line(seg(`/${filter}${filtering ? '▏' : ''}`, 'focus'), seg(`  ${t(S.filter)}`, 'dim')) : undefined;
  const capacity = (pane: PaneNumber): number => paneCapacity(heights[pane], pane === 3 && filterHeader !== undefined);
  const metrics = useRef({ lines, capacity });
  metrics.current = { lines, capacity };

  function scrollBy(pane: PaneNumber, delta: number): void {
    setScroll((all) => {
      const next = [...all] as typeof all;
      const { lines: now, capacity: cap } = metrics.current;
      const from = clampScroll(all[pane - 1]!, now[pane].length, cap(pane));
      next[pane - 1] = clampScroll(from + delta, now[pane].length, cap(pane));
      if (pane === 3 && next[2] >= now[3].length - cap(3)) next[2] = FOLLOW;
      return next;
    });
  }

  function go(delta: number): void {
    const index = current + delta;
    if (index < 0 || index >= total) return;
    setCurrent(index);
    setScroll([0, 0, FOLLOW, 0]);
  }

  function answerAndRun(answer: string): void {
    runner.setPredict(current, { phase: 'answered', answer });
    void runner.runStep(current, answer);
  }

  useLatestInput(
    (input, key) => {
      if (!active) return;
      if (key.ctrl && input === 'c') return onQuit();
      const predict = state?.predict;
      if (step?.predict && predict?.phase === 'asking') {
        const question = step.predict;
        const choices = question.choices ?? [];
        // The draft lives in a ref: keys typed faster than a frame must not see a stale answer.
        const draft = answerDraft.current;
        const show = (): void => runner.setPredict(current, { phase: 'asking', cursor: draft.cursor, typed: draft.typed });
        if (key.escape) return runner.setPredict(current, { phase: 'idle' });
        if (key.upArrow || key.downArrow) {
          draft.cursor = (draft.cursor + (key.upArrow ? -1 : 1) + choices.length) % Math.max(1, choices.length);
          draft.typed = '';
          return show();
        }
        if (key.backspace || key.delete) {
          draft.typed = draft.typed.slice(0, -1);
          return show();
        }
        // Fast typing or a paste arrives as one chunk (`137\r`): its characters, and a newline as Enter.
        const enter = key.return || /[\r\n]/.test(input);
        const chunk = key.return || key.ctrl || key.meta ? '' : input.split(/[\r\n]/)[0]!;
        const allowed = question.kind === 'text' ? /[^\x00-\x1f\x7f]/ : question.kind === 'number' ? /[-\d]/ : /\d/;
        draft.typed += [...chunk].filter((char) => allowed.test(char)).join('');
        if (!enter) return show();
        if (question.kind === 'choice') {
          const choice = choices[draft.typed ? Number(draft.typed) - 1 : draft.cursor];
          if (choice) return answerAndRun(choice.value);
          draft.typed = '';
          return show();
        }
        if (acceptsAnswer(question, draft.typed)) return answerAndRun(draft.typed.trim());
        return show();
      }
      if (filtering) {
        if (key.escape) {
          setFilter('');
          setFiltering(false);
        } else if (key.return) setFiltering(false);
        else if (key.backspace || key.delete) setFilter((text) => text.slice(0, -1));
        else if (printable(input.replace(/[\r\n].*$/s, ''), key)) {
          setFilter((text) => text + input.replace(/[\r\n].*$/s, ''));
          if (/[\r\n]/.test(input)) setFiltering(false);
        }
        return;
      }
      if (input === 'q') return onQuit();
      if (input === '?') return onHelp();
      if (key.escape) return onBack();
      if (input === 'n' || key.rightArrow) return go(1);
      if (input === 'p' || key.leftArrow) return go(-1);
      if (key.tab) return setFocus((pane) => (key.shift ? (((pane + 2) % 4) + 1) : ((pane % 4) + 1)) as PaneNumber);
      if (/^[1-4]$/.test(input)) return setFocus(Number(input) as PaneNumber);
      if (key.upArrow || input === 'k') return scrollBy(focus, -1);
      if (key.downArrow || input === 'j') return scrollBy(focus, 1);
      if (key.pageUp) return scrollBy(focus, -capacity(focus));
      if (key.pageDown) return scrollBy(focus, capacity(focus));
      if (input === '/') {
        setFocus(3);
        setFiltering(true);
        return;
      }
      if (input === 'r' && step && !runner.running) {
        if (step.predict) {
          answerDraft.current = { cursor: 0, typed: '' };
          return runner.setPredict(current, { phase: 'asking', cursor: 0, typed: '' });
        }
        void runner.runStep(current);
      }
    },
    // Always subscribed, deciding inside: re-subscribing on every help toggle could drop a key.
    { isActive: true },
  );

  const keys =
    total === 0
      ? S.keysEmpty
      : state?.predict.phase === 'asking'
        ? S.keysPredict
        : filtering
          ? S.keysFilter
          : runner.running
            ? S.keysRunning
            : S.keysLesson;
  const pane = (number: PaneNumber, title: I18nText, paneWidth: number): React.JSX.Element => (
    <Pane
      number={number}
      title={t(title)}
      focused={focus === number}
      width={paneWidth}
      height={heights[number]}
      lines={lines[number]}
      scroll={scroll[number - 1]!}
      {...(number === 3 && filterHeader ? { header: filterHeader } : {})}
    />
  );
  return (
    <Box flexDirection="column" width={width} height={height}>
      <StepStrip lesson={lesson} steps={runner.steps} current={current} lang={lang} width={width} />
      <Box>
        <Box flexDirection="column" width={grid.left} flexShrink={0}>
          {pane(1, S.paneLesson, grid.left)}
          {pane(2, S.panePlanned, grid.left)}
        </Box>
        <Box flexDirection="column" width={grid.right} flexShrink={0}>
          {pane(4, S.paneState, grid.right)}
          {pane(3, S.paneLog, grid.right)}
        </Box>
      </Box>
      <KeyBar text={t(keys)} />
    </Box>
  );
}

/** Shown instead of the player while the session opens or the lesson is torn down. */
export function LessonNotice({ text }: { text: string }): React.JSX.Element {
  return (
    <Box flexGrow={1} paddingX={2} paddingY={1}>
      <Text color="yellow">{text}</Text>
    </Box>
  );
}
