import React from 'react';
import { Box, Text } from 'ink';
import type { Tone, ViewLine } from './views/view-line.js';

const TONE_STYLE: Record<Tone, { color?: string; bold?: boolean; dimColor?: boolean; inverse?: boolean }> = {
  title: { bold: true },
  dim: { dimColor: true },
  added: { color: 'green' },
  changed: { color: 'cyan' },
  removed: { color: 'red' },
  differ: { color: 'magenta', bold: true },
  error: { color: 'red', bold: true },
  ok: { color: 'green' },
  warn: { color: 'yellow' },
  focus: { color: 'yellow', bold: true },
};

/** One line of toned segments; never wraps (the renderers already fit lines to the pane). */
export function Line({ line }: { line: ViewLine }): React.JSX.Element {
  return (
    <Text wrap="truncate-end">
      {line.length === 0 ? ' ' : line.map((part, i) => (
        <Text key={i} {...(part.tone ? TONE_STYLE[part.tone] : {})}>
          {part.text}
        </Text>
      ))}
    </Text>
  );
}

export interface PaneProps {
  number: number;
  title: string;
  focused: boolean;
  width: number;
  height: number;
  lines: ViewLine[];
  /** First line shown; clamped so the pane never scrolls past its end. */
  scroll: number;
  /** A line pinned under the title (the call log's filter). */
  header?: ViewLine;
}

/** Lines a pane of this height shows (border and title take three rows, a pinned header one more). */
export function paneCapacity(height: number, pinned: boolean): number {
  return Math.max(1, height - 3 - (pinned ? 1 : 0));
}

/** The clamp the pane applies: the key handler uses it too, so ↓ at the end does nothing. */
export function clampScroll(scroll: number, total: number, capacity: number): number {
  return Math.max(0, Math.min(scroll, total - capacity));
}

/** A numbered, bordered pane; the focused one has a bright border and scrolls with ↑/↓. */
export const Pane = React.memo(function Pane({ number, title, focused, width, height, lines, scroll, header }: PaneProps): React.JSX.Element {
  const capacity = paneCapacity(height, header !== undefined);
  const first = clampScroll(scroll, lines.length, capacity);
  const shown = lines.slice(first, first + capacity);
  const more = `${first > 0 ? '↑' : ' '}${first + capacity < lines.length ? '↓' : ' '}`;
  return (
    <Box
      flexDirection="column"
      borderStyle="round"
      borderColor={focused ? 'cyan' : 'gray'}
      paddingX={1}
      width={width}
      height={height}
      flexShrink={0}
      overflow="hidden"
    >
      <Box flexShrink={0} justifyContent="space-between">
        {/* The focused pane is marked in text too: colour alone fails on a projector or for colour-blind eyes. */}
        <Text bold color={focused ? 'cyan' : undefined} wrap="truncate-end">{`${focused ? '›' : ' '}${number} ${title}`}</Text>
        <Text dimColor>{more}</Text>
      </Box>
      {header ? <Line line={header} /> : null}
      {shown.map((viewLine, i) => (
        <Line key={first + i} line={viewLine} />
      ))}
    </Box>
  );
});
