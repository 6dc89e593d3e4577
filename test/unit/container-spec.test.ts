import { describe, expect, it } from 'vitest';
import { dockerFlagsToSpec } from '../../src/container/docker-flags.js';
import { DEFAULT_CAPS, parseBytes } from '../../src/container/spec.js';
import { FrameReader, encodeFrame, encodeSpec, parseEvent } from '../../src/container/launch-protocol.js';

describe('docker run flags → spec', () => {
  it('maps limits, hostname, user, env, workdir and no-new-privileges', () => {
    const spec = dockerFlagsToSpec('0123456789abcdef', '/r', ['sh'], {
      memory: '32m', memorySwap: '64m', cpus: '0.5', cpuShares: '512', pidsLimit: '20', hostname: 'box',
      user: '1000:100', env: ['A=1', 'PATH=/bin'], workdir: '/tmp', securityOpt: ['no-new-privileges'], readOnly: true,
    });
    expect(spec.limits).toEqual({ memory: 32 << 20, memorySwap: 64 << 20, cpus: 0.5, cpuShares: 512, pidsLimit: 20 });
    expect(spec.hostname).toBe('box');
    expect(spec.process).toMatchObject({ uid: 1000, gid: 100, cwd: '/tmp', noNewPrivileges: true });
    expect(spec.process.env).toEqual(['HOSTNAME=box', 'A=1', 'PATH=/bin']);
    expect(spec.readonlyRootfs).toBe(true);
  });

  it('keeps Docker’s 14 default caps, drops before adding, ALL both ways', () => {
    expect(dockerFlagsToSpec('a', '/r', ['sh'], {}).process.caps).toEqual(DEFAULT_CAPS);
    expect(dockerFlagsToSpec('a', '/r', ['sh'], { capDrop: ['ALL'], capAdd: ['net_admin'] }).process.caps).toEqual(['CAP_NET_ADMIN']);
    const dropped = dockerFlagsToSpec('a', '/r', ['sh'], { capDrop: ['CAP_CHOWN', 'kill'] }).process.caps;
    expect(dropped).not.toContain('CAP_CHOWN');
    expect(dropped).not.toContain('CAP_KILL');
    expect(dropped).toHaveLength(12);
    expect(dockerFlagsToSpec('a', '/r', ['sh'], { capAdd: ['ALL'] }).process.caps).toContain('CAP_SYS_ADMIN');
  });

  it('refuses bad values with the flag named', () => {
    expect(() => dockerFlagsToSpec('a', '/r', ['sh'], { memory: 'lots' })).toThrow(/invalid --memory "lots"/);
    expect(() => dockerFlagsToSpec('a', '/r', ['sh'], { memory: '64m', memorySwap: '32m' })).toThrow(/at least --memory/);
    expect(() => dockerFlagsToSpec('a', '/r', ['sh'], { cpus: '-1' })).toThrow(/--cpus/);
    expect(() => dockerFlagsToSpec('a', '/r', ['sh'], { user: 'nobody' })).toThrow(/--user/);
    expect(() => dockerFlagsToSpec('a', '/r', ['sh'], { workdir: 'tmp' })).toThrow(/absolute/);
    expect(() => dockerFlagsToSpec('a', '/r', ['sh'], { securityOpt: ['seccomp=unconfined'] })).toThrow(/--security-opt/);
    expect(dockerFlagsToSpec('a', '/r', ['sh'], { pidsLimit: '-1' }).limits.pidsLimit).toBeUndefined();
  });

  it('parses Docker byte sizes', () => {
    expect(parseBytes('--memory', '512k')).toBe(512 * 1024);
    expect(parseBytes('--memory', '1g')).toBe(1024 ** 3);
    expect(parseBytes('--memory', '1.5m')).toBe(1.5 * 1024 ** 2);
    expect(parseBytes('--memory-swap', '-1', true)).toBe(-1);
    expect(() => parseBytes('--memory', '-1')).toThrow();
  });
});

describe('the gbx-run control protocol', () => {
  it('frames are a big-endian length, a type byte and the payload; split chunks reassemble', () => {
    const frame = encodeFrame('J', Buffer.from('{"type":"created","pid":"7"}'));
    expect(frame.readUInt32BE(0)).toBe(frame.length - 4);
    const reader = new FrameReader();
    expect(reader.push(frame.subarray(0, 3))).toEqual([]);
    const frames = reader.push(Buffer.concat([frame.subarray(3), encodeFrame('J', Buffer.from('{"type":"x"}'))]));
    expect(frames.map((f) => parseEvent(f.payload).type)).toEqual(['created', 'x']);
    expect(reader.pending).toBe(0);
  });

  it('refuses a frame length of 0 or above 1 MiB', () => {
    expect(() => new FrameReader().push(Buffer.from([0, 0, 0, 0]))).toThrow(/length 0/);
    expect(() => new FrameReader().push(Buffer.from([0, 0x20, 0, 0, 0x4a]))).toThrow(/length/);
    expect(() => encodeFrame('S', new Uint8Array(1 << 20))).toThrow(/over/);
  });

  it('encodes the spec as NUL-terminated key=value entries, and refuses a NUL inside a value', () => {
    const spec = dockerFlagsToSpec('abc', '/r', ['echo', 'hi'], { hostname: 'h', securityOpt: ['no-new-privileges'] });
    const entries = encodeSpec(spec, { step: true }).toString('utf8').split('\0');
    expect(entries.at(-1)).toBe('');
    expect(entries).toContain('rootfs=/r');
    expect(entries).toContain('hostname=h');
    expect(entries.filter((e) => e.startsWith('arg='))).toEqual(['arg=echo', 'arg=hi']);
    expect(entries).toContain('no_new_privs=1');
    expect(entries).toContain('step=1');
    expect(entries).toContain('mask=/proc/kcore');
    expect(entries).toContain('readonly=/proc/sys');
    spec.process.args = ['a\0rootfs=/'];
    expect(() => encodeSpec(spec)).toThrow(/NUL/);
  });
});
