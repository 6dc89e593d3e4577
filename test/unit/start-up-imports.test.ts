/**
What `glassbox run` and `glassbox pull` load before they do anything: each ES module costs
start-up time (~0.4-0.7 ms each on a small machine), so the paths taken only sometimes (unpacking
a layer, pulling a missing image, the simulated kernel, the tour) are imported where they are
used. This walks the static imports from each command's module, as Node will load them.
*/
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = path.resolve(import.meta.dirname, '../../src');

/** Relative imports that stay in the emitted JavaScript (`import type` is erased; an inline `type` list is not). */
function staticImports(file: string): string[] {
  const text = fs.readFileSync(file, 'utf8');
  const found: string[] = [];
  for (const match of text.matchAll(/^(import|export)\s+(type\s+)?[^;]*?\s+from\s+'(\.[^']+)'/gms)) {
    if (match[2] !== undefined) continue;
    found.push(path.resolve(path.dirname(file), match[3]!.replace(/\.js$/, '.ts')));
  }
  for (const match of text.matchAll(/^import\s+'(\.[^']+)'/gm)) found.push(path.resolve(path.dirname(file), match[1]!.replace(/\.js$/, '.ts')));
  return found;
}

/** Every module a static import chain reaches from `entry`, as paths relative to src/. */
function loadedFrom(entry: string): Set<string> {
  const seen = new Set<string>();
  const visit = (file: string): void => {
    if (seen.has(file)) return;
    seen.add(file);
    for (const next of staticImports(file)) visit(next);
  };
  visit(path.join(SRC, entry));
  return new Set([...seen].map((file) => path.relative(SRC, file)));
}

const matching = (modules: Set<string>, pattern: RegExp): string[] => [...modules].filter((name) => pattern.test(name));

describe('start-up imports of glassbox run', () => {
  const modules = loadedFrom('cli/commands/run.ts');

  it('does not load the layer extractor, the registry client, the simulation or the tour', () => {
    // Unpacking (tar, gzip, zstd) runs only for an image not unpacked yet, pulling only for a missing one.
    expect(matching(modules, /^unpack\/(index|apply-layer|extract-layer|tar-|compression|zstd|layer-stream|unpack-image)/)).toEqual([]);
    expect(matching(modules, /^(pull|demo|kernel\/sim|tui|tour|lessons|report|compare|serve)\//)).toEqual([]);
    expect(matching(modules, /^store\/(store|blob-writer|archive-|gc|refs)/)).toEqual([]);
  });

  it('loads the user-namespace maps only for a container that has one', () => {
    expect(modules.has('container/id-maps.ts')).toBe(false);
    expect(modules.has('container/launch.ts')).toBe(true);
  });

  it('stays within a budget of modules (each is start-up time)', () => {
    // 61 when this was written (from 76); a new static import on this path should be a choice.
    expect(modules.size).toBeLessThanOrEqual(64);
  });
});

describe('start-up imports of glassbox pull', () => {
  const modules = loadedFrom('cli/commands/pull.ts');

  it('does not load containers, the unpacker, the kernel backends or the tour', () => {
    expect(matching(modules, /^(container|unpack|rootfs|kernel|observe|tui|tour|demo)\//)).toEqual([]);
  });

  it('loads the progress view only when it draws (not for -q or --json), and not the pull index', () => {
    expect(matching(modules, /^pull\/(index|progress-view)\.ts$/)).toEqual([]);
    expect(modules.has('pull/pull-image.ts')).toBe(true);
  });
});
