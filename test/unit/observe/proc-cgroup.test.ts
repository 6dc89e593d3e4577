import { describe, expect, it } from 'vitest';
import { parseProcCgroup } from '../../../src/observe/proc-cgroup.js';
import { loadFixtureTree } from '../../fixtures/observe/readers.js';

describe('/proc/<pid>/cgroup', () => {
  it('parses v1 lines with co-mounted controllers and a named hierarchy', () => {
    const entries = parseProcCgroup(loadFixtureTree('cgroup/v1').files['/proc/self/cgroup']!);
    expect(entries).toHaveLength(11);
    expect(entries.find((e) => e.hierarchyId === 4)).toEqual({
      hierarchyId: 4,
      controllers: ['cpuacct', 'cpu'],
      name: null,
      path: '/user.slice',
      deleted: false,
    });
    expect(entries.find((e) => e.hierarchyId === 1)).toMatchObject({ controllers: [], name: 'systemd' });
  });

  it('parses the v2 line', () => {
    expect(parseProcCgroup('0::/user.slice/a.scope\n')).toEqual([
      { hierarchyId: 0, controllers: [], name: null, path: '/user.slice/a.scope', deleted: false },
    ]);
  });

  it('keeps a colon inside the path and notes a deleted cgroup', () => {
    expect(parseProcCgroup('0::/a:b (deleted)\n')[0]).toMatchObject({ path: '/a:b', deleted: true });
  });

  it('refuses a malformed line', () => {
    expect(() => parseProcCgroup('memory:/x\n')).toThrow(/cannot parse cgroup line/);
  });
});
