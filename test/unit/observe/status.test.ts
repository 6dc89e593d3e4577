import { describe, expect, it } from 'vitest';
import { parseStatus, readStatus } from '../../../src/observe/status.js';
import { loadFixtureTree, memoryReader } from '../../fixtures/observe/readers.js';

const statusOf = (fixture: string) => readStatus(memoryReader(loadFixtureTree(fixture)), 'self');

describe('status', () => {
  it('parses the recorded root shell on the project machine', () => {
    const status = statusOf('cgroup/hybrid');
    expect(status.name).toBe('bash');
    expect(status.state).toEqual({ code: 'S', description: 'sleeping' });
    expect(status.uid).toEqual({ real: 0, effective: 0, saved: 0, filesystem: 0 });
    expect(status.groups).toEqual([]);
    expect(status.nsPid).toEqual([status.pid]);
    expect(status.capabilities.effective).toBe(0x1fffeffffffn);
    expect(status.capabilityNames.effective).not.toContain('CAP_SYS_RESOURCE');
    expect(status.capabilityNames.effective).toContain('CAP_SYS_ADMIN');
    expect(status.capabilityNames.ambient).toEqual([]);
    expect(status.noNewPrivs).toBe(false);
    expect(status.seccomp).toBe('disabled');
    expect(status.seccompFilters).toBe(0);
  });

  it('parses a user with supplementary groups and no capabilities', () => {
    const status = statusOf('cgroup/v2');
    expect(status.uid.effective).toBe(1000);
    expect(status.gid.filesystem).toBe(1000);
    expect(status.groups).toEqual([4, 24, 27, 30, 46, 100, 114, 1000]);
    expect(status.capabilities.effective).toBe(0n);
    expect(status.capabilityNames.bounding).toHaveLength(41);
  });

  it('parses a Docker container process: seccomp filter, inherited caps', () => {
    const status = statusOf('cgroup/v1-docker');
    expect(status.pid).toBe(1);
    expect(status.ppid).toBe(0);
    expect(status.seccomp).toBe('filter');
    expect(status.seccompFilters).toBeNull();
    expect(status.capabilityNames.inheritable).toContain('CAP_NET_RAW');
    expect(status.capabilityNames.effective).not.toContain('CAP_SYS_ADMIN');
  });

  it('copes with a 3.10 kernel: no CapAmb, NSpid or NoNewPrivs', () => {
    const status = statusOf('cgroup/v1');
    expect(status.capabilities.ambient).toBeNull();
    expect(status.capabilityNames.ambient).toBeNull();
    expect(status.nsPid).toEqual([1342]);
    expect(status.noNewPrivs).toBe(false);
    expect(status.groups).toEqual([0]);
  });

  const minimal = [
    'Name:\tsleep', 'State:\tS (sleeping)', 'Tgid:\t4242', 'Pid:\t4242', 'PPid:\t4200',
    'Uid:\t1000\t0\t0\t0', 'Gid:\t5\t5\t5\t5', 'Groups:\t', 'NSpid:\t4242\t7\t1',
    'CapInh:\t0000000000000000', 'CapPrm:\t0000000000000000', 'CapEff:\t0000000000200000',
    'CapBnd:\t000001ffffffffff', 'CapAmb:\t0000000000000000', 'NoNewPrivs:\t1', 'Seccomp:\t2',
  ];

  it('reads the NSpid chain outermost first and the four uids in order', () => {
    const status = parseStatus(minimal.join('\n'));
    expect(status.nsPid).toEqual([4242, 7, 1]);
    expect(status.uid).toEqual({ real: 1000, effective: 0, saved: 0, filesystem: 0 });
    expect(status.capabilityNames.effective).toEqual(['CAP_SYS_ADMIN']);
    expect(status.noNewPrivs).toBe(true);
    expect(status.seccomp).toBe('filter');
  });

  it('decodes an escaped task name', () => {
    expect(parseStatus(['Name:\ta\\nb\\\\c', ...minimal.slice(1)].join('\n')).name).toBe('a\nb\\c');
  });

  it('refuses a status without the fields it needs', () => {
    expect(() => parseStatus(minimal.filter((line) => !line.startsWith('Uid')).join('\n'))).toThrow(/Uid/);
    expect(() => parseStatus(minimal.filter((line) => !line.startsWith('CapEff')).join('\n'))).toThrow(/CapEff/);
    expect(() => parseStatus(minimal.map((line) => line.replace('Seccomp:\t2', 'Seccomp:\t9')).join('\n'))).toThrow(/Seccomp/);
  });
});
