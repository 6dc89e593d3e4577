import { describe, expect, it } from 'vitest';
import { checkDirWritable } from '../../../src/observe/cgroup-access.js';
import { memoryReader } from '../../fixtures/observe/readers.js';

const user = {
  uid: { real: 1000, effective: 1000, saved: 1000, filesystem: 1000 },
  gid: { real: 1000, effective: 1000, saved: 1000, filesystem: 1000 },
  groups: [27],
  capabilities: { inheritable: 0n, permitted: 0n, effective: 0n, bounding: 0n, ambient: 0n },
};

function check(meta: { mode: number; uid: number; gid: number }, options: string[] = ['rw'], self = user) {
  return checkDirWritable(memoryReader({ files: {}, dirs: { '/cg': meta } }), '/cg', options, self);
}

describe('checkDirWritable', () => {
  it('needs write and search on the class that applies', () => {
    expect(check({ mode: 0o755, uid: 1000, gid: 0 }).writable).toBe(true);
    expect(check({ mode: 0o655, uid: 1000, gid: 0 }).writable).toBe(false);
    expect(check({ mode: 0o775, uid: 0, gid: 27 }).writable).toBe(true);
    expect(check({ mode: 0o757, uid: 0, gid: 0 }).writable).toBe(true);
  });

  it('uses only the owner bits for the owner, as the kernel does', () => {
    expect(check({ mode: 0o577, uid: 1000, gid: 1000 }).writable).toBe(false);
  });

  it('lets CAP_DAC_OVERRIDE through a 0555 hierarchy root, but not through a read-only mount', () => {
    const root = { ...user, uid: { ...user.uid, filesystem: 0 }, capabilities: { ...user.capabilities, effective: 1n << 1n } };
    expect(check({ mode: 0o555, uid: 0, gid: 0 }, ['rw'], root)).toEqual({ writable: true, reason: null });
    expect(check({ mode: 0o755, uid: 0, gid: 0 }, ['ro'], root)).toEqual({ writable: false, reason: 'mounted read-only' });
  });

  it('says what is missing', () => {
    expect(check({ mode: 0o755, uid: 0, gid: 0 }).reason).toBe('/cg is owned by 0:0 with mode 0755; we are 1000:1000 without CAP_DAC_OVERRIDE');
    expect(checkDirWritable(memoryReader({ files: {} }), '/nope', [], user).reason).toBe('/nope does not exist');
    expect(checkDirWritable(memoryReader({ files: { '/f': '' } }), '/f', [], user).reason).toBe('/f is not a directory');
  });
});
