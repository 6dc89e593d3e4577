import { describe, expect, it } from 'vitest';
import { createSimKernel } from '../../src/kernel/sim/index.js';

// The simulated kernel takes the caller's bytes without copying them on the way in (a layer's
// busybox is 2 MB); each filesystem keeps its own copy, as write(2) and setxattr(2) do.
describe('simulated file data', () => {
  it('keeps what was written, whatever the caller does with its buffer afterwards', () => {
    const k = createSimKernel();
    const d = k.mkdtemp('/tmp/glassbox-');
    const data = Buffer.from('first');
    k.writeFile(`${d}/buffer`, data);
    data.write('XXXXX');
    expect(k.readFile(`${d}/buffer`)).toBe('first');

    // A Uint8Array view into a larger buffer: only its own bytes are written.
    const backing = new Uint8Array(Buffer.from('..middle..'));
    const view = backing.subarray(2, 8);
    k.writeFile(`${d}/view`, view);
    backing.fill(0x21);
    expect(k.readFile(`${d}/view`)).toBe('middle');

    const value = Buffer.from('y');
    k.setxattr(d, 'user.mark', value);
    value.write('n');
    expect(Buffer.from(k.getxattr(d, 'user.mark')).toString()).toBe('y');
  });

  it('keeps its own copy through an overlay copy-up and on a size-limited tmpfs', () => {
    const k = createSimKernel();
    const d = k.mkdtemp('/tmp/glassbox-');
    k.mkdir(`${d}/tmpfs`);
    k.mount({ source: 'tmpfs', target: `${d}/tmpfs`, fstype: 'tmpfs', flags: 0, data: 'size=8k' });
    const data = Buffer.alloc(4096, 0x61);
    k.writeFile(`${d}/tmpfs/a`, data);
    data.fill(0x62);
    expect(k.readFile(`${d}/tmpfs/a`)).toBe('a'.repeat(4096));

    for (const dir of ['lower', 'upper', 'work', 'merged']) k.mkdir(`${d}/${dir}`);
    k.writeFile(`${d}/lower/f`, 'lower');
    k.mount({ source: 'overlay', target: `${d}/merged`, fstype: 'overlay', flags: 0, data: `lowerdir=${d}/lower,upperdir=${d}/upper,workdir=${d}/work` });
    const next = Buffer.from('upper');
    k.writeFile(`${d}/merged/f`, next);
    next.write('wrong');
    expect(k.readFile(`${d}/merged/f`)).toBe('upper');
    expect(k.readFile(`${d}/lower/f`)).toBe('lower');
    k.umount(`${d}/merged`);
    k.umount(`${d}/tmpfs`);
  });
});
