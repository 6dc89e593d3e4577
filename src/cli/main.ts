// Entry point of the `glassbox` command (bin/glassbox runs it on Node >= 22).
import { runCli } from './run.js';

const code = await runCli(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr });
process.exitCode = code;
