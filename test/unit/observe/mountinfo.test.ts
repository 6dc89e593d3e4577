import { describe, expect, it } from 'vitest';
import {
  decodeMountField,
  describePropagation,
  mountOption,
  parseMountInfo,
  parseMountInfoLine,
  readMountInfo,
} from '../../../src/observe/mountinfo.js';
import { loadFixtureTree, memoryReader } from '../../fixtures/observe/readers.js';

const v2 = loadFixtureTree('cgroup/v2');
const docker = loadFixtureTree('cgroup/v1-docker');

describe('mountinfo lines', () => {
  it('parse every field of a propagation-tagged line', () => {
    const entry = parseMountInfoLine(
      '35 24 0:28 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:9 - cgroup2 cgroup2 rw,nsdelegate,memory_recursiveprot',
    );
    expect(entry).toEqual({
      mountId: 35,
      parentId: 24,
      major: 0,
      minor: 28,
      root: '/',
      mountPoint: '/sys/fs/cgroup',
      options: ['rw', 'nosuid', 'nodev', 'noexec', 'relatime'],
      optionalFields: { shared: 9, master: null, propagateFrom: null, unbindable: false },
      fsType: 'cgroup2',
      source: 'cgroup2',
      superOptions: ['rw', 'nsdelegate', 'memory_recursiveprot'],
    });
  });

  it('read several optional fields, none, and ignore unknown ones', () => {
    const fields = (tags: string) => parseMountInfoLine(`1 0 8:1 / /x rw ${tags} - ext4 /dev/sda1 rw`.replace('rw  -', 'rw -')).optionalFields;
    expect(fields('shared:2 master:1')).toEqual({ shared: 2, master: 1, propagateFrom: null, unbindable: false });
    expect(fields('master:4 propagate_from:3')).toMatchObject({ master: 4, propagateFrom: 3 });
    expect(fields('unbindable')).toMatchObject({ unbindable: true });
    expect(fields('')).toEqual({ shared: null, master: null, propagateFrom: null, unbindable: false });
    expect(fields('future:7 shared:1')).toMatchObject({ shared: 1 });
  });

  it('decode octal escapes in paths, source and options', () => {
    const [usb] = parseMountInfo(v2.files['/proc/self/mountinfo']!).filter((e) => e.source === '/dev/sdb1');
    expect(usb!.mountPoint).toBe('/media/alice/USB Stick');
    const odd = parseMountInfoLine('7 1 0:5 /a\\134b /mnt/tab\\011new\\012line rw - tmpfs my\\040src rw,x=a\\054b');
    expect(odd.root).toBe('/a\\b');
    expect(odd.mountPoint).toBe('/mnt/tab\tnew\nline');
    expect(odd.source).toBe('my src');
    // An escaped comma belongs to its option; it is not a separator.
    expect(odd.superOptions).toEqual(['rw', 'x=a,b']);
  });

  it('decode escaped bytes of a UTF-8 name', () => {
    expect(decodeMountField('/mnt/\\355\\225\\234')).toBe('/mnt/한');
    expect(decodeMountField('/plain/한글')).toBe('/plain/한글');
    expect(decodeMountField('/not\\9escape')).toBe('/not\\9escape');
  });

  it('keep the nsfs root of a bind-mounted namespace', () => {
    const netns = parseMountInfo(v2.files['/proc/self/mountinfo']!).find((e) => e.fsType === 'nsfs');
    expect(netns).toMatchObject({ root: 'net:[4026532745]', mountPoint: '/run/docker/netns/6f2a1c9e3b07' });
  });

  it('refuse a line without the separator', () => {
    expect(() => parseMountInfoLine('35 24 0:28 / /sys/fs/cgroup rw shared:9 cgroup2 cgroup2 rw')).toThrow(/cannot parse mountinfo/);
    expect(() => parseMountInfoLine('x 24 0:28 / /a rw - tmpfs tmpfs rw')).toThrow(/cannot parse mountinfo/);
  });
});

describe('mount tables', () => {
  it('read one entry per line, in order', () => {
    const text = docker.files['/proc/self/mountinfo']!;
    const entries = readMountInfo(memoryReader(docker), 'self');
    expect(entries).toHaveLength(text.trim().split('\n').length);
    expect(entries[0]).toMatchObject({ mountPoint: '/', fsType: 'overlay', optionalFields: { master: 418 } });
  });

  it('show a container masking /proc/kcore with a bind of a tmpfs /null', () => {
    const kcore = readMountInfo(memoryReader(docker)).find((e) => e.mountPoint === '/proc/kcore');
    expect(kcore).toMatchObject({ root: '/null', fsType: 'tmpfs' });
  });

  it('give overlay layer directories through mountOption', () => {
    const overlay = readMountInfo(memoryReader(docker))[0]!;
    expect(mountOption(overlay.superOptions, 'lowerdir')?.split(':')).toHaveLength(2);
    expect(mountOption(overlay.superOptions, 'upperdir')).toMatch(/\/diff$/);
    expect(mountOption(overlay.options, 'relatime')).toBe('');
    expect(mountOption(overlay.options, 'noexec')).toBeUndefined();
    expect(mountOption(['size=1k', 'size=2k'], 'size')).toBe('2k');
  });

  it('describe propagation as findmnt does', () => {
    const none = { shared: null, master: null, propagateFrom: null, unbindable: false };
    expect(describePropagation(none)).toBe('private');
    expect(describePropagation({ ...none, shared: 1 })).toBe('shared');
    expect(describePropagation({ ...none, master: 1 })).toBe('slave');
    expect(describePropagation({ ...none, shared: 2, master: 1 })).toBe('shared,slave');
    expect(describePropagation({ ...none, unbindable: true })).toBe('unbindable');
  });
});
