import { GlassboxError } from '../errors.js';
import type { ExecSpec } from './exec-spec.js';
import type { ContainerSpec, MountSpec } from './spec.js';
import { checkDuplicateMounts, orderMounts } from './volumes.js';

/**
The control socket between Node and gbx-run (native/run-channel.h): frames of a
4-byte big-endian length N, then N bytes, the first of which is the frame type.
Node sends S (spec), R (release), G (go); gbx-run sends J + one JSON event.
*/
export const MAX_FRAME = 1 << 20;

export type FrameType = 'S' | 'R' | 'G' | 'J';

export function encodeFrame(type: FrameType, payload: Uint8Array = new Uint8Array()): Buffer {
  if (payload.length + 1 > MAX_FRAME) {
    throw new GlassboxError('RUN_FRAME_TOO_LARGE', `a ${type} frame of ${payload.length} bytes is over ${MAX_FRAME}`, {
      kind: 'user',
    });
  }
  const frame = Buffer.alloc(5 + payload.length);
  frame.writeUInt32BE(payload.length + 1, 0);
  frame.write(type, 4, 'latin1');
  frame.set(payload, 5);
  return frame;
}

/** Collects bytes from the socket and yields whole frames; a bad length is a broken helper. */
export class FrameReader {
  private buffer: Buffer = Buffer.alloc(0);

  push(chunk: Buffer): { type: string; payload: Buffer }[] {
    this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
    const frames: { type: string; payload: Buffer }[] = [];
    while (this.buffer.length >= 4) {
      const length = this.buffer.readUInt32BE(0);
      if (length < 1 || length > MAX_FRAME) {
        throw new GlassboxError('RUN_PROTOCOL', `gbx-run sent a frame of length ${length}`, { kind: 'bug' });
      }
      if (this.buffer.length < 4 + length) break;
      frames.push({ type: this.buffer.toString('latin1', 4, 5), payload: this.buffer.subarray(5, 4 + length) });
      this.buffer = this.buffer.subarray(4 + length);
    }
    return frames;
  }

  /** Bytes of a frame that never completed. */
  get pending(): number {
    return this.buffer.length;
  }
}

function checkEntry(key: string, value: string): string {
  // A NUL would end the entry early in C: the rest would be read as another key.
  if (value.includes('\0')) {
    throw new GlassboxError('RUN_BAD_SPEC', `the ${key} value ${JSON.stringify(value)} contains a NUL byte`, { kind: 'user' });
  }
  return `${key}=${value}\0`;
}

function encodeEntries(entries: [string, string][]): Buffer {
  return Buffer.from(entries.map(([key, value]) => checkEntry(key, value)).join(''), 'utf8');
}

function mountEntries(mounts: readonly MountSpec[]): [string, string][] {
  return mounts.flatMap((m): [string, string][] => [
    ['mount', m.type],
    ...(m.type === 'bind' ? [['mount_source', m.source] as [string, string]] : []),
    ['mount_dest', m.destination],
    ['mount_options', m.options.join(',')],
  ]);
}

/** The spec as gbx-run reads it: NUL-terminated key=value entries (native/run-spec.h). */
export function encodeSpec(spec: ContainerSpec, options: { step?: boolean } = {}): Buffer {
  const namespaces = spec.userns !== undefined && !spec.namespaces.includes('user') ? [...spec.namespaces, 'user' as const] : spec.namespaces;
  const mounts = orderMounts(spec.mounts ?? [], spec.etcFiles);
  checkDuplicateMounts(mounts);
  if (mounts.length > 0 && !namespaces.includes('mount')) {
    throw new GlassboxError('RUN_BAD_SPEC', 'volumes, --tmpfs and the /etc files need a mount namespace', { kind: 'user' });
  }
  const entries: [string, string][] = [['rootfs', spec.rootfs]];
  for (const ns of namespaces) entries.push(['ns', ns]);
  if (spec.hostname !== undefined && spec.namespaces.includes('uts')) entries.push(['hostname', spec.hostname]);
  entries.push(...processEntries(spec.process));
  entries.push(...mountEntries(mounts));
  for (const path of spec.maskedPaths) entries.push(['mask', path]);
  for (const path of spec.readonlyPaths) entries.push(['readonly', path]);
  if (spec.readonlyRootfs) entries.push(['readonly_rootfs', '1']);
  if (spec.tty === true) entries.push(['tty', '1']);
  if (options.step === true) entries.push(['step', '1']);
  return encodeEntries(entries);
}

/** exec: join=PID and the namespaces to join instead of a root to build. */
export function encodeExecSpec(spec: ExecSpec, options: { step?: boolean } = {}): Buffer {
  if (!Number.isSafeInteger(spec.pid) || spec.pid < 1) {
    throw new GlassboxError('RUN_BAD_SPEC', `exec needs the container's process id, not ${spec.pid}`, { kind: 'bug' });
  }
  const entries: [string, string][] = [['join', String(spec.pid)]];
  for (const ns of spec.namespaces) entries.push(['ns', ns]);
  entries.push(...processEntries(spec.process));
  if (spec.tty === true) entries.push(['tty', '1']);
  if (options.step === true) entries.push(['step', '1']);
  return encodeEntries(entries);
}

function processEntries(p: ContainerSpec['process']): [string, string][] {
  const entries: [string, string][] = [];
  for (const arg of p.args) entries.push(['arg', arg]);
  for (const env of p.env) entries.push(['env', env]);
  entries.push(['cwd', p.cwd], ['user', `${p.uid}:${p.gid}`]);
  for (const group of p.groups) entries.push(['group', String(group)]);
  for (const cap of p.caps) entries.push(['cap', cap]);
  for (const r of p.rlimits) entries.push(['rlimit', `${r.name}:${r.soft}:${r.hard}`]);
  if (p.noNewPrivileges) entries.push(['no_new_privs', '1']);
  return entries;
}

/** The events gbx-run sends (native/README.md, gbx-run). */
export type HelperEvent =
  | { type: 'next'; op: string; args: Record<string, string> }
  | { type: 'step'; op: string; args: Record<string, string>; ret: number; errno: string | null }
  | { type: 'created'; pid: string }
  | { type: 'error'; message: string; errno: string | null }
  | { type: 'exit'; code?: string; signal?: string; status: string };

export function parseEvent(payload: Buffer): HelperEvent {
  const value = JSON.parse(payload.toString('utf8')) as unknown;
  if (typeof value !== 'object' || value === null || typeof (value as { type?: unknown }).type !== 'string') {
    throw new GlassboxError('RUN_PROTOCOL', `gbx-run sent an event without a type: ${payload.toString('utf8')}`, { kind: 'bug' });
  }
  return value as HelperEvent;
}
