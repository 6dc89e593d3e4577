import { GlassboxError } from '../errors.js';
import type { KernelReader } from './reader.js';

/**
Capability numbers from linux/capability.h, in order: the bit a capability sets in
the CapEff/CapPrm/... masks of /proc/<pid>/status. The kernel adds new ones at the end;
cap_last_cap says how far the running kernel goes.
*/
export const CAPABILITIES = [
  'CAP_CHOWN', // 0
  'CAP_DAC_OVERRIDE',
  'CAP_DAC_READ_SEARCH',
  'CAP_FOWNER',
  'CAP_FSETID',
  'CAP_KILL', // 5
  'CAP_SETGID',
  'CAP_SETUID',
  'CAP_SETPCAP',
  'CAP_LINUX_IMMUTABLE',
  'CAP_NET_BIND_SERVICE', // 10
  'CAP_NET_BROADCAST',
  'CAP_NET_ADMIN',
  'CAP_NET_RAW',
  'CAP_IPC_LOCK',
  'CAP_IPC_OWNER', // 15
  'CAP_SYS_MODULE',
  'CAP_SYS_RAWIO',
  'CAP_SYS_CHROOT',
  'CAP_SYS_PTRACE',
  'CAP_SYS_PACCT', // 20
  'CAP_SYS_ADMIN',
  'CAP_SYS_BOOT',
  'CAP_SYS_NICE',
  'CAP_SYS_RESOURCE',
  'CAP_SYS_TIME', // 25
  'CAP_SYS_TTY_CONFIG',
  'CAP_MKNOD',
  'CAP_LEASE',
  'CAP_AUDIT_WRITE',
  'CAP_AUDIT_CONTROL', // 30
  'CAP_SETFCAP',
  'CAP_MAC_OVERRIDE',
  'CAP_MAC_ADMIN',
  'CAP_SYSLOG',
  'CAP_WAKE_ALARM', // 35
  'CAP_BLOCK_SUSPEND',
  'CAP_AUDIT_READ',
  'CAP_PERFMON', // 5.8
  'CAP_BPF', // 5.8
  'CAP_CHECKPOINT_RESTORE', // 40, 5.9
] as const;

export type CapabilityName = (typeof CAPABILITIES)[number];

/** The highest capability number glassbox has a name for. */
export const CAP_LAST_KNOWN = CAPABILITIES.length - 1;

const BY_NAME = new Map<string, number>(CAPABILITIES.map((name, bit) => [name, bit]));

/** A bit's name; bits beyond the table (a newer kernel) print as `CAP_41`, as capsh does with numbers. */
export function capabilityName(bit: number): string {
  return CAPABILITIES[bit] ?? `CAP_${bit}`;
}

/**
A capability number from the spellings people use: `CAP_NET_ADMIN`, `cap_net_admin`,
`NET_ADMIN` (Docker's `--cap-drop`), or `CAP_41`.
*/
export function parseCapabilityName(name: string): number {
  const upper = name.trim().toUpperCase();
  const full = upper.startsWith('CAP_') ? upper : `CAP_${upper}`;
  const bit = BY_NAME.get(full) ?? (/^CAP_\d+$/.test(full) ? Number(full.slice(4)) : undefined);
  if (bit === undefined || bit > 63) {
    throw new GlassboxError('OBSERVE_UNKNOWN_CAPABILITY', `unknown capability ${JSON.stringify(name)}`, {
      kind: 'user',
      hint: 'use a name like CAP_NET_ADMIN or NET_ADMIN (see capabilities(7))',
    });
  }
  return bit;
}

/** Mask → names, lowest bit first. */
export function decodeCapabilities(mask: bigint): string[] {
  const names: string[] = [];
  for (let bit = 0; bit < 64; bit++) if ((mask >> BigInt(bit)) & 1n) names.push(capabilityName(bit));
  return names;
}

/** Names → mask. */
export function encodeCapabilities(names: Iterable<string>): bigint {
  let mask = 0n;
  for (const name of names) mask |= 1n << BigInt(parseCapabilityName(name));
  return mask;
}

/** A status-file mask (`000001fffeffffff`) as a bigint: 64 bits do not fit in a JS number. */
export function parseCapabilityMask(hex: string): bigint {
  const trimmed = hex.trim();
  if (!/^[0-9a-fA-F]{1,16}$/.test(trimmed)) {
    throw new GlassboxError('OBSERVE_BAD_CAPABILITY_MASK', `not a capability mask: ${JSON.stringify(hex)}`, { kind: 'bug' });
  }
  return BigInt(`0x${trimmed}`);
}

/** As the status file prints it: 16 hex digits. */
export function formatCapabilityMask(mask: bigint): string {
  return mask.toString(16).padStart(16, '0');
}

/** Every capability of a kernel whose cap_last_cap is `lastCap`. */
export function fullCapabilitySet(lastCap: number): bigint {
  return (1n << BigInt(lastCap + 1)) - 1n;
}

/**
The capabilities the running kernel has and `effective` lacks, by name. On this
project's machine that is CAP_SYS_RESOURCE: root, but an rlimit cannot be raised
above its hard limit.
*/
export function missingCapabilities(effective: bigint, lastCap: number): string[] {
  return decodeCapabilities(fullCapabilitySet(lastCap) & ~effective);
}

/** /proc/sys/kernel/cap_last_cap: the highest capability number the running kernel knows. */
export function readCapLastCap(reader: KernelReader): number {
  const text = reader.readFile('/proc/sys/kernel/cap_last_cap').trim();
  if (!/^\d+$/.test(text)) {
    throw new GlassboxError('OBSERVE_BAD_CAP_LAST_CAP', `unexpected cap_last_cap: ${JSON.stringify(text)}`, { kind: 'bug' });
  }
  return Number(text);
}
