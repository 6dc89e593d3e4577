import { GlassboxError } from '../errors.js';

export interface Io {
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
  stderr: NodeJS.WritableStream;
}

export function printLines(io: Io, lines: string[]): void {
  io.stdout.write(`${lines.join('\n')}\n`);
}

export function printJson(io: Io, value: unknown): void {
  io.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/**
Prints an error the way a user can act on it: one line, then the hint. Only bugs show a
stack, since for the user and environment kinds the stack says nothing useful.
*/
export function printError(io: Io, error: unknown, json: boolean): number {
  const gb = GlassboxError.is(error) ? error : undefined;
  if (json) {
    const body = gb
      ? { error: { code: gb.code, kind: gb.kind, message: gb.message, hint: gb.hint } }
      : { error: { code: 'GB_INTERNAL', kind: 'bug', message: String(error) } };
    io.stdout.write(`${JSON.stringify(body)}\n`);
  } else {
    const message = error instanceof Error ? error.message : String(error);
    io.stderr.write(`glassbox: ${message}\n`);
    if (gb?.hint) io.stderr.write(`  hint: ${gb.hint}\n`);
    if (!gb || gb.kind === 'bug') {
      io.stderr.write(`${error instanceof Error ? (error.stack ?? '') : ''}\n`);
      io.stderr.write('  this is a bug in glassbox: please report it with the lines above\n');
    }
  }
  return gb?.kind === 'user' ? 2 : 1;
}
