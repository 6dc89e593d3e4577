import type { ContainerSpec } from '../../container/spec.js';
import { ERRNO, errnoName } from '../errno.js';
import { MNT, MS, S_IF } from '../flags.js';
import { ErrnoFailure } from '../trace.js';
import type { MountRequest } from '../types.js';
import { MAY_EXEC, requireAccess } from './access.js';
import { LaunchFailure, errnoOf, mustStep, type StepReporter } from './launch-steps.js';
import type { SimMachine } from './machine.js';
import { mountAt, umountAt } from './mount-ops.js';
import type { SimProcess } from './processes.js';
import { chrootAt, pivotRootAt } from './root-change.js';
import { resolveExisting } from './path-walk.js';
import { statOf } from './vfs-context.js';
import { lstatAt, mkdirAt, mknodAt, symlinkAt } from './vfs-files.js';

/**
The container's root filesystem, as native/run-root.c builds it, step for step with the same ops and
args: propagation made private, /proc /sys /dev checked, the rootfs bound onto itself, proc, a /dev
tmpfs with its nodes, devpts, shm and mqueue, sysfs read-only, pivot_root(".", ".") with the old root
made a slave and detached, masked and read-only paths; or chroot without a mount namespace. Each
call is the simulated kernel's, as the child process, so its preconditions and errnos are the
kernel's (mount(2), pivot_root(2), chroot(2), mknod(2) in mount-ops.ts, root-change.ts, vfs-files.ts).
*/
export interface RootSetup {
  machine: SimMachine;
  child: SimProcess;
  spec: ContainerSpec;
  steps: StepReporter;
}

const ctx = (setup: RootSetup) => setup.machine.contextOf(setup.child);
const inRoot = (setup: RootSetup, path: string): string => `${setup.spec.rootfs}${path}`;

async function mountOrFail(setup: RootSetup, source: string | null, target: string, fstype: string | null, flags: number, flagNames: string, data: string | null): Promise<void> {
  const args = { source: source ?? 'none', target, fstype: fstype ?? 'none', flags: flagNames, data: data ?? '' };
  const request: MountRequest = { source: source ?? '', target, fstype, flags, data };
  await mustStep(setup.steps, 'mount', args, () => mountAt(ctx(setup), setup.machine, request), `failed to mount ${source ?? fstype ?? 'none'} on ${target} (${flagNames})`);
}

/** /proc, /sys, /dev must be directories (a symlink could lead the mount out of the root); missing ones are made. */
async function checkRootfs(setup: RootSetup): Promise<void> {
  for (const dir of ['/proc', '/sys', '/dev']) {
    const path = inRoot(setup, dir);
    try {
      const stat = lstatAt(ctx(setup), path);
      if (stat.type !== 'dir') throw new LaunchFailure(125, `failed to use the image: ${dir} is ${stat.type === 'symlink' ? 'a symlink' : 'a file'}, not a directory`, null);
      continue;
    } catch (error) {
      if (error instanceof LaunchFailure) throw error;
      const errno = errnoOf(error);
      if (errnoName(errno) !== 'ENOENT') throw new LaunchFailure(125, `failed to lstat ${path}`, errnoName(errno));
    }
    await mustStep(setup.steps, 'mkdir', { path, mode: '0755' }, () => mkdirAt(ctx(setup), path, 0o755), `failed to create ${path}`);
  }
  try {
    if (lstatAt(ctx(setup), inRoot(setup, '/dev/null')).type === 'symlink') throw new LaunchFailure(125, 'failed to use the image: /dev/null is a symlink', null);
  } catch (error) {
    if (error instanceof LaunchFailure) throw error;
  }
}

const DEVICES: [string, number, number][] = [['null', 1, 3], ['zero', 1, 5], ['full', 1, 7], ['random', 1, 8], ['urandom', 1, 9], ['tty', 5, 0]];
const DEV_LINKS: [string, string][] = [['/proc/self/fd', 'fd'], ['/proc/self/fd/0', 'stdin'], ['/proc/self/fd/1', 'stdout'], ['/proc/self/fd/2', 'stderr'], ['pts/ptmx', 'ptmx']];

