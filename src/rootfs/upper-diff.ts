import type { Kernel } from '../kernel/types.js';
import { createLayerFs, isWhiteout, lookupLowerView } from '../unpack/index.js';

/**
What a container changed, read from its upper dir, in the form of `docker diff`:
- `A /path`: added (not in any layer);
- `C /path`: changed (the upper has its own copy: a copy-up, or a directory that holds a change);
- `D /path`: deleted (a whiteout in the upper dir).
An opaque directory that replaces a layer's directory is reported as changed.
*/
export interface ChangeEntry {
  kind: 'A' | 'C' | 'D';
  path: string;
}

export function diffUpper(kernel: Kernel, upper: string, lowers: readonly string[]): ChangeEntry[] {
  const fs = createLayerFs(kernel, 'kernel');
  const changes: ChangeEntry[] = [];
  const walk = (rel: string): void => {
    for (const name of kernel.readdir(rel === '' ? upper : `${upper}/${rel}`).sort()) {
      const path = rel === '' ? name : `${rel}/${name}`;
      const stat = kernel.lstat(`${upper}/${path}`);
      if (isWhiteout(stat)) {
        changes.push({ kind: 'D', path: `/${path}` });
        continue;
      }
      const inLower = lookupLowerView(fs, lowers, path) !== null;
      changes.push({ kind: inLower ? 'C' : 'A', path: `/${path}` });
      if (stat.type === 'dir') walk(path);
    }
  };
  walk('');
  return changes.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

export function formatChanges(changes: readonly ChangeEntry[]): string[] {
  return changes.map((change) => `${change.kind} ${change.path}`);
}
