import fs from 'node:fs';
import path from 'node:path';
import { packageRoot } from './package-root.js';

/** The package root: dist/ and src/ both sit one level below it. */
export const PACKAGE_ROOT = packageRoot();

export const VERSION: string = (
  JSON.parse(fs.readFileSync(path.join(PACKAGE_ROOT, 'package.json'), 'utf8')) as { version: string }
).version;
