import fs from 'node:fs';
import path from 'node:path';
import type { StorePaths } from './layout.js';
import { withLock } from './lock.js';
import { isAbandoned, removeAbandoned, tempName } from './temp-files.js';

/**
A lease says "a pull (or load) is writing blobs that no reference names yet". Blobs are
ingested without the lock, so without leases a garbage collection running at the same time
could delete a blob a pull has just stored or found already present, and the pull would
then name an image with a missing blob. The rule, both sides under the store lock:

- a writer takes its lease before its first has()/begin();
- garbage collection sweeps only when no live process holds a lease.

Either the lease exists before the collector looks (nothing is swept), or it is taken after
the sweep (the writer sees what was deleted and downloads it again). A lease file is named
like a temp file (pid and start time), so a crashed writer's lease does not block forever.
*/
export interface Lease {
  readonly file: string;
  release(): void;
}

const held = new Set<string>();
let exitHookInstalled = false;

export async function acquireLease(paths: StorePaths): Promise<Lease> {
  const file = path.join(paths.leasesDir, tempName());
  await withLock(paths.lockFile, () => fs.writeFileSync(file, '', { flag: 'wx' }));
  held.add(file);
  installExitHook();
  return {
    file,
    release() {
      held.delete(file);
      fs.rmSync(file, { force: true });
    },
  };
}

/** Live leases other than `except`; removes dead writers' leases on the way. Call under the lock. */
export function liveLeases(paths: StorePaths, except?: string): string[] {
  removeAbandoned(paths.leasesDir);
  let names: string[];
  try {
    names = fs.readdirSync(paths.leasesDir);
  } catch {
    return [];
  }
  return names.map((name) => path.join(paths.leasesDir, name)).filter((file) => file !== except && !isAbandoned(path.basename(file)));
}

// Leases of this process are removed when it exits normally; after a crash, by pid check.
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const file of held) fs.rmSync(file, { force: true });
  });
}
