// Builds the static C helpers in native/ (make). When the machine cannot build them
// (no C compiler, no static libc, no make) the build says what to install and stops
// without failing: the simulated kernel needs no native binary.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const cc = process.env.CC ?? 'cc';

function skip(reason, fix) {
  console.error(
    `glassbox: ${reason}: the native helpers were not built.\n` +
      '  The tour still runs on the simulated kernel. To run it for real,\n' +
      `  ${fix} and run: npm run build`,
  );
  process.exit(0);
}

// Links an empty program with -static. gcc alone is not enough: the static libc
// (libc.a) comes from a separate package, and without it every static link fails.
function staticLinkError() {
  const dir = mkdtempSync(join(tmpdir(), 'glassbox-cc-'));
  try {
    const result = spawnSync(cc, ['-static', '-x', 'c', '-', '-o', join(dir, 'empty')], {
      input: 'int main(void) { return 0; }\n',
      encoding: 'utf8',
    });
    if (result.error) return result.error.message;
    return result.status === 0 ? undefined : result.stderr.trim().split('\n').slice(-2).join(' / ');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const version = spawnSync(cc, ['--version'], { stdio: 'ignore' });
if (version.error || version.status !== 0) {
  skip(`no C compiler (${cc}) found`, 'install a compiler (Debian: apt-get install build-essential)');
}
const linkError = staticLinkError();
if (linkError !== undefined) {
  skip(
    `${cc} cannot link static programs (${linkError})`,
    'install the static C library (Debian: apt-get install libc6-dev)',
  );
}
const make = spawnSync('make', ['-C', 'native', '--no-print-directory', '-s'], { stdio: 'inherit' });
if (make.error) {
  skip(`could not run make (${make.error.message})`, 'install make (Debian: apt-get install make)');
}
process.exit(make.status ?? 1);
