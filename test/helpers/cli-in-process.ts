import { PassThrough } from 'node:stream';
import { runCli } from '../../src/cli/run.js';

/** `glassbox ARGV...` in this process, its output captured: the exit code and both streams. */
export async function cliInProcess(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (chunk) => (out += chunk));
  stderr.on('data', (chunk) => (err += chunk));
  const code = await runCli(argv, { stdout, stderr });
  return { code, out, err };
}
