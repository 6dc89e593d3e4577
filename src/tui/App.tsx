import React, { useEffect, useRef, useState } from 'react';
import { Box, Text, useApp } from 'ink';
import { useLatestInput } from './use-latest-input.js';
import { pick, type Lang, type Text as I18nText } from '../i18n/lang.js';
import type { Lesson } from '../lessons/schema.js';
import { describeRequirement, type Mode, type Verdict } from '../doctor/verdict.js';
import type { LessonProgress, TourSession } from '../tour/types.js';
import { S } from './strings.js';
import { Badge } from './Badge.js';
import { KeyBar } from './KeyBar.js';
import { LessonNotice, LessonScreen } from './LessonScreen.js';
import { displayWidth, truncateWidth } from './text-width.js';
import { useTerminalSize } from './use-terminal-size.js';

export interface AppProps {
  lang: Lang;
  lessons: Lesson[];
  verdict: Verdict;
  /** Lines of the doctor's findings, already in the chosen language. */
  machine: string[];
  /** Called once the app has decided to quit, after every lesson's teardown finished. */
  onQuit?: () => void;
  /** Index of the lesson selected at start (`glassbox learn 3`). */
  initialLesson?: number;
  /** Open the selected lesson at once (`glassbox learn LESSON`) instead of showing the list. */
  openAtStart?: boolean;
  /** Starts a lesson on the chosen kernel; absent, lessons show their text only. */
  openSession?: (lesson: Lesson) => TourSession | Promise<TourSession>;
  loadProgress?: (lessonId: string) => Promise<LessonProgress | null>;
  saveProgress?: (progress: LessonProgress) => Promise<unknown>;
  learner?: string;
}

type Screen = 'list' | 'lesson';
type Opened =
  | { state: 'opening' }
  | { state: 'open'; session: TourSession; progress: LessonProgress | null }
  | { state: 'failed'; message: string };

