import { describe, expect, it } from 'vitest';
import {
  CAPABILITIES,
  CAP_LAST_KNOWN,
  capabilityName,
  decodeCapabilities,
  encodeCapabilities,
  formatCapabilityMask,
  fullCapabilitySet,
  missingCapabilities,
  parseCapabilityMask,
  parseCapabilityName,
  readCapLastCap,
} from '../../../src/observe/capabilities.js';
import { GlassboxError } from '../../../src/errors.js';
import { loadFixtureTree, memoryReader } from '../../fixtures/observe/readers.js';

// Docker's default set (moby oci/caps/defaults.go), as its containers show it in CapEff.
const DOCKER_DEFAULT = [
  'CAP_CHOWN', 'CAP_DAC_OVERRIDE', 'CAP_FOWNER', 'CAP_FSETID', 'CAP_KILL', 'CAP_SETGID', 'CAP_SETUID', 'CAP_SETPCAP',
  'CAP_NET_BIND_SERVICE', 'CAP_NET_RAW', 'CAP_SYS_CHROOT', 'CAP_MKNOD', 'CAP_AUDIT_WRITE', 'CAP_SETFCAP',
];

describe('capability names', () => {
  it('numbers them as linux/capability.h does', () => {
    expect(CAPABILITIES[0]).toBe('CAP_CHOWN');
    expect(parseCapabilityName('CAP_SYS_ADMIN')).toBe(21);
    expect(parseCapabilityName('CAP_SYS_RESOURCE')).toBe(24);
    expect(parseCapabilityName('CAP_CHECKPOINT_RESTORE')).toBe(40);
    expect(CAP_LAST_KNOWN).toBe(40);
    expect(new Set(CAPABILITIES).size).toBe(CAPABILITIES.length);
  });

  it('accepts the spellings of capsh and docker --cap-drop', () => {
    expect(parseCapabilityName('cap_net_admin')).toBe(12);
    expect(parseCapabilityName('NET_ADMIN')).toBe(12);
    expect(parseCapabilityName('net_admin')).toBe(12);
    expect(parseCapabilityName('CAP_41')).toBe(41);
  });

  it('refuses an unknown name with a user error', () => {
    let caught: unknown;
    try {
      parseCapabilityName('CAP_FLY');
    } catch (error) {
      caught = error;
    }
    expect(GlassboxError.is(caught) && caught.code).toBe('OBSERVE_UNKNOWN_CAPABILITY');
    expect(GlassboxError.is(caught) && caught.kind).toBe('user');
  });

  it('names bits past the table by number', () => {
    expect(capabilityName(41)).toBe('CAP_41');
  });
});

describe('capability masks', () => {
  it('decode Docker default caps from a container status line', () => {
    expect(decodeCapabilities(parseCapabilityMask('00000000a80425fb'))).toEqual(DOCKER_DEFAULT);
  });

  it('round-trip through names', () => {
    expect(formatCapabilityMask(encodeCapabilities(DOCKER_DEFAULT))).toBe('00000000a80425fb');
    for (const mask of [0n, 1n, 0x1fffeffffffn, 1n << 63n]) {
      expect(encodeCapabilities(decodeCapabilities(mask))).toBe(mask);
    }
  });

  it('keep all 64 bits (more than a JS number holds exactly)', () => {
    const mask = parseCapabilityMask('ffffffffffffffff');
    expect(mask).toBe((1n << 64n) - 1n);
    expect(decodeCapabilities(mask)).toHaveLength(64);
  });

  it('reject text that is not a mask', () => {
    expect(() => parseCapabilityMask('xyz')).toThrow(/not a capability mask/);
    expect(() => parseCapabilityMask('1'.repeat(17))).toThrow(/not a capability mask/);
  });
});

describe('missing capabilities', () => {
  it('finds CAP_SYS_RESOURCE missing on the project machine (recorded status)', () => {
    // The hybrid fixture's CapEff, recorded as root on the machine without CAP_SYS_RESOURCE.
    expect(missingCapabilities(parseCapabilityMask('000001fffeffffff'), 40)).toEqual(['CAP_SYS_RESOURCE']);
  });

  it('compares with the set of the running kernel, not the table', () => {
    expect(missingCapabilities(fullCapabilitySet(36), 36)).toEqual([]);
    expect(missingCapabilities(fullCapabilitySet(36), 40)).toEqual(['CAP_AUDIT_READ', 'CAP_PERFMON', 'CAP_BPF', 'CAP_CHECKPOINT_RESTORE']);
    expect(missingCapabilities(0n, 2)).toEqual(['CAP_CHOWN', 'CAP_DAC_OVERRIDE', 'CAP_DAC_READ_SEARCH']);
  });

  it('reads cap_last_cap', () => {
    expect(readCapLastCap(memoryReader(loadFixtureTree('cgroup/v1')))).toBe(36);
    expect(readCapLastCap(memoryReader({ files: { '/proc/sys/kernel/cap_last_cap': '40\n' } }))).toBe(40);
    expect(() => readCapLastCap(memoryReader({ files: { '/proc/sys/kernel/cap_last_cap': 'x\n' } }))).toThrow(/cap_last_cap/);
  });
});
