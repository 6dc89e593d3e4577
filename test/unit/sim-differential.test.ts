import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tmpdir } from 'node:os';
import { SyscallError } from '../../src/kernel/errors.js';
import { MNT, MS, S_IF, XATTR } from '../../src/kernel/flags.js';
import type { Kernel } from '../../src/kernel/types.js';
import { createSimKernel } from '../../src/kernel/sim/index.js';
import { parseMountInfo } from '../../src/observe/mountinfo.js';
import { detectCgroupLayout, findCgroupHierarchy, ownCgroupDir } from '../../src/observe/cgroup-layout.js';
import { describeGateOutcome, realContractCgroup, realKernelGate } from '../helpers/real-kernel.js';
import { detachMountsUnder, exists, removeTree } from '../helpers/scratch.js';

/**
The simulation against the real kernel, step by step: the same calls in the same order on both, in a
fresh directory each, and the same outcome expected from each (the errno name, or what was read).
Runs where the real kernel can (root on Linux); the simulated host uses this machine's hybrid layout.
*/
type Step = [string, ...(string | number | null)[]];

interface Vars {
  D: string;
  /** Our own cgroup in the pids, cpu and memory hierarchies. */
  G: string;
  C: string;
  M: string;
}

const FILE_STEPS: Step[] = [
  ['mkdir', '$D/d'],
  ['writeFile', '$D/f', 'data'],
  ['symlink', 'f', '$D/lf'],
  ['symlink', 'nowhere', '$D/dangling'],
  ['symlink', 'd', '$D/ld'],
  ['symlink', 'loop2', '$D/loop1'],
  ['symlink', 'loop1', '$D/loop2'],
  ['mkdir', '$D/f'],
  ['mkdir', '$D/lf'],
  ['mkdir', '$D/dangling'],
  ['mkdir', '$D/d/'],
  ['mkdir', '$D/new/'],
  ['mkdir', '$D/nope/x'],
  ['mkdir', '$D/f/x'],
  ['mkdir', ''],
  ['rmdir', '$D/f'],
  ['rmdir', '$D/lf'],
  ['rmdir', '$D/ld'],
  ['rmdir', '$D/nope'],
  ['rmdir', '$D/d/.'],
  ['rmdir', '$D/d/..'],
  ['rmdir', '$D/new/'],
  ['rmdir', '/'],
  ['unlink', '$D/d'],
  ['unlink', '$D/nope'],
  ['unlink', '$D/f/'],
  ['unlink', '$D/ld/'],
  ['unlink', '$D/d/'],
  ['lstat', '$D/loop1/x'],
  ['lstat', '$D/loop1'],
  ['lstat', '$D/ld/'],
  ['lstat', '$D/lf/'],
  ['lstat', '$D/f/.'],
  ['lstat', '$D/nowhere/..'],
  ['readlink', '$D/f'],
  ['readlink', '$D/lf'],
  ['readlink', '$D/lf/'],
  ['symlink', 'x', '$D/f'],
  ['symlink', '', '$D/empty'],
  ['symlink', 'x', '$D/nope/x'],
  ['writeFile', '$D/d', 'x'],
  ['writeFile', '$D/ld', 'x'],
  ['writeFile', '$D/dangling', 'through a dangling link'],
  ['readFile', '$D/nowhere'],
  ['writeFile', '$D/f/x', 'y'],
  ['writeFile', '$D/newfile/', 'y'],
  ['readFile', '$D/d'],
  ['readdir', '$D/f'],
  ['rename', '$D/nope', '$D/x'],
  ['rename', '$D/f', '$D/d'],
  ['rename', '$D/d', '$D/f'],
  ['mkdir', '$D/d3'],
  ['mkdir', '$D/d3/sub'],
  ['rename', '$D/d', '$D/d3'],
  ['rename', '$D/d', '$D/d/sub'],
  ['rename', '$D/d3', '$D/d3/sub/deeper'],
  ['rename', '$D/d', '$D/.'],
  ['rename', '$D/f', '$D/f'],
  ['rename', '$D/f/', '$D/g'],
  ['mknod', '$D/wh', S_IF.S_IFCHR, 0, 0],
  ['mknod', '$D/n2', S_IF.S_IFDIR | 0o755, 0, 0],
  ['mknod', '$D/n3', 0o644, 0, 0],
  ['mknod', '$D/n4', 0o170644, 0, 0],
  ['mknod', '$D/wh', S_IF.S_IFIFO | 0o644, 0, 0],
  ['mknod', '$D/blk', S_IF.S_IFBLK | 0o600, 7, 0],
  ['lstat', '$D/wh'],
  ['lstat', '$D/n3'],
  ['lstat', '$D/blk'],
  ['chmod', '$D/f', 0o6755],
  ['lchown', '$D/f', 0, 0],
  ['lstat', '$D/f'],
  ['lchown', '$D/dangling', 5, 6],
  ['lstat', '$D/dangling'],
  ['lstat', `$D/${'a'.repeat(256)}`],
  ['lstat', `$D/${'a'.repeat(255)}`],
  ['lstat', `$D/${'a/'.repeat(2100)}`],
  ['readdir', '$D'],
];

