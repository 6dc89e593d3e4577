import fs from 'node:fs';
import path from 'node:path';
import { packageRoot } from './package-root.js';

let version: string | undefined;

/** glassbox's version, from its package.json: read on first use, which most commands never make. */
export function glassboxVersion(): string {
  return (version ??= (JSON.parse(fs.readFileSync(path.join(packageRoot(), 'package.json'), 'utf8')) as { version: string }).version);
}
