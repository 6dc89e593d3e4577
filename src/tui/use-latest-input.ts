import { useEffect, useRef, useState } from 'react';
import { useInput, type Key } from 'ink';

/**
useInput with the handler of the latest render. Ink re-subscribes the handler in an effect,
which React may run after the next key already arrived: a fast `n` then `r` would run the
old step. The subscription stays; only the ref moves.

A chunk of plain keys (a paste, keys typed within one read, `tmux send-keys n r`) comes as one
input string; it is handed over one key at a time, each after the frame of the one before, so
that `nr` runs the next step and not the current one. Ctrl and meta keys (Ctrl-C) never wait.
*/
export function useLatestInput(handler: (input: string, key: Key) => void, options: { isActive: boolean }): void {
  const latest = useRef(handler);
  latest.current = handler;
  const pending = useRef<Array<{ input: string; key: Key }>>([]);
  const [, setCommitted] = useState(0);
  // After each commit, the next queued key: it sees the state the key before it made. The counter
  // forces a commit even when a key changed nothing, so the queue never stalls.
  useEffect(() => {
    const next = pending.current.shift();
    if (next === undefined) return;
    latest.current(next.input, next.key);
    setCommitted((count) => count + 1);
  });
  const stable = useRef((input: string, key: Key): void => {
    const keys = [...input];
    const plain = !key.ctrl && !key.meta && /^[\x20-\x7e\r]+$/.test(input);
    // A single key goes straight through, unless a chunk before it is still being handed over.
    if (!plain || (keys.length <= 1 && pending.current.length === 0)) {
      latest.current(input, key);
      return;
    }
    for (const char of keys) pending.current.push({ input: char === '\r' ? '' : char, key: { ...key, return: char === '\r' } });
    setCommitted((count) => count + 1);
  });
  useInput(stable.current, options);
}
