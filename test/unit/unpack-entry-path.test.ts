import { describe, expect, it } from 'vitest';
import { classifyEntry, cleanEntryPath, parentPaths } from '../../src/unpack/entry-path.js';
import { DEFAULT_LIMITS } from '../../src/unpack/limits.js';

const clean = (name: string) => cleanEntryPath(name, DEFAULT_LIMITS);

describe('entry paths', () => {
  it('cleans names lexically', () => {
    expect(clean('./usr//bin/./env')).toEqual({ path: 'usr/bin/env', components: ['usr', 'bin', 'env'] });
    expect(clean('etc/')).toEqual({ path: 'etc', components: ['etc'] });
    expect(clean('./')).toEqual({ path: '', components: [] });
    expect(clean('.')).toEqual({ path: '', components: [] });
    expect(clean('a b/ünïcode')).toEqual({ path: 'a b/ünïcode', components: ['a b', 'ünïcode'] });
  });

  it('refuses absolute names, .. anywhere, NUL and empty names', () => {
    expect(() => clean('/etc/passwd')).toThrow(/"\/etc\/passwd": absolute name/);
    expect(() => clean('../x')).toThrow(/has a \.\. component/);
    expect(() => clean('a/b/../../..')).toThrow(/has a \.\. component/);
    expect(() => clean('a/../b')).toThrow(/has a \.\. component/);
    expect(() => clean('a\0b')).toThrow(/NUL byte/);
    expect(() => clean('')).toThrow(/empty name/);
    expect(() => cleanEntryPath('/x', DEFAULT_LIMITS, 'hardlink target')).toThrow(/absolute hardlink target/);
  });

  it('counts bytes, not characters, against the limits', () => {
    expect(() => clean('é'.repeat(128))).toThrow(/longer than 255 bytes/);
    expect(clean('é'.repeat(127)).path).toHaveLength(127);
    expect(() => cleanEntryPath('a/'.repeat(30), { maxPathBytes: 50, maxNameBytes: 255 })).toThrow(/longer than 50 bytes/);
  });

  it('lists parents shortest first', () => {
    expect(parentPaths(['a', 'b', 'c'])).toEqual(['a', 'a/b']);
    expect(parentPaths(['a'])).toEqual([]);
  });
});

describe('whiteout names', () => {
  const role = (name: string) => classifyEntry(name, clean(name));

  it('tells entries, whiteouts, opaque markers and aufs bookkeeping apart', () => {
    expect(role('etc/passwd')).toEqual({ role: 'entry' });
    expect(role('etc/.wh.motd')).toEqual({ role: 'whiteout', target: { path: 'etc/motd', components: ['etc', 'motd'] } });
    expect(role('.wh.gone')).toEqual({ role: 'whiteout', target: { path: 'gone', components: ['gone'] } });
    expect(role('var/cache/.wh..wh..opq')).toEqual({ role: 'opaque', dir: { path: 'var/cache', components: ['var', 'cache'] } });
    expect(role('.wh..wh..opq')).toEqual({ role: 'opaque', dir: { path: '', components: [] } });
    expect(role('.wh..wh.plnk')).toEqual({ role: 'aufs-meta' });
    expect(role('.wh..wh.plnk/1234.5678')).toEqual({ role: 'aufs-meta' });
    // A name that merely contains .wh. is an ordinary entry.
    expect(role('docs/why.wh.txt')).toEqual({ role: 'entry' });
  });

  it('refuses whiteouts that name nothing, the directory, its parent, or act as directories', () => {
    expect(() => role('d/.wh.')).toThrow(/names no entry/);
    expect(() => role('d/.wh..')).toThrow(/names no entry/);
    expect(() => role('d/.wh...')).toThrow(/names no entry/);
    expect(() => role('.wh.d/file')).toThrow(/whiteout name ".wh.d" used as a directory/);
  });
});
