import React from 'react';
import { Box, Text } from 'ink';

/** The keys that work right now, at the bottom of the screen. */
export function KeyBar({ text }: { text: string }): React.JSX.Element {
  return (
    <Box paddingX={1}>
      <Text dimColor>{text}</Text>
    </Box>
  );
}
