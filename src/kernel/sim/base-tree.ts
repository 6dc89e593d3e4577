import { S_IF } from '../flags.js';
import type { Caller } from './fs-types.js';
import { isDir, type SimInode } from './inode.js';
import type { MemFs } from './memfs.js';
import { PROGRAMS, programFile } from './programs.js';

/** The files of a small Debian host: what the root filesystem, /dev and /sys hold at boot. */

const ROOT: Caller = { pid: 1, uid: 0, gid: 0, caps: 0n };

export function ensureDir(fs: MemFs, path: string, mode = 0o755): SimInode {
  let dir = fs.root();
  for (const name of path.split('/').filter((p) => p !== '')) {
    const next = dir.children.get(name);
    if (next !== undefined && isDir(next)) {
      dir = next;
      continue;
    }
    dir = fs.create(dir, name, { type: 'dir', mode }, ROOT);
  }
  return dir;
}

function parentAndName(fs: MemFs, path: string): [SimInode, string] {
  const at = path.lastIndexOf('/');
  return [ensureDir(fs, path.slice(0, at)), path.slice(at + 1)];
}

export function addFile(fs: MemFs, path: string, content: string, mode = 0o644): void {
  const [dir, name] = parentAndName(fs, path);
  const inode = fs.create(dir, name, { type: 'file', mode }, ROOT);
  inode.data = Buffer.from(content);
}

export function addSymlink(fs: MemFs, path: string, target: string): void {
  const [dir, name] = parentAndName(fs, path);
  fs.create(dir, name, { type: 'symlink', target }, ROOT);
}

export function addDevice(fs: MemFs, path: string, type: 'char' | 'block', major: number, minor: number, mode: number): void {
  const [dir, name] = parentAndName(fs, path);
  const bits = type === 'char' ? S_IF.S_IFCHR : S_IF.S_IFBLK;
  fs.create(dir, name, { type: 'special', mode: bits | mode, major, minor }, ROOT);
}

/** Debian 12 with merged /usr: /bin, /sbin and /lib are links into /usr. */
export function populateRootfs(fs: MemFs, hostname: string): void {
  for (const dir of ['boot', 'dev', 'etc', 'home', 'media', 'mnt', 'opt', 'proc', 'run', 'srv', 'sys', 'usr/bin', 'usr/sbin', 'usr/lib', 'usr/lib64', 'usr/local/bin', 'usr/local/sbin', 'usr/share', 'var/cache', 'var/lib', 'var/log']) {
    ensureDir(fs, dir);
  }
  ensureDir(fs, 'root', 0o700);
  ensureDir(fs, 'tmp', 0o1777);
  ensureDir(fs, 'var/tmp', 0o1777);
  for (const [link, target] of [['bin', 'usr/bin'], ['sbin', 'usr/sbin'], ['lib', 'usr/lib'], ['lib64', 'usr/lib64']] as const) addSymlink(fs, `/${link}`, target);
  addFile(fs, '/etc/hostname', `${hostname}\n`);
  addFile(fs, '/etc/hosts', `127.0.0.1\tlocalhost\n127.0.1.1\t${hostname}\n`);
  addFile(fs, '/etc/os-release', 'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nNAME="Debian GNU/Linux"\nVERSION_ID="12"\nID=debian\n');
  addFile(fs, '/etc/passwd', 'root:x:0:0:root:/root:/bin/bash\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n');
  addFile(fs, '/etc/group', 'root:x:0:\nnogroup:x:65534:\n');
  for (const name of PROGRAMS) addFile(fs, `/usr/bin/${name}`, programFile(name), 0o755);
}

/** devtmpfs: the usual nodes, with their real device numbers. */
export function populateDev(fs: MemFs): void {
  const chars: [string, number, number, number][] = [
    ['null', 1, 3, 0o666],
    ['zero', 1, 5, 0o666],
    ['full', 1, 7, 0o666],
    ['random', 1, 8, 0o666],
    ['urandom', 1, 9, 0o666],
    ['kmsg', 1, 11, 0o644],
    ['tty', 5, 0, 0o666],
    ['console', 5, 1, 0o600],
    ['ptmx', 5, 2, 0o666],
    ['kvm', 10, 232, 0o600],
    ['fuse', 10, 229, 0o600],
    ['loop-control', 10, 237, 0o600],
  ];
  for (const [name, major, minor, mode] of chars) addDevice(fs, `/${name}`, 'char', major, minor, mode);
  addDevice(fs, '/vda', 'block', 254, 0, 0o660);
  addDevice(fs, '/loop0', 'block', 7, 0, 0o660);
  addSymlink(fs, '/fd', '/proc/self/fd');
  addSymlink(fs, '/stdin', '/proc/self/fd/0');
  addSymlink(fs, '/stdout', '/proc/self/fd/1');
  addSymlink(fs, '/stderr', '/proc/self/fd/2');
  ensureDir(fs, 'pts');
  ensureDir(fs, 'shm', 0o1777);
  ensureDir(fs, 'mqueue', 0o1777);
}

export function populateSys(fs: MemFs): void {
  for (const dir of ['block', 'bus', 'class', 'devices', 'firmware', 'fs/cgroup', 'kernel', 'module', 'power']) ensureDir(fs, dir);
}
