import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { formatLogTime, LogReader, LogTimestamps, openLogWriter, parseLogLine } from '../../src/container/container-log.js';

let dir: string;
let file: string;

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'glassbox-log-'));
  file = path.join(dir, 'log');
});

afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
  expect(fs.existsSync(dir)).toBe(false);
});

describe('the -d container log', () => {
  it('formats times as RFC 3339 with nine fractional digits, in UTC', () => {
    const ms = Date.UTC(2026, 10, 23, 2, 51, 1, 123) + 0.4567;
    expect(formatLogTime(ms)).toBe('2026-11-23T02:51:01.123457000Z');
    expect(Date.parse(formatLogTime(ms))).toBe(Math.floor(ms));
    expect(formatLogTime()).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}000Z$/);
  });

  it('writes a record per chunk with its stream, keeping a UTF-8 character split across chunks whole', async () => {
    const writer = openLogWriter(file);
    const out = new PassThrough();
    const err = new PassThrough();
    writer.pipe('stdout', out);
    writer.pipe('stderr', err);
    const snow = Buffer.from('눈\n');
    out.write(Buffer.from('a\n'));
    await new Promise((resolve) => setImmediate(resolve));
    err.write(snow.subarray(0, 2));
    await new Promise((resolve) => setImmediate(resolve));
    err.end(snow.subarray(2));
    out.end();
    await new Promise((resolve) => setImmediate(resolve));
    writer.write('stderr', 'glassbox: bye\n');
    writer.close();
    const records = new LogReader(file).read(true);
    expect(records.map(({ stream, log }) => [stream, log])).toEqual([
      ['stdout', 'a\n'],
      ['stderr', '눈\n'],
      ['stderr', 'glassbox: bye\n'],
    ]);
    for (const record of records) expect(record.time).toMatch(/Z$/);
  });

  it('reads only whole lines until the end, and a line that is not a record as stderr', () => {
    const reader = new LogReader(file);
    expect(reader.read()).toEqual([]);
    fs.writeFileSync(file, `${JSON.stringify({ stream: 'stdout', time: 't1', log: 'x\n' })}\n{"stream":"std`);
    expect(reader.read()).toEqual([{ stream: 'stdout', time: 't1', log: 'x\n' }]);
    fs.appendFileSync(file, 'err","time":"t2","log":"y"}\nRangeError: boom');
    expect(reader.read()).toEqual([{ stream: 'stderr', time: 't2', log: 'y' }]);
    expect(reader.read(true)).toEqual([{ stream: 'stderr', log: 'RangeError: boom\n' }]);
    expect(parseLogLine('{"stream":"other","log":"z"}')).toEqual({ stream: 'stderr', log: '{"stream":"other","log":"z"}\n' });
  });

  it('-t prefixes every line with its chunk\'s time, not a line another chunk of the same stream began', () => {
    const stamps = new LogTimestamps();
    expect(stamps.apply({ stream: 'stdout', time: 'T1', log: 'a\nb' })).toBe('T1 a\nT1 b');
    expect(stamps.apply({ stream: 'stderr', time: 'T2', log: 'e\n' })).toBe('T2 e\n');
    expect(stamps.apply({ stream: 'stdout', time: 'T3', log: 'c\nd\n' })).toBe('c\nT3 d\n');
    // A line that was not a record takes the last time seen.
    expect(stamps.apply({ stream: 'stderr', log: 'crash\n' })).toBe('T3 crash\n');
  });
});
