import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ContainerLauncher } from '../container/launcher.js';
import type { Lang } from '../i18n/lang.js';
import type { Kernel } from '../kernel/types.js';
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

export function createTourContext(spec: TourContextSpec): OwnedTourContext {
  const undos: Array<{ label: string; undo: () => void | Promise<void> }> = [];
  const abort = new AbortController();
  let closing = false;
  const late: Array<Promise<void>> = [];
  const workdir = spec.workdir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'glassbox-tour-'));
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
