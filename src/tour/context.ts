import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ContainerLauncher } from '../container/launcher.js';
import type { Lang } from '../i18n/lang.js';
import type { Kernel } from '../kernel/types.js';
import { isProcessAlive, ownIdentity, type ProcessIdentity } from '../store/process-alive.js';
import type { TourContext } from './types.js';

/**
A TourContext and the undo stack behind its `defer`. Undos run newest first, each once, and a
failing undo does not stop the others: teardown must leave nothing behind even when one part of
the kernel state is already gone.
*/
export interface TourContextSpec {
  kernel: Kernel;
  launcher: ContainerLauncher;
  lang: Lang;
  /** A host scratch directory; default a new `glassbox-tour-*` under os.tmpdir(), removed at teardown. */
  workdir?: string;
}

export interface OwnedTourContext {
  ctx: TourContext;
  /** Tells a running step to stop (ctx.signal); teardown does it too. */
  abort(): void;
  /** Runs every registered undo in reverse order; returns the failures (label: message). */
  teardown(): Promise<string[]>;
}

const WORKDIR_PREFIX = 'glassbox-tour-';
const OWNER_FILE = 'owner.json';

/** A fresh host workdir, marked with its owner so that a later run can remove it if we are killed. */
function makeWorkdir(): string {
  sweepAbandonedWorkdirs();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), WORKDIR_PREFIX));
  fs.writeFileSync(path.join(dir, OWNER_FILE), JSON.stringify(ownIdentity()));
  return dir;
}

/**
Workdirs of tours that were killed (SIGKILL, a closed pipe) before their teardown: removed when
their owner process is gone. Only directories with an owner file are touched, never one with
something mounted below it (the real kernel's scratch directories have the same prefix but no
owner file: their mounts are gone with their mount namespace's users or need a person to look).
*/
export function sweepAbandonedWorkdirs(tmp: string = os.tmpdir()): string[] {
  const removed: string[] = [];
  let names: string[];
  try {
    names = fs.readdirSync(tmp).filter((name) => name.startsWith(WORKDIR_PREFIX));
  } catch {
    return removed;
  }
  let mountinfo = '';
  try {
    mountinfo = fs.readFileSync('/proc/self/mountinfo', 'utf8');
  } catch {
    // Not Linux: nothing can be mounted there by us.
  }
  for (const name of names) {
    const dir = path.join(tmp, name);
    try {
      const owner = JSON.parse(fs.readFileSync(path.join(dir, OWNER_FILE), 'utf8')) as ProcessIdentity;
      if (isProcessAlive(owner) || mountinfo.includes(` ${dir}/`) || mountinfo.includes(` ${dir} `)) continue;
      fs.rmSync(dir, { recursive: true, force: true });
      removed.push(dir);
    } catch {
      // No owner file, another user's, or gone already: not ours to remove.
    }
  }
  return removed;
}

export function createTourContext(spec: TourContextSpec): OwnedTourContext {
  const undos: Array<{ label: string; undo: () => void | Promise<void> }> = [];
  const abort = new AbortController();
  let closing = false;
  const late: Array<Promise<void>> = [];
  const workdir = spec.workdir ?? makeWorkdir();
  if (spec.workdir === undefined) undos.push({ label: `remove ${workdir}`, undo: () => fs.rmSync(workdir, { recursive: true, force: true }) });
  const ctx: TourContext = {
    kernel: spec.kernel,
    launcher: spec.launcher,
    lang: spec.lang,
    workdir,
    session: new Map(),
    defer(label, undo) {
      // A step that was still running when the teardown began: undo what it made at once.
      if (closing) late.push(Promise.resolve().then(undo).catch(() => undefined));
      else undos.push({ label, undo });
    },
    signal: abort.signal,
  };
  let finished: Promise<string[]> | undefined;
  return {
    ctx,
    abort: () => abort.abort(),
    teardown() {
      finished ??= (async () => {
        abort.abort();
        const failures: string[] = [];
        while (undos.length > 0) {
          const { label, undo } = undos.pop()!;
          try {
            await undo();
          } catch (error) {
            failures.push(`${label}: ${(error as Error).message}`);
          }
        }
        closing = true;
        await Promise.all(late);
        ctx.session.clear();
        return failures;
      })();
      return finished;
    },
  };
}