const XATTR_STEPS: Step[] = [
  ['writeFile', '$D/f', ''],
  ['mkdir', '$D/d'],
  ['symlink', 'f', '$D/lf'],
  ['mknod', '$D/fifo', S_IF.S_IFIFO | 0o644, 0, 0],
  ['setxattr', '$D/f', 'user.a', '1', 0],
  ['setxattr', '$D/f', 'user.a', '2', XATTR.XATTR_CREATE],
  ['setxattr', '$D/f', 'user.b', '2', XATTR.XATTR_REPLACE],
  ['setxattr', '$D/f', 'trusted.x', 'y', 0],
  ['setxattr', '$D/f', 'foo.x', 'y', 0],
  ['setxattr', '$D/f', 'user.', 'y', 0],
  ['setxattr', '$D/f', '', 'y', 0],
  ['setxattr', '$D/f', 'user.c', 'y', 4],
  ['setxattr', '$D/f', `user.${'n'.repeat(300)}`, 'y', 0],
  ['setxattr', '$D/lf', 'user.a', '1', 0],
  ['setxattr', '$D/fifo', 'user.a', '1', 0],
  ['setxattr', '$D/lf', 'trusted.a', '1', 0],
  ['setxattr', '$D/f', 'security.glassbox', '1', 0],
  ['setxattr', '$D/f', 'system.glassbox', '1', 0],
  ['getxattr', '$D/f', 'user.nope'],
  ['getxattr', '$D/f', 'user.a'],
  ['getxattr', '$D/f', 'foo.bar'],
  ['getxattr', '$D/nope', 'user.a'],
  ['listxattr', '$D/f'],
  ['listxattr', '$D/lf'],
  ['removexattr', '$D/f', 'user.nope'],
  ['removexattr', '$D/f', 'user.a'],
  ['setxattr', '$D/d', 'trusted.overlay.opaque', 'y', 0],
  ['getxattr', '$D/d', 'trusted.overlay.opaque'],
  ['listxattr', '$D/f'],
];

