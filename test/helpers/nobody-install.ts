import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const NOBODY = ['--reuid=65534', '--regid=65534', '--clear-groups'];

/**
A glassbox that uid 65534 can run. The checkout itself when nobody can reach it; otherwise
(a clone under a 0700 directory, as `mktemp -d` makes) a copy of what the built CLI needs at
run time, in a world-readable temp dir. `dispose` removes the copy.
*/
export function installForNobody(root: string): { root: string; dispose: () => void } {
  const node = path.join(root, 'node_modules', '.bin', 'node');
  const reachable = spawnSync('setpriv', [...NOBODY, 'test', '-r', path.join(root, 'package.json'), '-a', '-x', node]);
  if (reachable.status === 0) return { root, dispose: () => undefined };
  const copy = fs.mkdtempSync(path.join(os.tmpdir(), 'glassbox-nobody-'));
  fs.chmodSync(copy, 0o755);
  for (const part of ['package.json', 'bin', 'dist', 'lessons', 'native/bin', ...runtimePackages(root)]) {
    if (fs.existsSync(path.join(root, part))) fs.cpSync(path.join(root, part), path.join(copy, part), { recursive: true });
  }
  fs.mkdirSync(path.join(copy, 'node_modules', '.bin'), { recursive: true });
  fs.copyFileSync(fs.realpathSync(node), path.join(copy, 'node_modules', '.bin', 'node'));
  fs.chmodSync(path.join(copy, 'node_modules', '.bin', 'node'), 0o755);
  return { root: copy, dispose: () => fs.rmSync(copy, { recursive: true, force: true }) };
}

/** node_modules/<name> of every runtime dependency, transitively (a package's own nested node_modules come along). */
function runtimePackages(root: string): string[] {
  const found = new Set<string>();
  const visit = (manifest: string): void => {
    const json = JSON.parse(fs.readFileSync(manifest, 'utf8')) as { dependencies?: Record<string, string>; optionalDependencies?: Record<string, string> };
    for (const name of Object.keys({ ...json.dependencies, ...json.optionalDependencies })) {
      const part = path.join('node_modules', name);
      if (found.has(part) || !fs.existsSync(path.join(root, part, 'package.json'))) continue;
      found.add(part);
      visit(path.join(root, part, 'package.json'));
    }
  };
  visit(path.join(root, 'package.json'));
  return [...found];
}
