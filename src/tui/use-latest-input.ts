import { useRef } from 'react';
import { useInput, type Key } from 'ink';

/**
useInput with the handler of the latest render. Ink re-subscribes the handler in an effect,
which React may run after the next key already arrived: a fast `n` then `r` would run the
old step. The subscription stays; only the ref moves.

A chunk of plain keys (a paste, keys typed within one read, `tmux send-keys n r`) comes as one
input string; it is handed over one key at a time, each after the frame of the one before, so
that `nr` runs the next step and not the current one.
*/
export function useLatestInput(handler: (input: string, key: Key) => void, options: { isActive: boolean }): void {
  const latest = useRef(handler);
  latest.current = handler;
  const stable = useRef((input: string, key: Key): void => {
    const keys = [...input];
    if (keys.length <= 1 || key.ctrl || key.meta || !/^[\x20-\x7e\r]+$/.test(input)) {
      latest.current(input, key);
      return;
    }
    const next = (): void => {
      const char = keys.shift();
      if (char === undefined) return;
      latest.current(char === '\r' ? '' : char, { ...key, return: char === '\r' });
      // The handler's state change renders synchronously (Ink's legacy root): the next key sees it.
      if (keys.length > 0) setImmediate(next);
    };
    next();
  });
  useInput(stable.current, options);
}