const MOUNT_STEPS: Step[] = [
  ['mkdir', '$D/a'],
  ['mkdir', '$D/b'],
  ['writeFile', '$D/file', 'f'],
  ['writeFile', '$D/file2', 'g'],
  ['mount', '', '$D/nope', 'tmpfs', 0, ''],
  ['mount', '', '$D/nope', 'glassboxfs', 0, ''],
  ['mount', '', '$D/a', 'glassboxfs', 0, ''],
  ['mount', 'x', '$D/a', null, 0, ''],
  ['mount', 'x', '$D/a', '', 0, ''],
  ['mount', 'tmpfs', '$D/a', 'tmpfs', 0, 'size=1m,mode=700'],
  ['lstat', '$D/a'],
  ['mounts'],
  ['umount', '$D/a/..', 0],
  ['umount', '$D/a', 0],
  ['umount', '$D/a', 0],
  ['umount', '$D/nope', 0],
  ['umount', '$D/a', 16],
  ['mount', 'tmpfs', '$D/a', 'tmpfs', 0, 'size=abc'],
  ['mount', 'tmpfs', '$D/a', 'tmpfs', 0, 'bogus=1'],
  ['mount', 'tmpfs', '$D/a', 'tmpfs', 0, 'mode=999'],
  ['mount', 'tmpfs', '$D/a', 'tmpfs', 0, 'uid=abc'],
  ['mount', 'tmpfs', '$D/a', 'tmpfs', MS.MS_RDONLY, 'size=12345,nr_inodes=1k,uid=5'],
  ['mounts'],
  ['writeFile', '$D/a/x', 'y'],
  ['umount', '$D/a', 0],
  ['mount', 'tmpfs', '$D/file', 'tmpfs', 0, ''],
  ['mount', '$D/a', '$D/file', null, MS.MS_BIND, ''],
  ['mount', '$D/file', '$D/a', null, MS.MS_BIND, ''],
  ['mount', '$D/file', '$D/file2', null, MS.MS_BIND, ''],
  ['readFile', '$D/file2'],
  ['unlink', '$D/file2'],
  ['rename', '$D/file2', '$D/file3'],
  ['umount', '$D/file2', 0],
  ['mount', '', '$D/a', null, MS.MS_PRIVATE, ''],
  ['mount', 'tmpfs', '$D/a', 'tmpfs', 0, ''],
  ['mkdir', '$D/a/sub'],
  ['mount', 'tmpfs', '$D/a/sub', 'tmpfs', 0, ''],
  ['mount', '', '$D/a', null, MS.MS_PRIVATE | MS.MS_SHARED, ''],
  ['rmdir', '$D/a/sub'],
  ['rmdir', '$D/a'],
  ['umount', '$D/a', 0],
  ['mount', '$D/a', '$D/b', null, MS.MS_BIND | MS.MS_REC, ''],
  ['readdir', '$D/b'],
  ['umount', '$D/b', MNT.MNT_DETACH],
  ['umount', '$D/a', MNT.MNT_DETACH],
  ['lstat', '$D/a/sub'],
  ['mounts'],
  ['mount', '$D/a', '$D/b', null, MS.MS_BIND, ''],
  ['mount', '', '$D/b', null, MS.MS_REMOUNT | MS.MS_BIND | MS.MS_RDONLY, ''],
  ['writeFile', '$D/b/x', 'y'],
  ['mkdir', '$D/b'],
  ['mkdir', '$D/b/y'],
  ['unlink', '$D/b/nope'],
  ['writeFile', '$D/a/x', 'y'],
  ['mounts'],
  ['umount', '$D/b', 0],
  // Propagation between peers, then a private copy; moving a mount; unbindable.
  ['mkdir', '$D/p'],
  ['mkdir', '$D/q'],
  ['mount', 'tmpfs', '$D/p', 'tmpfs', 0, ''],
  ['mount', '', '$D/p', null, MS.MS_SHARED, ''],
  ['mkdir', '$D/p/x'],
  ['mount', '$D/p', '$D/q', null, MS.MS_BIND, ''],
  ['mount', 'tmpfs', '$D/p/x', 'tmpfs', 0, 'size=2m'],
  ['mounts'],
  ['umount', '$D/q/x', 0],
  ['mounts'],
  ['mount', '', '$D/q', null, MS.MS_PRIVATE, ''],
  ['mount', 'tmpfs', '$D/p/x', 'tmpfs', 0, 'size=3m'],
  ['mounts'],
  ['umount', '$D/p/x', 0],
  ['umount', '$D/q', 0],
  ['mount', '', '$D/p', null, MS.MS_PRIVATE, ''],
  ['mount', '$D/p', '$D/p/x', null, MS.MS_MOVE, ''],
  ['mount', '$D/p', '$D/q', null, MS.MS_MOVE, ''],
  ['mounts'],
  ['mount', '', '$D/q', null, MS.MS_UNBINDABLE, ''],
  ['mount', '$D/q', '$D/a', null, MS.MS_BIND, ''],
  ['umount', '$D/q', 0],
  ['mounts'],
];

