// Entry point of the `glassbox` command (bin/glassbox runs it on Node >= 22), as ES modules and
// as the bundle scripts/build-bundle.mjs makes of it (CommonJS: no top-level await here).
import { runCli } from './run.js';

void runCli(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr }).then((code) => {
  process.exitCode = code;
});
