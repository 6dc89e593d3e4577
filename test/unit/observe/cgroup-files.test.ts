import { describe, expect, it } from 'vitest';
import { CGROUP_FILES, cgroupFileController, cgroupFileNames, type CgroupFileKey } from '../../../src/observe/cgroup-files.js';

describe('cgroup file names', () => {
  it('give the v1 and v2 names of each limit side by side', () => {
    expect(cgroupFileNames('memoryLimit', 1)).toEqual(['memory.limit_in_bytes']);
    expect(cgroupFileNames('memoryLimit', 2)).toEqual(['memory.max']);
    expect(cgroupFileNames('cpuLimit', 1)).toEqual(['cpu.cfs_quota_us', 'cpu.cfs_period_us']);
    expect(cgroupFileNames('cpuLimit', 2)).toEqual(['cpu.max']);
    expect(cgroupFileNames('pidsLimit', 1)).toEqual(cgroupFileNames('pidsLimit', 2));
    expect(cgroupFileNames('oomEvents', 1)).toEqual(['memory.oom_control']);
    expect(cgroupFileNames('oomEvents', 2)).toEqual(['memory.events']);
    expect(cgroupFileNames('procs', 1)).toEqual(['cgroup.procs']);
  });

  it('name files that live in their controller, except core files', () => {
    for (const key of Object.keys(CGROUP_FILES) as CgroupFileKey[]) {
      for (const version of [1, 2] as const) {
        const controller = cgroupFileController(key, version);
        for (const name of cgroupFileNames(key, version)) {
          expect(name.startsWith(`${controller ?? 'cgroup'}.`), `${key} v${version}: ${name}`).toBe(true);
        }
      }
    }
  });

  it('say how "no limit" is written', () => {
    expect(CGROUP_FILES.memoryLimit.unlimited).toEqual({ v1: '-1', v2: 'max' });
    expect(CGROUP_FILES.pidsLimit.unlimited).toEqual({ v1: 'max', v2: 'max' });
  });
});
