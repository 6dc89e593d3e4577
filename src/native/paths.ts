import fs from 'node:fs';
import path from 'node:path';
import { packageRoot } from '../package-root.js';

/**
Where the static helpers live: `native/bin/<name>` under the package root, built by
`npm run build` (make -C native). The same lookup works from `src/` (tests run the
TypeScript) and from `dist/` (the built CLI), since both sit below the root.
*/

/** Every helper the build is meant to produce, and what it is for. */
export const NATIVE_PROGRAMS = [
  { name: 'gbx-probe', purpose: 'reports what a process sees from inside: ids, caps, namespaces, cgroups' },
  { name: 'gbx-run', purpose: 'the launch helper: clone, mounts, pivot_root, caps, exec' },
] as const;

export type NativeProgram = (typeof NATIVE_PROGRAMS)[number]['name'];

export interface NativeBinaryStatus {
  name: NativeProgram;
  purpose: string;
  /** Where the binary is or would be: absolute, whether or not it exists. */
  path: string;
  /** A regular file is there. */
  built: boolean;
  /** It is built and this process may execute it. */
  executable: boolean;
  /** native/<name>.c is there, so `npm run build` can make it. */
  hasSource: boolean;
}

export function nativeBinDir(root: string = packageRoot()): string {
  return path.join(root, 'native', 'bin');
}

/** The status of each helper, in NATIVE_PROGRAMS order (what `glassbox doctor` lists). */
export function nativeStatus(root: string = packageRoot()): NativeBinaryStatus[] {
  return NATIVE_PROGRAMS.map(({ name, purpose }) => {
    const file = path.join(nativeBinDir(root), name);
    const built = isRegularFile(file);
    return {
      name,
      purpose,
      path: file,
      built,
      executable: built && canExecute(file),
      hasSource: isRegularFile(path.join(root, 'native', `${name}.c`)),
    };
  });
}

/** The absolute path of a built, executable helper, or undefined when it is not built. */
export function nativeBinary(name: NativeProgram, root: string = packageRoot()): string | undefined {
  const status = nativeStatus(root).find((entry) => entry.name === name);
  return status?.executable ? status.path : undefined;
}

function isRegularFile(file: string): boolean {
  try {
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

function canExecute(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return true;
  } catch {
    return false;
  }
}