/** The tour shell: lesson list, the machine's verdict, the lesson player, a help overlay. */
export function App(props: AppProps): React.JSX.Element {
  const { lang, lessons, verdict, machine, onQuit, initialLesson = 0 } = props;
  const { exit } = useApp();
  const { columns, rows } = useTerminalSize();
  const [selected, setSelected] = useState(initialLesson);
  const [screen, setScreen] = useState<Screen>('list');
  const [help, setHelp] = useState(false);
  const [opened, setOpened] = useState<Opened | null>(null);
  const [closing, setClosing] = useState(false);
  // Every session opened, and the teardowns started: quitting waits for all of them.
  const sessions = useRef(new Set<TourSession>());
  const teardowns = useRef<Array<Promise<void>>>([]);
  const t = (text: I18nText): string => pick(text, lang);

  function tearDown(session: TourSession): void {
    sessions.current.delete(session);
    teardowns.current.push(Promise.resolve().then(() => session.teardown()).catch(() => undefined));
  }

  function openLesson(index: number): void {
    const lesson = lessons[index];
    if (!lesson) return;
    setScreen('lesson');
    if (!props.openSession || lesson.steps.length === 0) {
      setOpened(null);
      return;
    }
    setOpened({ state: 'opening' });
    const open = props.openSession;
    void (async () => {
      try {
        const progress = (await props.loadProgress?.(lesson.id)) ?? null;
        const session = await open(lesson);
        sessions.current.add(session);
        setOpened({ state: 'open', session, progress });
      } catch (error) {
        setOpened({ state: 'failed', message: error instanceof Error ? error.message : String(error) });
      }
    })();
  }

  function back(): void {
    if (opened?.state === 'open') tearDown(opened.session);
    setOpened(null);
    setScreen('list');
  }

  function quit(): void {
    if (closing) return;
    setClosing(true);
    for (const session of [...sessions.current]) tearDown(session);
    // q and Ctrl-C leave nothing behind: exit only after every teardown settled.
    void Promise.allSettled(teardowns.current).then(() => {
      onQuit?.();
      exit();
    });
  }

  useEffect(() => {
    if (props.openAtStart) openLesson(initialLesson);
    // Only once, at start: later openings come from Enter.
  }, []);

  const player = screen === 'lesson' && opened?.state === 'open' && !closing;
  useLatestInput(
    (input, key) => {
      // The player takes its own keys; this one stays subscribed so that no toggle drops a key.
      if (closing || (player && !help)) return;
      if (input === 'q' || (key.ctrl && input === 'c')) return quit();
      if (input === '?') return setHelp((open) => !open);
      if (key.escape) {
        if (help) setHelp(false);
        else if (screen === 'lesson') back();
        return;
      }
      if (help || screen !== 'list') return;
      if (key.upArrow || input === 'k') setSelected((i) => Math.max(0, i - 1));
      if (key.downArrow || input === 'j') setSelected((i) => Math.min(lessons.length - 1, i + 1));
      if (key.return && lessons.length > 0) openLesson(selected);
    },
    { isActive: true },
  );

  const lesson = lessons[selected];
  const lessonVerdict = verdict.lessons.find((entry) => entry.id === lesson?.id);
  const listWidth = Math.max(30, Math.min(48, Math.floor(columns * 0.4)));
  const keys = help ? S.keysHelp : screen === 'list' ? S.keysList : S.keysEmpty;
  const session = opened?.state === 'open' ? opened.session : undefined;
  const mode: Mode = session ? (session.mode === 'REAL' ? 'real' : 'simulated') : verdict.mode;
  const reason = session?.reason ? t(session.reason) : '';
  // One row short of the terminal: Ink clears the whole screen before every frame that fills it (flicker).
  const height = Math.max(8, rows - 1);
  const badgeWidth = displayWidth(t(mode === 'real' ? S.realBadge : S.simBadge)) + 2;
  const headerTitle = screen === 'lesson' && lesson ? `glassbox · ${t(lesson.title)}` : 'glassbox';

  return (
    <Box flexDirection="column" width={columns} height={height}>
      <Box paddingX={1} height={1} width={columns}>
        <Box flexGrow={1} flexShrink={1} overflow="hidden">
          <Text bold wrap="truncate-end">{headerTitle}</Text>
        </Box>
        {reason ? (
          <Box flexShrink={1} overflow="hidden" marginLeft={1}>
            <Text color="yellow" wrap="truncate-end">{truncateWidth(reason, Math.max(0, Math.floor(columns / 2) - badgeWidth))}</Text>
          </Box>
        ) : null}
        <Box flexShrink={0} marginLeft={1}>
          <Badge mode={mode} lang={lang} />
        </Box>
      </Box>
      {closing ? (
        <LessonNotice text={t(S.tearingDown)} />
      ) : null}
      {!closing && help ? (
        <Box flexDirection="column" borderStyle="round" paddingX={1} flexGrow={1}>
          <Text bold>{t(S.helpTitle)}</Text>
          <Text>{t(S.help)}</Text>
        </Box>
      ) : null}
      {player && opened?.state === 'open' && lesson ? (
        <Box display={help ? 'none' : 'flex'}>
          <LessonScreen
            key={lesson.id}
            lesson={lesson}
            session={opened.session}
            lang={lang}
            width={columns}
            height={height - 1}
            learner={props.learner ?? 'unknown'}
            initialProgress={opened.progress}
            {...(props.saveProgress ? { saveProgress: props.saveProgress } : {})}
            active={!help && !closing}
            onBack={back}
            onQuit={quit}
            onHelp={() => setHelp(true)}
          />
        </Box>
      ) : null}
      {!closing && !help && !player ? (
        <Box flexGrow={1}>
          <Box flexDirection="column" borderStyle="round" paddingX={1} width={listWidth} flexShrink={0} overflow="hidden">
            <Box flexShrink={0}>
              <Text bold>{t(S.lessons)}</Text>
            </Box>
            {lessons.map((entry, index) => {
              const lessonMode = verdict.lessons[index]?.mode ?? 'simulated';
              const active = index === selected;
              return (
                <Box key={entry.id} flexShrink={0}>
                  <Box flexGrow={1} flexShrink={1} overflow="hidden">
                    <Text inverse={active} bold={active} wrap="truncate-end">
                      {`${active ? '›' : ' '}${String(index + 1).padStart(2)} ${t(entry.title)}`}
                    </Text>
                  </Box>
                  <Box flexShrink={0}>
                    <Text color={lessonMode === 'real' ? 'green' : 'yellow'}>{lessonMode === 'real' ? ' ●' : ' ○'}</Text>
                  </Box>
                </Box>
              );
            })}
          </Box>
          <Box flexDirection="column" borderStyle="round" paddingX={1} flexGrow={1} overflow="hidden">
            {lesson ? <Text bold>{t(lesson.title)}</Text> : null}
            {lesson ? <Text>{t(lesson.summary)}</Text> : null}
            {screen === 'lesson' ? (
              <Box marginTop={1}>
                {opened?.state === 'opening' ? <Text color="yellow">{t(S.opening)}</Text> : null}
                {opened?.state === 'failed' ? <Text color="red">{opened.message}</Text> : null}
                {opened === null ? <Text dimColor>{t(S.notYet)}</Text> : null}
              </Box>
            ) : (
              <>
                {lessonVerdict && lessonVerdict.missing.length > 0 ? (
                  <Box flexDirection="column" marginTop={1}>
                    <Text color="yellow">{t(S.needs)}:</Text>
                    {lessonVerdict.missing.map((requirement) => (
                      <Text key={requirement}>{`  - ${t(describeRequirement(requirement))}`}</Text>
                    ))}
                  </Box>
                ) : null}
                <Box flexDirection="column" marginTop={1}>
                  <Text bold>{t(S.machine)}</Text>
                  {verdict.reasons.map((entry) => (
                    <Text key={entry.en} color="yellow">{`- ${t(entry)}`}</Text>
                  ))}
                  {machine.map((text, index) => (
                    <Text key={index} dimColor wrap="truncate-end">
                      {text}
                    </Text>
                  ))}
                </Box>
              </>
            )}
          </Box>
        </Box>
      ) : null}
      {player && !help ? null : <KeyBar text={t(keys)} />}
    </Box>
  );
}
