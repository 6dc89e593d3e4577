import fs from 'node:fs';
import type { Readable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';

/**
The log of a -d container, kept as docker's json-file driver keeps it: one JSON object per
line, `{"stream":"stdout","time":"2026-11-23T02:51:01.123456789Z","log":"hello\n"}`, appended
by the monitor in the order it read the two pipes. One file rather than one per stream: the
order between stdout and stderr survives (as far as the monitor saw it; two writes within
one poll of both pipes may still swap, as with docker), and each chunk keeps its time for
`logs -t`. A record is a chunk as it was read, not a line: nothing waits for a newline, and
`logs -t` splits lines itself. Text is UTF-8, decoded per stream so that a character split
across two reads stays whole; invalid bytes become U+FFFD (docker's JSON does the same).
A line that is not a record (the monitor's own output if it crashes) is read as stderr.
*/
export type LogStream = 'stdout' | 'stderr';

export interface LogRecord {
  stream: LogStream;
  /** RFC 3339 with nanoseconds, UTC; absent only for a line that was not a record. */
  time?: string;
  log: string;
}

/** Now, as docker's RFC3339NanoFixed prints it (Node's clock gives microseconds: the last three digits are 0). */
export function formatLogTime(epochMs: number = performance.timeOrigin + performance.now()): string {
  const whole = Math.floor(epochMs);
  const micros = Math.min(999, Math.round((epochMs - whole) * 1000));
  const iso = new Date(whole).toISOString(); // …T02:51:01.123Z
  return `${iso.slice(0, -1)}${String(micros).padStart(3, '0')}000Z`;
}

export interface LogWriter {
  write(stream: LogStream, text: string): void;
  /** Appends what `from` gives as records of `stream`, until it ends. */
  pipe(stream: LogStream, from: Readable): void;
  close(): void;
}

/** Appends records to `file`; each record is one write to an O_APPEND fd, so whole lines land. */
export function openLogWriter(file: string): LogWriter {
  const fd = fs.openSync(file, 'a', 0o640);
  let closed = false;
  const write = (stream: LogStream, text: string): void => {
    if (closed || text === '') return;
    fs.writeSync(fd, `${JSON.stringify({ stream, time: formatLogTime(), log: text })}\n`);
  };
  return {
    write,
    pipe(stream, from) {
      const decoder = new StringDecoder('utf8');
      from.on('data', (chunk: Buffer) => write(stream, decoder.write(chunk)));
      from.once('end', () => write(stream, decoder.end()));
    },
    close() {
      if (closed) return;
      closed = true;
      fs.closeSync(fd);
    },
  };
}

export function parseLogLine(line: string): LogRecord {
  if (line.startsWith('{')) {
    try {
      const value = JSON.parse(line) as Partial<LogRecord>;
      if ((value.stream === 'stdout' || value.stream === 'stderr') && typeof value.log === 'string') {
        return { stream: value.stream, ...(typeof value.time === 'string' ? { time: value.time } : {}), log: value.log };
      }
    } catch {
      // Not a record: read as text below.
    }
  }
  return { stream: 'stderr', log: `${line}\n` };
}

/**
Reads a log from where it stopped last time. Only whole lines are taken (the monitor may be
halfway through a write), unless `final`: then what is left is a line of its own.
*/
export class LogReader {
  private offset = 0;
  private rest = Buffer.alloc(0);

  constructor(private readonly file: string) {}

  read(final = false): LogRecord[] {
    const records: LogRecord[] = [];
    let fd: number | undefined;
    try {
      fd = fs.openSync(this.file, 'r');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
    if (fd !== undefined) {
      try {
        const buffer = Buffer.alloc(1 << 16);
        for (;;) {
          const n = fs.readSync(fd, buffer, 0, buffer.length, this.offset);
          if (n === 0) break;
          this.offset += n;
          this.take(Buffer.concat([this.rest, buffer.subarray(0, n)]), records);
        }
      } finally {
        fs.closeSync(fd);
      }
    }
    if (final && this.rest.length > 0) {
      records.push(parseLogLine(this.rest.toString('utf8')));
      this.rest = Buffer.alloc(0);
    }
    return records;
  }

  private take(data: Buffer, records: LogRecord[]): void {
    let start = 0;
    for (let nl = data.indexOf(10); nl !== -1; nl = data.indexOf(10, start)) {
      if (nl > start) records.push(parseLogLine(data.toString('utf8', start, nl)));
      start = nl + 1;
    }
    this.rest = Buffer.from(data.subarray(start));
  }
}

/**
`logs -t`: each line starts with its record's time, as docker prints it. A record that goes on
with a line an earlier record of the same stream began is not prefixed again.
*/
export class LogTimestamps {
  private readonly atLineStart: Record<LogStream, boolean> = { stdout: true, stderr: true };
  private lastTime: string | undefined;

  apply(record: LogRecord): string {
    const time = record.time ?? this.lastTime;
    this.lastTime = time;
    let out = '';
    for (const piece of record.log.split(/(?<=\n)/)) {
      if (this.atLineStart[record.stream] && time !== undefined) out += `${time} `;
      out += piece;
      this.atLineStart[record.stream] = piece.endsWith('\n');
    }
    return out;
  }
}
