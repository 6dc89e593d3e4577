import fs from 'node:fs';
import os from 'node:os';
import { missingCapabilities, readCapLastCap, decodeCapabilities } from '../observe/capabilities.js';
import { readMountInfo } from '../observe/mountinfo.js';
import { readStatus } from '../observe/status.js';
import { readOptional, type KernelReader } from '../observe/reader.js';
import { NAMESPACE_KINDS, type DoctorFacts, type NamespaceKind } from './facts.js';
import { canAccess, hostReader } from '../observe/host-reader.js';
import { collectCgroupFacts } from './cgroups.js';
import { nativeStatus } from '../native/paths.js';

export interface CollectOptions {
  reader?: KernelReader;
  /** Whether the real backend loaded; the CLI finds out, since only it may import a backend. */
  realBackend: { ok: boolean; reason?: string };
}

/** Examines the machine. Never throws for a missing feature: each one is a fact. */
export function collectFacts(options: CollectOptions): DoctorFacts {
  const reader = options.reader ?? hostReader;
  const linux = process.platform === 'linux';
  const uid = typeof process.getuid === 'function' ? process.getuid() : null;
  return {
    platform: process.platform,
    arch: process.arch,
    kernelRelease: os.release(),
    uid,
    capabilities: linux ? readCapabilityFacts(reader) : { known: false, effective: [], missing: [] },
    overlay: linux && hasOverlay(reader),
    namespaces: Object.fromEntries(
      NAMESPACE_KINDS.map((kind) => [kind, linux && readOptionalLink(reader, `/proc/self/ns/${kind}`) !== null]),
    ) as Record<NamespaceKind, boolean>,
    userNamespaces: linux ? userNamespaceFacts(reader, uid) : { allowed: false, detail: 'not Linux' },
    cgroups: collectCgroupFacts(linux ? reader : undefined),
    pivotRoot: linux ? pivotRootFacts(reader) : { possible: false, rootFsType: null, detail: 'not Linux' },
    kvm: { present: fs.existsSync('/dev/kvm'), usable: canAccess('/dev/kvm', fs.constants.R_OK | fs.constants.W_OK) },
    // Only the helpers this version has sources for: one planned for later is not "missing".
    native: nativeStatus()
      .filter((binary) => binary.hasSource || binary.built)
      .map(({ name, built, path }) => ({ name, built, path: built ? path : null })),
    realBackend: options.realBackend,
  };
}

function readCapabilityFacts(reader: KernelReader): DoctorFacts['capabilities'] {
  try {
    const effective = readStatus(reader).capabilities.effective;
    return {
      known: true,
      effective: decodeCapabilities(effective),
      missing: missingCapabilities(effective, readCapLastCap(reader)),
    };
  } catch {
    return { known: false, effective: [], missing: [] };
  }
}

function readOptionalLink(reader: KernelReader, path: string): string | null {
  try {
    return reader.readlink(path);
  } catch {
    return null;
  }
}

/** overlay is listed once its module is loaded; a root user's first mount loads it on demand. */
function hasOverlay(reader: KernelReader): boolean {
  const filesystems = readOptional(reader, '/proc/filesystems') ?? '';
  if (/\toverlay$/m.test(filesystems)) return true;
  const modules = readOptional(reader, `/lib/modules/${os.release()}/modules.dep`) ?? '';
  return /\/overlay\.ko/.test(modules);
}

function userNamespaceFacts(reader: KernelReader, uid: number | null): DoctorFacts['userNamespaces'] {
  const max = Number((readOptional(reader, '/proc/sys/user/max_user_namespaces') ?? '0').trim());
  if (!(max > 0)) return { allowed: false, detail: 'user.max_user_namespaces is 0' };
  // Debian's own switch for unprivileged users; root is not affected by it.
  const debian = readOptional(reader, '/proc/sys/kernel/unprivileged_userns_clone');
  if (debian !== null && debian.trim() === '0' && uid !== 0) {
    return { allowed: false, detail: 'kernel.unprivileged_userns_clone is 0' };
  }
  const apparmor = readOptional(reader, '/proc/sys/kernel/apparmor_restrict_unprivileged_userns');
  if (apparmor !== null && apparmor.trim() === '1' && uid !== 0) {
    return { allowed: false, detail: 'AppArmor restricts unprivileged user namespaces' };
  }
  return { allowed: true, detail: `max_user_namespaces=${max}` };
}

/**
pivot_root(2) returns EINVAL when the current root is the initial rootfs (ramfs/tmpfs
from an initramfs that was never switched away from): then only chroot is possible.
*/
function pivotRootFacts(reader: KernelReader): DoctorFacts['pivotRoot'] {
  try {
    const mounts = readMountInfo(reader);
    const root = mounts.filter((entry) => entry.mountPoint === '/').at(-1);
    if (root === undefined) return { possible: false, rootFsType: null, detail: 'no mount at / in mountinfo' };
    const possible = root.fsType !== 'rootfs' && !(root.fsType === 'ramfs' && root.parentId === root.mountId);
    return {
      possible,
      rootFsType: root.fsType,
      detail: possible ? `root filesystem is ${root.fsType}` : `root filesystem is ${root.fsType} (initramfs): pivot_root fails with EINVAL`,
    };
  } catch (error) {
    return { possible: false, rootFsType: null, detail: `mountinfo unreadable: ${(error as Error).message}` };
  }
}
