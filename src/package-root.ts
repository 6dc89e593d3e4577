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
  // Most directories on the way up have none: no ENOENT error to build and throw for them.
  if (!fs.existsSync(file)) return false;
  try {
    return (JSON.parse(fs.readFileSync(file, 'utf8')) as { name?: unknown }).name === 'glassbox';
  } catch {
    return false;
  }
}

/**
The script that runs the CLI, chosen as bin/glassbox chooses (keep the two alike): the bundle
(dist/bundle/main.cjs, scripts/build-bundle.mjs) when it is newer than tsc's last build info and
not turned off, else the modules (dist/cli/main.js). For glassbox starting itself (`run -d`'s monitor).
*/
export function cliEntry(root: string = packageRoot(), env: NodeJS.ProcessEnv = process.env): string {
  const modules = path.join(root, 'dist', 'cli', 'main.js');
  if (env.GLASSBOX_BUNDLE === '0' || (env.GLASSBOX_DEBUG ?? '') !== '') return modules;
  const bundle = fs.statSync(path.join(root, 'dist', 'bundle', 'glassbox.cjs'), { bigint: true, throwIfNoEntry: false });
  const compiled = fs.statSync(path.join(root, 'dist', '.tsbuildinfo'), { bigint: true, throwIfNoEntry: false });
  if (bundle === undefined || (compiled !== undefined && bundle.mtimeNs <= compiled.mtimeNs)) return modules;
  return path.join(root, 'dist', 'bundle', 'main.cjs');
}