async function mountDev(setup: RootSetup): Promise<void> {
  const dev = inRoot(setup, '/dev');
  const umask = setup.child.umask;
  // gbx-run sets umask(0) so that the nodes get exactly 0666.
  setup.child.umask = 0;
  try {
    await mountOrFail(setup, 'tmpfs', dev, 'tmpfs', MS.MS_NOSUID | MS.MS_STRICTATIME, 'MS_NOSUID | MS_STRICTATIME', 'mode=755,size=65536k');
    for (const [name, major, minor] of DEVICES) {
      const path = `${dev}/${name}`;
      await mustStep(setup.steps, 'mknod', { path, mode: 'S_IFCHR|0666', dev: `${major}:${minor}` }, () => mknodAt(ctx(setup), path, S_IF.S_IFCHR | 0o666, major, minor), `failed to create the device ${path}`);
    }
    for (const [target, name] of DEV_LINKS) {
      const path = `${dev}/${name}`;
      await mustStep(setup.steps, 'symlink', { target, path }, () => symlinkAt(ctx(setup), target, path), `failed to create the symlink ${path}`);
    }
    for (const sub of ['pts', 'shm', 'mqueue']) {
      const path = `${dev}/${sub}`;
      await mustStep(setup.steps, 'mkdir', { path, mode: '0755' }, () => mkdirAt(ctx(setup), path, 0o755), `failed to create ${path}`);
    }
  } finally {
    setup.child.umask = umask;
  }
  await mountOrFail(setup, 'devpts', `${dev}/pts`, 'devpts', MS.MS_NOSUID | MS.MS_NOEXEC, 'MS_NOSUID | MS_NOEXEC', 'newinstance,ptmxmode=0666,mode=0620,gid=5');
  await mountOrFail(setup, 'shm', `${dev}/shm`, 'tmpfs', MS.MS_NOSUID | MS.MS_NODEV | MS.MS_NOEXEC, 'MS_NOSUID | MS_NODEV | MS_NOEXEC', 'mode=1777,size=65536k');
  if (setup.spec.namespaces.includes('ipc')) await mountOrFail(setup, 'mqueue', `${dev}/mqueue`, 'mqueue', MS.MS_NOSUID | MS.MS_NODEV | MS.MS_NOEXEC, 'MS_NOSUID | MS_NODEV | MS_NOEXEC', null);
}

/** pivot_root(".", "."): the old root stacks on the new one; made a slave, then detached. */
async function pivotInto(setup: RootSetup): Promise<void> {
  const { rootfs } = setup.spec;
  await mustStep(setup.steps, 'chdir', { path: rootfs }, () => chdirTo(setup, rootfs), `failed to chdir to ${rootfs}`);
  await mustStep(setup.steps, 'pivot_root', { new_root: '.', put_old: '.' }, () => pivotRootAt(ctx(setup), setup.child, '.', '.'), `failed to pivot_root into ${rootfs}`);
  await mountOrFail(setup, null, '.', null, MS.MS_REC | MS.MS_SLAVE, 'MS_REC | MS_SLAVE', null);
  await mustStep(setup.steps, 'umount2', { target: '.', flags: 'MNT_DETACH' }, () => umountAt(ctx(setup), setup.machine.ids, '.', MNT.MNT_DETACH), 'failed to detach the old root');
  await mustStep(setup.steps, 'chdir', { path: '/' }, () => chdirTo(setup, '/'), 'failed to chdir to the new root');
}

/** chdir(2): the path must be a directory (ENOTDIR) the caller may search (EACCES). */
export function chdirTo(setup: { machine: SimMachine; child: SimProcess }, path: string): void {
  const context = setup.machine.contextOf(setup.child);
  const found = resolveExisting(context, path, true);
  const stat = statOf(found.loc);
  if (stat.type !== 'dir') throw new ErrnoFailure(ERRNO.ENOTDIR);
  requireAccess(stat, context.caller, MAY_EXEC);
  setup.child.cwd = found.path;
}