const OVERLAY_STEPS: Step[] = [
  ...['l1', 'l1/d', 'l2', 'l2/d', 'l2/opq', 'l2/sub', 'l2/sub2', 'u', 'u/opq', 'w', 'm'].map((dir): Step => ['mkdir', `$D/${dir}`]),
  ['writeFile', '$D/l1/x', 'top'],
  ['writeFile', '$D/l1/d/z', 'l1'],
  ['writeFile', '$D/l2/x', 'bottom'],
  ['writeFile', '$D/l2/d/y', 'low'],
  ['writeFile', '$D/l2/opq/inner', 'hidden'],
  ['writeFile', '$D/l2/f', 'f'],
  ['writeFile', '$D/l2/bye', 'bye'],
  ['writeFile', '$D/l2/sub/in', ''],
  ['setxattr', '$D/u/opq', 'trusted.overlay.opaque', 'y', 0],
  ['writeFile', '$D/u/opq/fresh', 'new'],
  ['mknod', '$D/u/gone', S_IF.S_IFCHR, 0, 0],
  ['mount', 'overlay', '$D/m', 'overlay', 0, 'lowerdir=$D/l1'],
  ['mount', 'overlay', '$D/m', 'overlay', 0, 'lowerdir=$D/nope:$D/l2'],
  ['mount', 'overlay', '$D/m', 'overlay', 0, 'lowerdir=$D/l2/f:$D/l2'],
  ['mount', 'overlay', '$D/m', 'overlay', 0, 'upperdir=$D/u,workdir=$D/w'],
  ['mount', 'overlay', '$D/m', 'overlay', 0, 'lowerdir=$D/l1,upperdir=$D/u'],
  ['mount', 'overlay', '$D/m', 'overlay', 0, 'lowerdir=$D/l1,upperdir=$D/u,workdir=$D/nope'],
  ['mount', 'overlay', '$D/m', 'overlay', 0, 'lowerdir=$D/l1,upperdir=$D/u,workdir=$D/u/opq'],
  ['mount', 'overlay', '$D/m', 'overlay', 0, 'lowerdir=$D/l1,upperdir=$D/u,workdir=$D/u'],
  ['mount', 'overlay', '$D/m', 'overlay', 0, 'lowerdir=,upperdir=$D/u,workdir=$D/w'],
  ['mount', 'overlay', '$D/m', 'overlay', 0, 'lowerdir=$D/l1,upperdir=$D/u,workdir=$D/w,bogus'],
  ['mount', 'overlay', '$D/m', 'overlay', 0, 'lowerdir=$D/l1:$D/l2'],
  ['mounts'],
  ['writeFile', '$D/m/x', 'no'],
  ['umount', '$D/m', 0],
  ['mount', 'overlay', '$D/m', 'overlay', 0, 'lowerdir=$D/l1:$D/l2,upperdir=$D/u,workdir=$D/w'],
  ['mounts'],
  ['readdir', '$D/m'],
  ['readdir', '$D/m/d'],
  ['readdir', '$D/m/opq'],
  ['readFile', '$D/m/x'],
  ['lstat', '$D/m/gone'],
  ['readdir', '$D/w'],
  ['lstat', '$D/w/work'],
  ['writeFile', '$D/m/d/y', 'more'],
  ['readFile', '$D/l2/d/y'],
  ['readdir', '$D/u/d'],
  ['unlink', '$D/m/bye'],
  ['lstat', '$D/u/bye'],
  ['rmdir', '$D/m/d'],
  ['unlink', '$D/m/d/y'],
  ['unlink', '$D/m/d/z'],
  ['rmdir', '$D/m/d'],
  ['lstat', '$D/u/d'],
  ['mkdir', '$D/m/d'],
  ['getxattr', '$D/u/d', 'trusted.overlay.opaque'],
  ['mkdir', '$D/m/gone'],
  ['getxattr', '$D/u/gone', 'trusted.overlay.opaque'],
  ['rename', '$D/m/sub', '$D/m/sub3'],
  ['rename', '$D/m/f', '$D/m/f2'],
  ['lstat', '$D/u/f'],
  ['readFile', '$D/u/f2'],
  ['chmod', '$D/m/x', 0o600],
  ['lstat', '$D/u/x'],
  ['lstat', '$D/l1/x'],
  ['mknod', '$D/m/wh', S_IF.S_IFCHR, 0, 0],
  ['setxattr', '$D/m/x', 'user.k', 'v', 0],
  ['listxattr', '$D/m/x'],
  ['rmdir', '$D/m/sub2'],
  ['lstat', '$D/u/sub2'],
  ['mkdir', '$D/m/sub2'],
  ['getxattr', '$D/u/sub2', 'trusted.overlay.opaque'],
  ['rmdir', '$D/m/opq'],
  ['readdir', '$D/m'],
  ['readdir', '$D/u'],
  ['umount', '$D/m', 0],
  ['readdir', '$D/m'],
];

