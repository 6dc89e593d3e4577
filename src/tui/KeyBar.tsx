import React from 'react';
import { Box, Text } from 'ink';

/** The keys that work right now, at the bottom of the screen; one row, cut rather than wrapped. */
export function KeyBar({ text }: { text: string }): React.JSX.Element {
  return (
    <Box paddingX={1} height={1} flexShrink={0} overflow="hidden">
      <Text dimColor wrap="truncate-end">{text}</Text>
    </Box>
  );
}
