import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { dockerFlagsToSpec } from '../../src/container/docker-flags.js';
import { attachEtcFiles, hostsFile, resolvConfFor, writeEtcFiles } from '../../src/container/etc-files.js';
import { execSpecFor } from '../../src/container/exec-spec.js';
import { checkIdMap, formatIdMap, writeIdMaps } from '../../src/container/id-maps.js';
import { encodeExecSpec, encodeSpec } from '../../src/container/launch-protocol.js';
import { orderMounts, parseTmpfs, parseVolume } from '../../src/container/volumes.js';

const scratch: string[] = [];
function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'glassbox-unit-mounts-'));
  scratch.push(dir);
  return dir;
}

afterEach(() => {
  for (const dir of scratch.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

function entries(buffer: Buffer): string[] {
  return buffer.toString('utf8').split('\0').slice(0, -1);
}

describe('-v and --tmpfs', () => {
  it('binds an existing absolute host path, recursive, read-write unless :ro', () => {
    const host = tempDir();
    expect(parseVolume(`${host}:/data`)).toEqual({ type: 'bind', source: host, destination: '/data', options: ['rbind', 'rw'] });
    expect(parseVolume(`${host}:/a/../data/:ro`)).toMatchObject({ destination: '/data', options: ['rbind', 'ro'] });
  });

  it('refuses named and anonymous volumes, a missing source, / and relative destinations, unknown options', () => {
    const host = tempDir();
    expect(() => parseVolume('cache:/data')).toThrow(/named volumes \(cache\) are not supported yet/);
    expect(() => parseVolume('/data')).toThrow(/anonymous volumes/);
    expect(() => parseVolume(`${host}/missing:/data`)).toThrow(/bind source path does not exist: .*missing/);
    expect(() => parseVolume(`${host}:/`)).toThrow(/cannot be \//);
    expect(() => parseVolume(`${host}:data`)).toThrow(/must be absolute/);
    expect(() => parseVolume(`${host}:/proc/sys`)).toThrow(/mounts on \/proc are not allowed/);
    expect(() => parseTmpfs('/proc')).toThrow(/mounts on \/proc are not allowed/);
    expect(() => parseVolume(`${host}:/data:z`)).toThrow(/option z is not supported/);
  });

  it('gives --tmpfs Docker\'s noexec, nosuid, nodev first, so that a later exec wins in gbx-run', () => {
    expect(parseTmpfs('/run')).toEqual({ type: 'tmpfs', source: 'tmpfs', destination: '/run', options: ['noexec', 'nosuid', 'nodev'] });
    expect(parseTmpfs('/run:size=64m,mode=1777,exec').options).toEqual(['noexec', 'nosuid', 'nodev', 'size=64m', 'mode=1777', 'exec']);
    expect(() => parseTmpfs('/run:size=lots')).toThrow(/option size=lots/);
    expect(() => parseTmpfs('/run:mode=999')).toThrow(/option mode=999/);
    expect(() => parseTmpfs('/run:uid=0,nosymfollow')).toThrow(/option nosymfollow/);
  });

  it('refuses two mounts on one path, and orders parents first with the /etc files, a user mount replacing one', () => {
    const host = tempDir();
    expect(() => dockerFlagsToSpec('a', '/r', ['sh'], { volume: [`${host}:/data`], tmpfs: ['/data'] })).toThrow(/duplicate mount point: \/data/);
    const mounts = orderMounts(
      [parseTmpfs('/a/b/c'), parseVolume(`${host}:/etc/hosts`), parseTmpfs('/a')],
      { hostname: '/s/hostname', hosts: '/s/hosts', resolv: '/s/resolv.conf' },
    );
    expect(mounts.map((m) => `${m.destination}<-${m.source}`)).toEqual([
      '/a<-tmpfs', '/etc/hostname<-/s/hostname', '/etc/resolv.conf<-/s/resolv.conf', `/etc/hosts<-${host}`, '/a/b/c<-tmpfs',
    ]);
  });
});

describe('the /etc files', () => {
  it('drops loopback nameservers when the network is private, and falls back to Docker\'s servers', () => {
    const host = 'search lan\nnameserver 127.0.0.53\nnameserver ::1\nnameserver 192.0.2.1\noptions edns0\n';
    expect(resolvConfFor(host, true)).toBe('search lan\nnameserver 192.0.2.1\noptions edns0\n');
    expect(resolvConfFor(host, false)).toBe(host);
    expect(resolvConfFor('nameserver 127.0.0.1\n', true)).toBe('nameserver 8.8.8.8\nnameserver 8.8.4.4\n');
  });

  it('writes hostname, hosts (localhost, ::1, the hostname) and resolv.conf into the caller\'s directory', () => {
    const dir = path.join(tempDir(), 'etc');
    const resolv = path.join(tempDir(), 'resolv.conf');
    fs.writeFileSync(resolv, 'nameserver 10.0.0.2\n');
    const files = writeEtcFiles(dir, { hostname: 'web1', privateNetwork: true, hostResolvConf: resolv });
    expect(fs.readFileSync(files.hostname, 'utf8')).toBe('web1\n');
    expect(fs.readFileSync(files.hosts, 'utf8')).toBe(hostsFile('web1'));
    expect(hostsFile('web1').split('\n')).toEqual(expect.arrayContaining(['127.0.0.1\tlocalhost', '127.0.1.1\tweb1']));
    expect(fs.readFileSync(files.resolv, 'utf8')).toBe('nameserver 10.0.0.2\n');
    expect(path.dirname(files.resolv)).toBe(dir);
  });
});

describe('attachEtcFiles', () => {
  it('uses the spec\'s hostname, and the host\'s resolvers unfiltered when the network is the host\'s', () => {
    const resolv = path.join(tempDir(), 'resolv.conf');
    fs.writeFileSync(resolv, 'nameserver 127.0.0.53\n');
    const spec = attachEtcFiles(dockerFlagsToSpec('0123456789abcdef', '/r', ['sh'], { hostname: 'h1' }), tempDir(), resolv);
    expect(fs.readFileSync(spec.etcFiles!.hostname!, 'utf8')).toBe('h1\n');
    expect(fs.readFileSync(spec.etcFiles!.resolv!, 'utf8')).toBe('nameserver 8.8.8.8\nnameserver 8.8.4.4\n');
    const hostNet = dockerFlagsToSpec('0123456789abcdef', '/r', ['sh'], {});
    hostNet.namespaces = hostNet.namespaces.filter((ns) => ns !== 'net');
    attachEtcFiles(hostNet, tempDir(), resolv);
    expect(fs.readFileSync(hostNet.etcFiles!.resolv!, 'utf8')).toBe('nameserver 127.0.0.53\n');
    expect(fs.readFileSync(hostNet.etcFiles!.hostname!, 'utf8')).toBe('0123456789ab\n');
  });
});

describe('user namespace maps', () => {
  it('formats one line per range and refuses what the kernel would', () => {
    expect(formatIdMap([{ inside: 0, outside: 100000, count: 65536 }])).toBe('0 100000 65536\n');
    expect(() => checkIdMap('uid', [])).toThrow(/no entries/);
    expect(() => checkIdMap('gid', [{ inside: 0, outside: 1, count: 0 }])).toThrow(/count at least 1/);
    expect(() => checkIdMap('uid', [{ inside: 0, outside: 10, count: 5 }, { inside: 10, outside: 12, count: 5 }])).toThrow(/overlap/);
    expect(() => checkIdMap('uid', [{ inside: 0, outside: 2 ** 32 - 2, count: 5 }])).toThrow(/past 4294967295/);
  });

  it('writes uid_map, setgroups when denied, and gid_map; says which file failed', () => {
    const proc = tempDir();
    fs.mkdirSync(path.join(proc, '42'));
    writeIdMaps(42, { uidMap: [{ inside: 0, outside: 5000, count: 10 }], gidMap: [{ inside: 0, outside: 6000, count: 10 }] }, { proc, denySetgroups: true });
    expect(fs.readFileSync(path.join(proc, '42/uid_map'), 'utf8')).toBe('0 5000 10\n');
    expect(fs.readFileSync(path.join(proc, '42/gid_map'), 'utf8')).toBe('0 6000 10\n');
    expect(fs.readFileSync(path.join(proc, '42/setgroups'), 'utf8')).toBe('deny');
    expect(() => writeIdMaps(43, { uidMap: [{ inside: 0, outside: 1, count: 1 }], gidMap: [{ inside: 0, outside: 1, count: 1 }] }, { proc })).toThrow(
      /failed to write .*43\/uid_map .*ENOENT/,
    );
  });
});

describe('the spec gbx-run reads: mounts, tty, user namespaces and exec', () => {
  it('encodes each mount as mount, mount_source, mount_dest, mount_options, parents first', () => {
    const host = tempDir();
    const spec = dockerFlagsToSpec('a', '/r', ['sh'], { volume: [`${host}:/srv/data:ro`], tmpfs: ['/srv'], tty: true });
    const list = entries(encodeSpec(spec));
    const start = list.indexOf('mount=tmpfs');
    expect(list.slice(start, start + 7)).toEqual([
      'mount=tmpfs', 'mount_dest=/srv', 'mount_options=noexec,nosuid,nodev',
      'mount=bind', `mount_source=${host}`, 'mount_dest=/srv/data', 'mount_options=rbind,ro',
    ]);
    expect(list).toContain('tty=1');
    spec.namespaces = spec.namespaces.filter((ns) => ns !== 'mount');
    expect(() => encodeSpec(spec)).toThrow(/need a mount namespace/);
  });

  it('adds the user namespace when maps are given', () => {
    const spec = dockerFlagsToSpec('a', '/r', ['sh'], {});
    expect(entries(encodeSpec(spec))).not.toContain('ns=user');
    spec.userns = { uidMap: [{ inside: 0, outside: 1000, count: 1 }], gidMap: [{ inside: 0, outside: 1000, count: 1 }] };
    expect(entries(encodeSpec(spec)).filter((e) => e === 'ns=user')).toHaveLength(1);
  });

  it('builds exec from the container: its env plus -e, its caps and namespaces, -w and -u replacing', () => {
    const container = dockerFlagsToSpec('c1', '/r', ['sleep', '9'], { env: ['A=1', 'B=1'], user: '5:5', capDrop: ['ALL'], securityOpt: ['no-new-privileges'] });
    const exec = execSpecFor(container, 321, ['sh', '-c', 'id'], { env: ['B=2'], workdir: '/srv', user: '7', tty: true });
    expect(exec).toMatchObject({ id: 'c1', pid: 321, tty: true, namespaces: container.namespaces });
    expect(exec.process).toMatchObject({ args: ['sh', '-c', 'id'], cwd: '/srv', uid: 7, gid: 7, caps: [], noNewPrivileges: true });
    expect(exec.process.env.filter((e) => /^[AB]=/.test(e))).toEqual(['A=1', 'B=2']);
    expect(container.process.env).toContain('B=1');
    const list = entries(encodeExecSpec(exec));
    expect(list[0]).toBe('join=321');
    expect(list).not.toContain('rootfs=/r');
    expect(list).toEqual(expect.arrayContaining(['ns=pid', 'ns=mount', 'arg=sh', 'cwd=/srv', 'user=7:7', 'no_new_privs=1', 'tty=1']));
    expect(() => execSpecFor(container, 321, [])).toThrow(/needs a command/);
    expect(() => execSpecFor(container, 321, ['x'], { env: ['=x'] })).toThrow(/NAME=VALUE/);
    expect(() => encodeExecSpec({ ...exec, pid: 0 })).toThrow(/process id/);
  });
});