const CGROUP_STEPS: Step[] = [
  ['mkdir', '$G/glassbox-diff'],
  ['lstat', '$G/glassbox-diff'],
  ['readdir', '$G/glassbox-diff'],
  ['lstat', '$G/glassbox-diff/pids.max'],
  ['readFile', '$G/glassbox-diff/pids.max'],
  ...['10', 'max', '0', '-1', 'abc', '', ' 5', '5 ', '1k', '99999999999999999999', '0x10', '010', '4194304', '4194305'].flatMap((v): Step[] => [
    ['writeFile', '$G/glassbox-diff/pids.max', v],
    ['readFile', '$G/glassbox-diff/pids.max'],
  ]),
  ['readFile', '$G/glassbox-diff/pids.current'],
  ['writeFile', '$G/glassbox-diff/pids.current', '5'],
  ['writeFile', '$G/glassbox-diff/newfile', 'x'],
  ['mkdir', '$G/glassbox-diff/cgroup.procs'],
  ['unlink', '$G/glassbox-diff/pids.max'],
  ['rmdir', '$G/glassbox-diff/pids.max'],
  ['writeFile', '$G/glassbox-diff/cgroup.procs', '4194000'],
  ['writeFile', '$G/glassbox-diff/cgroup.procs', 'abc'],
  ['writeFile', '$G/glassbox-diff/cgroup.procs', '-1'],
  ['writeFile', '$G/glassbox-diff/cgroup.procs', '99999999999'],
  ['writeFile', '$G/glassbox-diff/cgroup.procs', '2'],
  ['writeFile', '$G/glassbox-diff/tasks', '4194000'],
  ['mknod', '$G/glassbox-diff/n', S_IF.S_IFIFO | 0o644, 0, 0],
  ['symlink', 'x', '$G/glassbox-diff/l'],
  ['rename', '$G/glassbox-diff/pids.max', '$G/glassbox-diff/x'],
  ['setxattr', '$G/glassbox-diff/pids.max', 'trusted.glassbox', '1', 0],
  ['getxattr', '$G/glassbox-diff/pids.max', 'trusted.glassbox'],
  ['chmod', '$G/glassbox-diff/pids.max', 0o600],
  ['lstat', '$G/glassbox-diff/pids.max'],
  ['readFile', '$G/glassbox-diff/release_agent'],
  ['readFile', '$G/glassbox-diff/notify_on_release'],
  ['writeFile', '$G/glassbox-diff/notify_on_release', '2'],
  ['readFile', '$G/glassbox-diff/notify_on_release'],
  ['writeFile', '$G/glassbox-diff/notify_on_release', 'x'],
  ['mkdir', '$G/glassbox-diff/child', 0o700],
  ['lstat', '$G/glassbox-diff/child'],
  ['lstat', '$G/glassbox-diff'],
  ['rmdir', '$G/glassbox-diff'],
  ['unlink', '$G/glassbox-diff/child'],
  ['rmdir', '$G/glassbox-diff/child'],
  ['spawn', 'sleep', '1000'],
  ['writeFile', '$G/glassbox-diff/cgroup.procs', '$P'],
  ['readFile', '$G/glassbox-diff/cgroup.procs'],
  ['readFile', '$G/glassbox-diff/pids.current'],
  ['rmdir', '$G/glassbox-diff'],
  ['kill', '$P', 999],
  ['kill', '$P', 'SIGNOPE'],
  ['kill', '$P', 'SIGKILL'],
  ['wait'],
  ['kill', '$P', 0],
  ['readFile', '$G/glassbox-diff/cgroup.procs'],
  ['rmdir', '$G/glassbox-diff'],
  ['rmdir', '$G/glassbox-diff'],
];

