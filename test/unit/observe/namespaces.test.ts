import { describe, expect, it } from 'vitest';
import {
  NAMESPACE_TYPES,
  compareNamespaces,
  parseNamespaceLink,
  readNamespaces,
} from '../../../src/observe/namespaces.js';
import { memoryReader } from '../../fixtures/observe/readers.js';

// The host's links as recorded on the project machine (ls -l /proc/self/ns).
const HOST: Record<string, string> = {
  cgroup: 'cgroup:[4026531835]',
  ipc: 'ipc:[4026531839]',
  mnt: 'mnt:[4026531832]',
  net: 'net:[4026531833]',
  pid: 'pid:[4026531836]',
  pid_for_children: 'pid:[4026531836]',
  time: 'time:[4026531834]',
  time_for_children: 'time:[4026531834]',
  user: 'user:[4026531837]',
  uts: 'uts:[4026531838]',
};

function linksOf(pid: number, links: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(links).map(([type, link]) => [`/proc/${pid}/ns/${type}`, link]));
}

describe('namespace links', () => {
  it('parse as kind and inode', () => {
    expect(parseNamespaceLink('mnt:[4026531841]')).toEqual({ kind: 'mnt', inode: 4026531841 });
    expect(parseNamespaceLink('pid_for_children:[1]')).toEqual({ kind: 'pid_for_children', inode: 1 });
    expect(() => parseNamespaceLink('/proc/1/ns/mnt')).toThrow(/not a namespace link/);
  });

  it('read every type, in the kernel order', () => {
    const set = readNamespaces(memoryReader({ files: {}, links: linksOf(1, HOST) }), 1);
    expect(Object.keys(set)).toEqual([...NAMESPACE_TYPES]);
    expect(set.mnt).toEqual({ kind: 'mnt', inode: 4026531832 });
    expect(set.pid_for_children).toEqual({ kind: 'pid', inode: 4026531836 });
  });

  it('give null for types the kernel lacks (no time namespace before 5.6)', () => {
    const { time: _time, time_for_children: _children, ...old } = HOST;
    const set = readNamespaces(memoryReader({ files: {}, links: linksOf(7, old) }), 7);
    expect(set.time).toBeNull();
    expect(set.time_for_children).toBeNull();
    expect(set.uts).toEqual({ kind: 'uts', inode: 4026531838 });
  });

  it('throw other failures', () => {
    const reader = memoryReader({ files: { '/proc/9/ns/mnt': 'not a link' } });
    expect(() => readNamespaces(reader, 9)).toThrow(/EINVAL/);
  });
});

describe('namespace comparison', () => {
  const container = {
    ...HOST,
    mnt: 'mnt:[4026532301]',
    uts: 'uts:[4026532302]',
    pid: 'pid:[4026532303]',
    pid_for_children: 'pid:[4026532303]',
    net: 'net:[4026532305]',
  };
  const reader = memoryReader({ files: {}, links: { ...linksOf(1, HOST), ...linksOf(4242, container) } });

  it('says which namespaces a container shares with the host', () => {
    const rows = compareNamespaces(readNamespaces(reader, 1), readNamespaces(reader, 4242));
    const different = rows.filter((row) => row.same === false).map((row) => row.type);
    expect(different).toEqual(['mnt', 'net', 'pid', 'pid_for_children', 'uts']);
    expect(rows.find((row) => row.type === 'user')).toMatchObject({ same: true });
  });

  it('says unknown when one side is missing', () => {
    const rows = compareNamespaces(readNamespaces(reader, 1), readNamespaces(reader, 5));
    expect(rows.every((row) => row.same === null && row.right === null)).toBe(true);
  });
});
