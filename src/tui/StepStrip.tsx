import React from 'react';
import { Box, Text } from 'ink';
import { pick, type Lang } from '../i18n/lang.js';
import type { Lesson } from '../lessons/schema.js';
import type { StepState, StepStatus } from './use-step-runner.js';
import { truncateWidth } from './text-width.js';

const MARK: Record<StepStatus, string> = { idle: '·', running: '◐', done: '✓', failed: '✗', recorded: '✓' };
const COLOR: Record<StepStatus, string | undefined> = { idle: undefined, running: 'yellow', done: 'green', failed: 'red', recorded: 'gray' };

/** The lesson's steps on one line: ✓ ran, ✗ failed, ◐ running, · not yet; the current one inverse. */
export function StepStrip({ lesson, steps, current, lang, width }: { lesson: Lesson; steps: StepState[]; current: number; lang: Lang; width: number }): React.JSX.Element {
  const title = pick(lesson.title, lang);
  return (
    <Box paddingX={1} width={width} height={1} overflow="hidden">
      <Box flexShrink={0}>
        {steps.map((step, i) => (
          <Text key={i} color={COLOR[step.status]} inverse={i === current} bold={i === current}>
            {`${MARK[step.status]}${i + 1}`}
            {i < steps.length - 1 ? ' ' : ''}
          </Text>
        ))}
      </Box>
      <Box flexGrow={1} flexShrink={1} marginLeft={2} overflow="hidden">
        <Text dimColor wrap="truncate-end">
          {truncateWidth(title, Math.max(0, width - 4 - steps.length * 3))}
        </Text>
      </Box>
    </Box>
  );
}
