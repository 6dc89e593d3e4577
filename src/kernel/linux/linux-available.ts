import { readFileSync } from 'node:fs';
import * as libc from './libc.js';

/** CAP_SYS_ADMIN is bit 21 of the capability sets (capability(7)); mount(2) needs it. */
const CAP_SYS_ADMIN = 21n;

export interface LinuxAvailability {
  ok: boolean;
  reason?: string;
}

/** Effective capabilities from /proc/self/status (`CapEff: 000001ffffffffff`). */
export function effectiveCapabilities(status: string): bigint | undefined {
  const match = /^CapEff:\s*([0-9a-f]+)$/m.exec(status);
  return match === null ? undefined : BigInt(`0x${match[1]}`);
}

/**
Whether the real kernel can be used: Linux, libc bound through koffi, and CAP_SYS_ADMIN in the
effective set (root has it unless a container dropped it).
The doctor shows the reason; the CLI falls back to the simulation with it.
*/
export function linuxKernelAvailable(): LinuxAvailability {
  if (process.platform !== 'linux') return { ok: false, reason: `not Linux (${process.platform})` };
  try {
    libc.bindLibc();
  } catch (error) {
    return { ok: false, reason: `cannot load libc through koffi: ${(error as Error).message}` };
  }
  const euid = process.geteuid?.() ?? -1;
  let caps: bigint | undefined;
  try {
    caps = effectiveCapabilities(readFileSync('/proc/self/status', 'utf8'));
  } catch {
    caps = undefined;
  }
  if (caps === undefined) return { ok: false, reason: 'cannot read capabilities from /proc/self/status' };
  if ((caps >> CAP_SYS_ADMIN) & 1n) return { ok: true };
  return {
    ok: false,
    reason: euid === 0 ? 'root but without CAP_SYS_ADMIN (a container dropped it)' : `not root (euid ${euid}) and no CAP_SYS_ADMIN`,
  };
}
