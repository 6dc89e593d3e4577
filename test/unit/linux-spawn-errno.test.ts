import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import { execErrno } from '../../src/kernel/linux/spawn-errno.js';
import { ERRNO } from '../../src/kernel/errno.js';

describe('why an exec would fail', () => {
  let dir = '';
  beforeEach(() => {
    dir = fs.mkdtempSync(`${os.tmpdir()}/glassbox-exec-`);
  });
  afterEach(() => {
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('says ENOENT for a missing path or a name on no PATH entry', () => {
    expect(execErrno(`${dir}/missing`)).toBe(ERRNO.ENOENT);
    expect(execErrno('glassbox-no-such-program', `${dir}:${dir}/other`)).toBe(ERRNO.ENOENT);
  });

  it('says EACCES for a file without exec permission or a directory', () => {
    fs.writeFileSync(`${dir}/plain`, '#!/bin/sh\n', { mode: 0o644 });
    fs.mkdirSync(`${dir}/sub`);
    // Even root needs one x bit to exec.
    expect(execErrno(`${dir}/plain`)).toBe(ERRNO.EACCES);
    expect(execErrno(`${dir}/sub`)).toBe(ERRNO.EACCES);
    expect(execErrno('sub', dir)).toBe(ERRNO.EACCES);
  });

  it('says ENOEXEC when the program is there and executable', () => {
    fs.writeFileSync(`${dir}/garbage`, 'not a program', { mode: 0o755 });
    expect(execErrno('garbage', dir)).toBe(8);
  });
});
