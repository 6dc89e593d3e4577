import { useRef } from 'react';
import { useInput, type Key } from 'ink';

/**
useInput with the handler of the latest render. Ink re-subscribes the handler in an effect,
which React may run after the next key already arrived: a fast `n` then `r` would run the
old step. The subscription stays; only the ref moves.
*/
export function useLatestInput(handler: (input: string, key: Key) => void, options: { isActive: boolean }): void {
  const latest = useRef(handler);
  latest.current = handler;
  const stable = useRef((input: string, key: Key) => latest.current(input, key));
  useInput(stable.current, options);
}
