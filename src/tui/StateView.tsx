import React from 'react';
import { Box } from 'ink';
import type { Lang } from '../i18n/lang.js';
import type { ViewData } from '../tour/types.js';
import { Line } from './Pane.js';
import { renderView } from './views/state-view.js';

/**
A state view drawn on its own (the lesson screen draws the same lines inside pane 4). The
lines come from the same renderer the transcript prints, so both show the same kernel state.
*/
export function StateView({ view, lang, width }: { view: ViewData | undefined; lang: Lang; width: number }): React.JSX.Element {
  const lines = renderView(view, { lang, width });
  return (
    <Box flexDirection="column" width={width}>
      {lines.map((viewLine, i) => (
        <Line key={i} line={viewLine} />
      ))}
    </Box>
  );
}
