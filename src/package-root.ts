import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { GlassboxError } from './errors.js';

/**
The directory holding glassbox's package.json (lessons/, native/bin/, dist/ sit below it), found
by walking up from this module: src/ when tests run the TypeScript, dist/ for the built CLI, or
dist/bundle/ in the CLI's bundle (scripts/build-bundle.mjs gives each bundled module the bundle's URL).
*/
let cachedRoot: string | undefined;

export function packageRoot(): string {
  return (cachedRoot ??= findPackageRoot(fileURLToPath(import.meta.url)));
}

function findPackageRoot(start: string): string {
  let dir = path.dirname(start);
  for (;;) {
    if (isGlassboxPackage(path.join(dir, 'package.json'))) return dir;
    const parent = path.dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  throw new GlassboxError('PACKAGE_ROOT_NOT_FOUND', `no glassbox package.json above ${start}`, { kind: 'bug' });
}

function isGlassboxPackage(file: string): boolean {
  try {
    return (JSON.parse(fs.readFileSync(file, 'utf8')) as { name?: unknown }).name === 'glassbox';
  } catch {
    return false;
  }
}
