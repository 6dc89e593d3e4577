import React, { useState } from 'react';
import { Box, Text, useApp, useInput } from 'ink';
import { pick, type Lang } from '../i18n/lang.js';
import type { Lesson } from '../lessons/schema.js';
import { describeRequirement, type Verdict } from '../doctor/verdict.js';
import { S } from './strings.js';
import { Badge } from './Badge.js';
import { KeyBar } from './KeyBar.js';
import { useTerminalSize } from './use-terminal-size.js';

export interface AppProps {
  lang: Lang;
  lessons: Lesson[];
  verdict: Verdict;
  /** Lines of the doctor's findings, already in the chosen language. */
  machine: string[];
  /** Called once the app has decided to quit, after its own teardown. */
  onQuit?: () => void;
  /** Index of the lesson selected at start (`glassbox learn 3`). */
  initialLesson?: number;
}

type Screen = 'list' | 'lesson';

/** The tour shell: lesson list, the machine's verdict, a help overlay. */
export function App({ lang, lessons, verdict, machine, onQuit, initialLesson = 0 }: AppProps): React.JSX.Element {
  const { exit } = useApp();
  const { columns, rows } = useTerminalSize();
  const [selected, setSelected] = useState(initialLesson);
  const [screen, setScreen] = useState<Screen>('list');
  const [help, setHelp] = useState(false);
  const t = (text: { en: string; ko: string }): string => pick(text, lang);

  useInput((input, key) => {
    if (input === 'q') {
      onQuit?.();
      exit();
      return;
    }
    if (input === '?') {
      setHelp((open) => !open);
      return;
    }
    if (key.escape) {
      if (help) setHelp(false);
      else setScreen('list');
      return;
    }
    if (help || screen !== 'list') return;
    if (key.upArrow || input === 'k') setSelected((i) => Math.max(0, i - 1));
    if (key.downArrow || input === 'j') setSelected((i) => Math.min(lessons.length - 1, i + 1));
    if (key.return && lessons.length > 0) setScreen('lesson');
  });

  const lesson = lessons[selected];
  const lessonVerdict = verdict.lessons.find((entry) => entry.id === lesson?.id);
  const listWidth = Math.max(30, Math.min(48, Math.floor(columns * 0.4)));
  const keys = help ? S.keysHelp : screen === 'list' ? S.keysList : S.keysLesson;

  return (
    <Box flexDirection="column" width={columns} height={rows}>
      <Box justifyContent="space-between" paddingX={1}>
        <Text bold>glassbox</Text>
        <Badge mode={verdict.mode} lang={lang} />
      </Box>
      {help ? (
        <Box flexDirection="column" borderStyle="round" paddingX={1} flexGrow={1}>
          <Text bold>{t(S.helpTitle)}</Text>
          <Text>{t(S.help)}</Text>
        </Box>
      ) : (
        <Box flexGrow={1}>
          <Box flexDirection="column" borderStyle="round" paddingX={1} width={listWidth} flexShrink={0} overflow="hidden">
            <Box flexShrink={0}>
              <Text bold>{t(S.lessons)}</Text>
            </Box>
            {lessons.map((entry, index) => {
              const mode = verdict.lessons[index]?.mode ?? 'simulated';
              const active = index === selected;
              return (
                <Box key={entry.id} flexShrink={0}>
                  <Box flexGrow={1} flexShrink={1} overflow="hidden">
                    <Text inverse={active} bold={active} wrap="truncate-end">
                      {`${active ? '›' : ' '}${String(index + 1).padStart(2)} ${t(entry.title)}`}
                    </Text>
                  </Box>
                  <Box flexShrink={0}>
                    <Text color={mode === 'real' ? 'green' : 'yellow'}>{mode === 'real' ? ' ●' : ' ○'}</Text>
                  </Box>
                </Box>
              );
            })}
          </Box>
          <Box flexDirection="column" borderStyle="round" paddingX={1} flexGrow={1} overflow="hidden">
            {screen === 'lesson' && lesson ? (
              <>
                <Text bold>{t(lesson.title)}</Text>
                <Text>{t(lesson.summary)}</Text>
                <Text> </Text>
                <Text dimColor>{t(S.notYet)}</Text>
              </>
            ) : (
              <>
                {lesson ? <Text bold>{t(lesson.title)}</Text> : null}
                {lesson ? <Text>{t(lesson.summary)}</Text> : null}
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
                  {verdict.reasons.map((reason) => (
                    <Text key={reason.en} color="yellow">{`- ${t(reason)}`}</Text>
                  ))}
                  {machine.map((line, index) => (
                    <Text key={index} dimColor wrap="truncate-end">
                      {line}
                    </Text>
                  ))}
                </Box>
              </>
            )}
          </Box>
        </Box>
      )}
      <KeyBar text={t(keys)} />
    </Box>
  );
}