const CPU_MEMORY_STEPS: Step[] = [
  ['mkdir', '$C/glassbox-diff'],
  ['readdir', '$C/glassbox-diff'],
  ...['cpu.cfs_quota_us', 'cpu.cfs_period_us', 'cpu.shares', 'cpu.stat'].map((f): Step => ['readFile', `$C/glassbox-diff/${f}`]),
  ...['50000', '-1', '-2', '0', '500', 'max', 'abc', '1000', ' 2000 '].flatMap((v): Step[] => [
    ['writeFile', '$C/glassbox-diff/cpu.cfs_quota_us', v],
    ['readFile', '$C/glassbox-diff/cpu.cfs_quota_us'],
  ]),
  ...['100', '999', '1000', '1000000', '1000001', 'abc', '-5'].flatMap((v): Step[] => [
    ['writeFile', '$C/glassbox-diff/cpu.cfs_period_us', v],
    ['readFile', '$C/glassbox-diff/cpu.cfs_period_us'],
  ]),
  ...['0', '1', '2', '1024', '262144', '262145', '-5', 'abc'].flatMap((v): Step[] => [
    ['writeFile', '$C/glassbox-diff/cpu.shares', v],
    ['readFile', '$C/glassbox-diff/cpu.shares'],
  ]),
  ['writeFile', '$C/glassbox-diff/cpu.stat', '1'],
  ['writeFile', '$C/glassbox-diff/cpu.idle', '1'],
  ['writeFile', '$C/glassbox-diff/cpu.idle', '2'],
  ['readFile', '$C/glassbox-diff/cpu.idle'],
  ['writeFile', '$C/glassbox-diff/notify_on_release', ' 1'],
  ['writeFile', '$C/glassbox-diff/cpu.shares', '512\n'],
  ['rmdir', '$C/glassbox-diff'],
  ['mkdir', '$M/glassbox-diff'],
  ['readdir', '$M/glassbox-diff'],
  ...['memory.limit_in_bytes', 'memory.usage_in_bytes', 'memory.oom_control', 'memory.failcnt', 'memory.swappiness', 'memory.use_hierarchy'].map((f): Step => ['readFile', `$M/glassbox-diff/${f}`]),
  ...['100', '4096', '1k', '10m', '1g', '1G', '1t', 'max', '-1', 'abc', '', ' 5', '0x10000', '12345678', '-2'].flatMap((v): Step[] => [
    ['writeFile', '$M/glassbox-diff/memory.limit_in_bytes', v],
    ['readFile', '$M/glassbox-diff/memory.limit_in_bytes'],
  ]),
  ...['1', '2', '0', 'x'].flatMap((v): Step[] => [
    ['writeFile', '$M/glassbox-diff/memory.oom_control', v],
    ['readFile', '$M/glassbox-diff/memory.oom_control'],
  ]),
  ['writeFile', '$M/glassbox-diff/memory.failcnt', '5'],
  ['writeFile', '$M/glassbox-diff/memory.usage_in_bytes', '5'],
  ['writeFile', '$M/glassbox-diff/memory.swappiness', '201'],
  ['writeFile', '$M/glassbox-diff/memory.swappiness', '200'],
  ['readFile', '$M/glassbox-diff/memory.swappiness'],
  ['writeFile', '$M/glassbox-diff/memory.use_hierarchy', '0'],
  ['readFile', '$M/glassbox-diff/memory.force_empty'],
  ['readFile', '$M/glassbox-diff/memory.pressure_level'],
  ['writeFile', '$M/glassbox-diff/cgroup.event_control', '1'],
  ['writeFile', '$M/glassbox-diff/memory.kmem.limit_in_bytes', '1m'],
  ['writeFile', '$M/glassbox-diff/memory.move_charge_at_immigrate', '1'],
  ['writeFile', '$M/glassbox-diff/memory.limit_in_bytes', '2m'],
  ['writeFile', '$M/glassbox-diff/memory.memsw.limit_in_bytes', '1m'],
  ['writeFile', '$M/glassbox-diff/memory.memsw.limit_in_bytes', '4m'],
  ['readFile', '$M/glassbox-diff/memory.memsw.limit_in_bytes'],
  ['readFile', '$M/glassbox-diff/memory.numa_stat'],
  ['writeFile', '$C/glassbox-diff/cpu.idle', '2'],
  ['rmdir', '$M/glassbox-diff'],
];

