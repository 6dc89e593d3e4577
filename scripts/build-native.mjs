// Builds the static C helpers in native/ (make). Without a C compiler the build says so
// and stops without failing: the simulated kernel needs no native binary.
import { spawnSync } from 'node:child_process';

const cc = process.env.CC ?? 'cc';
const probe = spawnSync(cc, ['--version'], { stdio: 'ignore' });
if (probe.error || probe.status !== 0) {
  console.error(
    `glassbox: no C compiler (${cc}) found: the native helpers were not built.\n` +
      '  The tour still runs on the simulated kernel. To run it for real, install a compiler\n' +
      '  (Debian: apt-get install build-essential) and run: npm run build',
  );
  process.exit(0);
}
const make = spawnSync('make', ['-C', 'native', '--no-print-directory', '-s'], { stdio: 'inherit' });
if (make.error) {
  console.error(`glassbox: could not run make (${make.error.message}): the native helpers were not built`);
  process.exit(0);
}
process.exit(make.status ?? 1);
