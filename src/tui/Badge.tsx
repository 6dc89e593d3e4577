import React from 'react';
import { Text } from 'ink';
import { pick, type Lang } from '../i18n/lang.js';
import type { Mode } from '../doctor/verdict.js';
import { S } from './strings.js';

/** REAL or SIMULATED, always on screen: the learner must know which kernel answers. */
export function Badge({ mode, lang }: { mode: Mode; lang: Lang }): React.JSX.Element {
  const real = mode === 'real';
  return (
    <Text backgroundColor={real ? 'green' : 'yellow'} color="black" bold>
      {` ${pick(real ? S.realBadge : S.simBadge, lang)} `}
    </Text>
  );
}