const PROCESS_STEPS: Step[] = [
  ['spawn', '/nonexistent/glassbox'],
  ['spawn', '$D/script'],
  ['writeFile', '$D/script', 'not a program'],
  ['spawn', '$D/script'],
  ['chmod', '$D/script', 0o755],
  ['spawn', '$D/script'],
  ['wait'],
  ['writeFile', '$D/script', ''],
  ['spawn', '$D/script'],
  ['wait'],
  // A missing interpreter is ENOENT from execve(2) and the simulation says so; the Linux backend
  // guesses the errno after the fact and says ENOEXEC, so that step is a unit test of the simulation.
  ['writeFile', '$D/script', '#!/usr/bin/true\n'],
  ['spawn', '$D/script'],
  ['wait'],
  ['spawn', '$D'],
  ['spawn', 'true'],
  ['wait'],
  ['spawn', 'false'],
  ['wait'],
  ['spawn', 'sleep', 'abc'],
  ['wait'],
  ['kill', 4194000, 0],
  ['readlink', '/proc/self/ns/mnt'],
  ['readFile', '/proc/sys/kernel/cap_last_cap'],
];

function subst(value: string | number | null, vars: Vars & { P: string }): string | number | null {
  if (typeof value !== 'string') return value;
  return value.replaceAll('$D', vars.D).replaceAll('$G', vars.G).replaceAll('$C', vars.C).replaceAll('$M', vars.M).replaceAll('$P', vars.P);
}

function unsubst(text: string, vars: Vars & { P: string }): string {
  let out = text.replaceAll(vars.D, '$D').replaceAll(vars.G, '$G').replaceAll(vars.C, '$C').replaceAll(vars.M, '$M');
  if (vars.P !== '') out = out.replaceAll(vars.P, '$P');
  return out;
}

/** Runs the steps on one kernel; each outcome is the errno name or a summary of what came back. */
async function runSteps(kernel: Kernel, steps: Step[], vars: Vars): Promise<string[]> {
  const state = { ...vars, P: '' };
  const children: { pid: number; done: boolean; exited: Promise<unknown> }[] = [];
  const outcomes: string[] = [];
  try {
    for (const step of steps) outcomes.push(await runStep(kernel, step, state, children));
  } finally {
    // A step that failed half-way must not leave a sleeper behind.
    for (const c of children) if (!c.done) kernel.kill(c.pid, 'SIGKILL');
    await Promise.all(children.map((c) => c.exited));
  }
  return outcomes;
}

async function runStep(kernel: Kernel, step: Step, state: Vars & { P: string }, children: { pid: number; done: boolean; exited: Promise<unknown> }[]): Promise<string> {
  const [op, ...raw] = step;
  const args = raw.map((a) => subst(a, state));
  let outcome: string;
  try {
    if (op === 'spawn') {
      const spawned = kernel.spawn(args.map(String));
      const record = { pid: spawned.pid, done: false, exited: spawned.exited };
      record.exited = spawned.exited.then((exit) => {
        record.done = true;
        return exit;
      });
      children.push(record);
      state.P = String(spawned.pid);
      outcome = 'ok';
    } else if (op === 'wait') {
      outcome = JSON.stringify(await children.at(-1)?.exited);
    } else {
      outcome = await runOne(kernel, op, args, state);
    }
  } catch (error) {
    if (!SyscallError.isSyscallError(error)) throw error;
    outcome = error.errnoName;
  }
  const line = `${step.map(String).join(' ').slice(0, 90)} => ${unsubst(outcome, state)}`;
  if (process.env.DEBUG_DIFF) console.log(line);
  return line;
}

