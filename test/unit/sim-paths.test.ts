import { describe, expect, it } from 'vitest';
import { outcome } from '../helpers/outcome.js';
import { MS } from '../../src/kernel/flags.js';
import { createSimKernel } from '../../src/kernel/sim/index.js';

describe('simulated path resolution', () => {
  it('follows at most 40 symlinks in one lookup, then ELOOP', () => {
    const k = createSimKernel();
    const d = k.mkdtemp('/tmp/glassbox-');
    k.writeFile(`${d}/l0`, 'end');
    for (let i = 1; i <= 41; i += 1) k.symlink(`l${i - 1}`, `${d}/l${i}`);
    expect(k.readFile(`${d}/l40`)).toBe('end');
    expect(outcome(() => k.readFile(`${d}/l41`))).toBe('ELOOP');
    // lstat does not follow the last link, but a trailing slash makes it.
    expect(k.lstat(`${d}/l41`).type).toBe('symlink');
    expect(outcome(() => k.lstat(`${d}/l41/`))).toBe('ELOOP');
    expect(outcome(() => k.lstat(`${d}/l40/`))).toBe('ENOTDIR');
  });

  it('limits names to 255 bytes and paths to 4095', () => {
    const k = createSimKernel();
    expect(outcome(() => k.lstat(`/tmp/${'a'.repeat(256)}`))).toBe('ENAMETOOLONG');
    expect(outcome(() => k.lstat(`/tmp/${'a'.repeat(255)}`))).toBe('ENOENT');
    expect(outcome(() => k.lstat(`/${'a/'.repeat(2048)}`))).toBe('ENAMETOOLONG');
    expect(outcome(() => k.lstat(''))).toBe('ENOENT');
  });

  it('walks .. out of a mount into the directory it sits on', () => {
    const k = createSimKernel();
    const d = k.mkdtemp('/tmp/glassbox-');
    k.mkdir(`${d}/m`);
    k.writeFile(`${d}/beside`, 'here');
    k.mount({ source: 'tmpfs', target: `${d}/m`, fstype: 'tmpfs', flags: 0 });
    k.mkdir(`${d}/m/sub`);
    expect(k.readFile(`${d}/m/sub/../../beside`)).toBe('here');
    // `..` at the root stays at the root.
    expect(k.readdir('/../../..')).toEqual(k.readdir('/'));
    k.umount(`${d}/m`);
  });

  it('resolves relative paths from the working directory, /tmp', () => {
    const k = createSimKernel();
    const dir = k.mkdtemp('glassbox-');
    expect(dir.startsWith('glassbox-')).toBe(true);
    expect(k.lstat(`/tmp/${dir}`).type).toBe('dir');
    expect(k.lstat(`/tmp/${dir}`).mode & 0o777).toBe(0o700);
  });

  it('applies the umask (022) to what it creates', () => {
    const k = createSimKernel();
    const d = k.mkdtemp('/tmp/glassbox-');
    k.mkdir(`${d}/d`);
    k.writeFile(`${d}/f`, '');
    k.mknod(`${d}/p`, 0o010666, 0, 0);
    expect(k.lstat(`${d}/d`).mode & 0o7777).toBe(0o755);
    expect(k.lstat(`${d}/f`).mode & 0o7777).toBe(0o644);
    expect(k.lstat(`${d}/p`)).toMatchObject({ type: 'fifo', mode: 0o010644 });
  });

  it('creates the target of a dangling symlink on write, as O_CREAT does', () => {
    const k = createSimKernel();
    const d = k.mkdtemp('/tmp/glassbox-');
    k.symlink('target', `${d}/link`);
    k.writeFile(`${d}/link`, 'made');
    expect(k.readFile(`${d}/target`)).toBe('made');
    expect(k.readlink(`${d}/link`)).toBe('target');
  });

  it('refuses writes on a read-only bind, after the existence check', () => {
    const k = createSimKernel();
    const d = k.mkdtemp('/tmp/glassbox-');
    k.mkdir(`${d}/ro`);
    k.mount({ source: `${d}/ro`, target: `${d}/ro`, fstype: null, flags: MS.MS_BIND });
    k.mount({ source: '', target: `${d}/ro`, fstype: null, flags: MS.MS_REMOUNT | MS.MS_BIND | MS.MS_RDONLY });
    expect(outcome(() => k.writeFile(`${d}/ro/f`, 'x'))).toBe('EROFS');
    // EEXIST is found before the mount is asked for write access.
    expect(outcome(() => k.mkdir(`${d}/ro`))).toBe('EEXIST');
    k.umount(`${d}/ro`);
  });
});
