import { ERRNO } from '../errno.js';
import { ErrnoFailure } from '../trace.js';

/**
The kernel's number parsers as cgroup handlers use them, so that the same text is accepted or
refused with the same errno: kstrtoll()/kstrtoull() (base 0, one trailing newline, ERANGE on
overflow), memparse() (K/M/G/T/P/E suffixes) and strstrip().
*/

export const PAGE_SIZE = 4096n;
/** PAGE_COUNTER_MAX on 64-bit: LONG_MAX / PAGE_SIZE pages. */
export const PAGE_COUNTER_MAX = 0x7fffffffffffffffn / PAGE_SIZE;
const S64_MAX = 0x7fffffffffffffffn;
const U64_MAX = 0xffffffffffffffffn;

/** strstrip(): leading and trailing whitespace go. */
export function strip(text: string): string {
  return text.replace(/^[\s]+|[\s]+$/g, '');
}

/** simple_strtoull() with base 0: the digits it takes and what is left. */
function parseDigits(text: string): { value: bigint; rest: string; digits: number } {
  let base = 10n;
  let body = text;
  if (/^0[xX][0-9a-fA-F]/.test(body)) {
    base = 16n;
    body = body.slice(2);
  } else if (/^0./.test(body)) {
    base = 8n;
    body = body.slice(1);
  }
  let value = 0n;
  let digits = 0;
  for (const char of body) {
    const digit = parseInt(char, Number(base));
    if (Number.isNaN(digit)) break;
    value = value * base + BigInt(digit);
    digits += 1;
  }
  return { value, rest: body.slice(digits), digits: digits + (text.length - body.length) };
}

/** kstrtoull(s, 0): EINVAL for anything but digits (and one trailing newline), ERANGE above U64_MAX. */
export function kstrtoull(text: string): bigint {
  const body = text.startsWith('+') ? text.slice(1) : text;
  const trimmed = body.endsWith('\n') ? body.slice(0, -1) : body;
  const { value, rest, digits } = parseDigits(trimmed);
  if (digits === 0 || rest !== '') throw new ErrnoFailure(ERRNO.EINVAL);
  if (value > U64_MAX) throw new ErrnoFailure(ERRNO.ERANGE);
  return value;
}

/** kstrtoll(s, 0): kstrtoull with a sign; ERANGE outside the s64 range. */
export function kstrtoll(text: string): bigint {
  if (text.startsWith('-')) {
    const magnitude = kstrtoull(text.slice(1));
    if (magnitude > S64_MAX + 1n) throw new ErrnoFailure(ERRNO.ERANGE);
    return -magnitude;
  }
  const value = kstrtoull(text);
  if (value > S64_MAX) throw new ErrnoFailure(ERRNO.ERANGE);
  return value;
}

/** memparse(): a number with an optional K, M, G, T, P or E suffix (either case). */
export function memparse(text: string): { bytes: bigint; rest: string } {
  const { value, rest } = parseDigits(text);
  const shifts: Record<string, bigint> = { k: 10n, m: 20n, g: 30n, t: 40n, p: 50n, e: 60n };
  const shift = rest.length > 0 ? shifts[rest[0]!.toLowerCase()] : undefined;
  if (shift === undefined) return { bytes: value & U64_MAX, rest };
  return { bytes: (value << shift) & U64_MAX, rest: rest.slice(1) };
}

/**
page_counter_memparse(): `max` (or v1's `-1`) is the largest limit, anything else memparse() that
must use the whole string; the result is in pages, rounded down.
*/
export function parseMemoryLimit(text: string, maxWord: string): bigint {
  const value = strip(text);
  if (value === maxWord) return PAGE_COUNTER_MAX;
  const { bytes, rest } = memparse(value);
  if (rest !== '') throw new ErrnoFailure(ERRNO.EINVAL);
  const pages = bytes / PAGE_SIZE;
  return pages < PAGE_COUNTER_MAX ? pages : PAGE_COUNTER_MAX;
}

/** `0-1,3`: cpulist_parse() for cpuset files; EINVAL for malformed lists or ids outside `limit`. */
export function parseCpuList(text: string, limit: number): number[] {
  const value = strip(text);
  if (value === '') return [];
  const ids = new Set<number>();
  for (const part of value.split(',')) {
    const match = /^(\d+)(?:-(\d+))?$/.exec(part);
    if (match === null) throw new ErrnoFailure(ERRNO.EINVAL);
    const from = Number(match[1]);
    const to = match[2] === undefined ? from : Number(match[2]);
    if (to < from || to >= limit) throw new ErrnoFailure(ERRNO.EINVAL);
    for (let id = from; id <= to; id += 1) ids.add(id);
  }
  return [...ids].sort((a, b) => a - b);
}

/** The kernel's way of printing a cpu list: ranges joined by commas (`0-1,3`). */
export function formatCpuList(ids: number[]): string {
  const parts: string[] = [];
  for (let i = 0; i < ids.length; ) {
    let j = i;
    while (j + 1 < ids.length && ids[j + 1] === ids[j]! + 1) j += 1;
    parts.push(i === j ? `${ids[i]}` : `${ids[i]}-${ids[j]}`);
    i = j + 1;
  }
  return parts.join(',');
}