async function runOne(k: Kernel, op: string, args: (string | number | null)[], vars: Vars): Promise<string> {
  // Each case knows the types of its own arguments.
  const a = args as unknown as [never, never, never, never, never];
  switch (op) {
    case 'lstat': {
      const s = k.lstat(a[0]);
      const size = s.type === 'dir' ? '' : ` size=${s.size}`;
      return `${s.type} ${s.mode.toString(8)} ${s.uid}:${s.gid}${size} rdev=${s.rdevMajor}:${s.rdevMinor}`;
    }
    case 'readFile':
      return JSON.stringify(k.readFile(a[0]));
    case 'readdir':
      // memory.shown_ram_in_bytes is a patch of this host's kernel, not an upstream file.
      return [...k.readdir(a[0])].filter((n) => n !== 'memory.shown_ram_in_bytes').sort().join(' ');
    case 'readlink':
      return k.readlink(a[0]);
    case 'getxattr':
      return JSON.stringify(k.getxattr(a[0], a[1]).toString());
    case 'listxattr':
      return [...k.listxattr(a[0])].sort().join(' ');
    case 'mount':
      k.mount({ source: a[0], target: a[1], fstype: a[2], flags: a[3], data: a[4] });
      return 'ok';
    case 'mounts':
      return parseMountInfo(k.readFile('/proc/self/mountinfo'))
        .filter((m) => m.mountPoint.startsWith(`${vars.D}/`))
        // The host's root filesystem options are this machine's, not the kernel's.
        .map((m) => {
          // Peer group numbers differ between hosts; which kind of propagation a mount has does not.
          const p = m.optionalFields;
          const propagation = [p.shared !== null ? 'shared' : '', p.master !== null ? 'slave' : '', p.unbindable ? 'unbindable' : ''].join('');
          const superOptions = m.fsType === 'ext4' ? '' : m.superOptions.filter((o) => !o.startsWith('inode64')).join(',');
          return `${m.mountPoint} ${m.options.join(',')} ${propagation} ${m.fsType} ${m.source} ${superOptions}`;
        })
        .join(' | ');
    case 'kill':
      k.kill(Number(a[0]), a[1]);
      return 'ok';
    default:
      (k as unknown as Record<string, (...args: unknown[]) => unknown>)[op]!(...a);
      return 'ok';
  }
}

/** Our own v1 cpu and memory groups ('' where there is no such v1 hierarchy). */
function ownDirs(kernel: Kernel): { C: string; M: string } {
  const layout = detectCgroupLayout(kernel);
  const dir = (controller: string): string => (findCgroupHierarchy(layout, controller)?.version === 1 ? ownCgroupDir(layout, controller) ?? '' : '');
  return { C: dir('cpu'), M: dir('memory') };
}

const gate = await realKernelGate();
if (gate.mode !== 'run') {
  describeGateOutcome('simulated kernel against the real one', gate);
} else {
  describe('simulated kernel against the real one', () => {
    const real = gate.createKernel();
    const realRoots: string[] = [];
    let realCgroup = '';
    let realDirs = { C: '', M: '' };

    beforeAll(() => {
      const cgroup = realContractCgroup(real);
      realCgroup = 'parent' in cgroup ? cgroup.parent : '';
      realDirs = ownDirs(real);
    });

    afterAll(() => {
      const parents = [realCgroup, realDirs.C, realDirs.M].filter((p) => p !== '');
      for (const parent of parents) {
        for (const group of [`${parent}/glassbox-diff/child`, `${parent}/glassbox-diff`]) if (exists(real, group)) real.rmdir(group);
        expect(exists(real, `${parent}/glassbox-diff`)).toBe(false);
      }
      for (const dir of realRoots) {
        detachMountsUnder(real, dir);
        removeTree(real, dir);
        expect(() => real.lstat(dir)).toThrow();
      }
    });

    async function compare(steps: Step[]): Promise<void> {
      const sim = createSimKernel({ cgroupLayout: 'hybrid' });
      const simCgroup = realContractCgroup(sim);
      const realDir = real.mkdtemp(`${tmpdir()}/glassbox-diff-`);
      realRoots.push(realDir);
      const simDir = sim.mkdtemp('/tmp/glassbox-diff-');
      const onReal = await runSteps(real, steps, { D: realDir, G: realCgroup, ...realDirs });
      detachMountsUnder(real, realDir);
      const onSim = await runSteps(sim, steps, { D: simDir, G: 'parent' in simCgroup ? simCgroup.parent : '', ...ownDirs(sim) });
      expect(onSim).toEqual(onReal);
    }

    it('files, links and special files', () => compare(FILE_STEPS));
    it('extended attributes', () => compare(XATTR_STEPS));
    it('tmpfs, bind mounts, remounts and their failures', () => compare(MOUNT_STEPS));
    it('overlay: checks, merged view, copy-up, whiteouts, opaque directories', () => compare(OVERLAY_STEPS));
    it('processes and /proc', () => compare(PROCESS_STEPS));
    it('cgroup v1 pids: limits, moves, busy groups, what cgroupfs refuses', async (test) => {
      if (realCgroup === '') test.skip();
      await compare(CGROUP_STEPS);
    });
    it('cgroup v1 cpu and memory: what the limit files accept and how they read back', async (test) => {
      if (realDirs.C === '' || realDirs.M === '') test.skip();
      await compare(CPU_MEMORY_STEPS);
    });
  });
}