/** Without a mount namespace nothing can be mounted privately: just chroot. */
async function enterRootWithoutMountNs(setup: RootSetup): Promise<void> {
  const { rootfs } = setup.spec;
  await mustStep(setup.steps, 'chroot', { path: rootfs }, () => chrootAt(ctx(setup), setup.child, rootfs), `failed to chroot to ${rootfs}`);
  await mustStep(setup.steps, 'chdir', { path: '/' }, () => chdirTo(setup, '/'), 'failed to chdir to the new root');
}

/** lstat that says ENOENT as undefined and fails gbx-run's way otherwise. */
function lstatOrSkip(setup: RootSetup, path: string, what: string): ReturnType<typeof lstatAt> | undefined {
  try {
    return lstatAt(ctx(setup), path);
  } catch (error) {
    const errno = errnoOf(error);
    if (errno === ERRNO.ENOENT) return undefined;
    throw new LaunchFailure(125, `failed to lstat the ${what} path ${path}`, errnoName(errno));
  }
}

/** A directory gets an empty read-only tmpfs, anything else /dev/null; a missing path is fine. */
async function maskPaths(setup: RootSetup): Promise<void> {
  for (const path of setup.spec.maskedPaths) {
    const stat = lstatOrSkip(setup, path, 'masked');
    if (stat === undefined) continue;
    if (stat.type === 'dir') await mountOrFail(setup, 'tmpfs', path, 'tmpfs', MS.MS_RDONLY, 'MS_RDONLY', null);
    else await mountOrFail(setup, '/dev/null', path, null, MS.MS_BIND, 'MS_BIND', null);
  }
}

/** A read-only remount keeps the mount's nosuid, nodev and noexec (statvfs), as a user namespace requires. */
async function remountReadonly(setup: RootSetup, path: string): Promise<void> {
  let kept = 0;
  try {
    kept = resolveExisting(ctx(setup), path, true).loc.mount.flags & (MS.MS_NOSUID | MS.MS_NODEV | MS.MS_NOEXEC);
  } catch {
    kept = 0;
  }
  await mountOrFail(setup, null, path, null, MS.MS_BIND | MS.MS_REMOUNT | MS.MS_RDONLY | kept, 'MS_BIND|MS_REMOUNT|MS_RDONLY (+nosuid,nodev,noexec kept)', null);
}

async function makePathsReadonly(setup: RootSetup): Promise<void> {
  for (const path of setup.spec.readonlyPaths) {
    if (lstatOrSkip(setup, path, 'read-only') === undefined) continue;
    await mountOrFail(setup, path, path, null, MS.MS_BIND | MS.MS_REC, 'MS_BIND | MS_REC', null);
    await remountReadonly(setup, path);
  }
}

/** gbx-run's root steps, in its order (gbx-run.c child_main). */
export async function setupRoot(setup: RootSetup): Promise<void> {
  const { spec } = setup;
  if (!spec.namespaces.includes('mount')) {
    await enterRootWithoutMountNs(setup);
    return;
  }
  // Private first: nothing mounted from here on may propagate back to the host.
  await mountOrFail(setup, null, '/', null, MS.MS_REC | MS.MS_PRIVATE, 'MS_REC | MS_PRIVATE', null);
  await checkRootfs(setup);
  // pivot_root needs the new root to be a mount point.
  await mountOrFail(setup, spec.rootfs, spec.rootfs, null, MS.MS_BIND | MS.MS_REC, 'MS_BIND | MS_REC', null);
  await mountOrFail(setup, 'proc', inRoot(setup, '/proc'), 'proc', MS.MS_NOSUID | MS.MS_NODEV | MS.MS_NOEXEC, 'MS_NOSUID | MS_NODEV | MS_NOEXEC', null);
  await mountDev(setup);
  await mountOrFail(setup, 'sysfs', inRoot(setup, '/sys'), 'sysfs', MS.MS_RDONLY | MS.MS_NOSUID | MS.MS_NODEV | MS.MS_NOEXEC, 'MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC', null);
  await pivotInto(setup);
  await maskPaths(setup);
  await makePathsReadonly(setup);
  if (spec.readonlyRootfs) await remountReadonly(setup, '/');
}
