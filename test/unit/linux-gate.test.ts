import { describe, expect, it } from 'vitest';
import { decideGate, realKernelRequired } from '../helpers/real-kernel.js';
import { effectiveCapabilities } from '../../src/kernel/linux/linux-available.js';
import type { Kernel } from '../../src/kernel/types.js';

const createKernel = (): Kernel => {
  throw new Error('not called');
};

describe('real kernel gate', () => {
  it('runs when the real kernel is there, required or not', () => {
    expect(decideGate({ ok: true, createKernel }, false).mode).toBe('run');
    expect(decideGate({ ok: true, createKernel }, true).mode).toBe('run');
  });

  it('skips with the reason when not required', () => {
    expect(decideGate({ ok: false, reason: 'not root (euid 1000) and no CAP_SYS_ADMIN' }, false)).toEqual({
      mode: 'skip',
      reason: 'real kernel unavailable: not root (euid 1000) and no CAP_SYS_ADMIN',
    });
  });

  it('fails loudly when GLASSBOX_REQUIRE_REAL=1 and the kernel cannot be used', () => {
    expect(decideGate({ ok: false, reason: 'not Linux (darwin)' }, true)).toEqual({
      mode: 'fail',
      reason: 'GLASSBOX_REQUIRE_REAL=1 but the real kernel cannot be used: not Linux (darwin)',
    });
  });

  it('is required only by GLASSBOX_REQUIRE_REAL=1', () => {
    expect(realKernelRequired({ GLASSBOX_REQUIRE_REAL: '1' })).toBe(true);
    expect(realKernelRequired({ GLASSBOX_REQUIRE_REAL: '0' })).toBe(false);
    expect(realKernelRequired({})).toBe(false);
  });
});

describe('capabilities from /proc/self/status', () => {
  it('reads CapEff as a bit set', () => {
    const caps = effectiveCapabilities('Name:\tnode\nCapInh:\t0000000000000000\nCapEff:\t000001ffffffffff\nCapBnd:\t0\n');
    expect(caps).toBe(0x1ffffffffffn);
    expect((caps! >> 21n) & 1n).toBe(1n);
    expect(effectiveCapabilities('CapEff:\t0000000000000000\n')).toBe(0n);
    expect(effectiveCapabilities('Name:\tnode\n')).toBeUndefined();
  });
});
