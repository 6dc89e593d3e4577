import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { nativeBinary } from '../../src/native/paths.js';

/**
A minimal root for run tests: a static busybox at /bin/busybox (Debian's busybox-static,
scripts/install-system-deps.sh) with /bin/sh, plus gbx-probe at /gbx-probe. A plain
directory, no overlay: the launch path is what is under test.
*/
export function makeRunRootfs(): string {
  const probe = nativeBinary('gbx-probe');
  if (probe === undefined) throw new Error('native/bin/gbx-probe is not built (npm run build)');
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'glassbox-run-'));
  // mkdtemp makes 0700: a container running as another uid could not even reach its own root.
  fs.chmodSync(root, 0o755);
  fs.mkdirSync(path.join(root, 'bin'));
  fs.copyFileSync('/bin/busybox', path.join(root, 'bin/busybox'));
  fs.chmodSync(path.join(root, 'bin/busybox'), 0o755);
  for (const name of ['sh', 'cat', 'ls', 'sleep', 'echo', 'dd', 'seq', 'wc', 'grep', 'true']) {
    fs.symlinkSync('busybox', path.join(root, 'bin', name));
  }
  fs.copyFileSync(probe, path.join(root, 'gbx-probe'));
  fs.chmodSync(path.join(root, 'gbx-probe'), 0o755);
  fs.mkdirSync(path.join(root, 'tmp'), { mode: 0o1777 });
  return root;
}
