import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { nativeBinary } from '../native/paths.js';
import { glassboxHome } from '../store/layout.js';

/**
What booting the VM needs, found on this machine: qemu, a kernel, a static busybox and
gbx-probe. Nothing is installed here; a missing piece comes back with the command that
provides it. The kernel is searched for, in order:

1. `<GLASSBOX_HOME>/vm/vmlinuz-*`, then the system-wide `/var/lib/glassbox/vm/vmlinuz-*`
   (where `scripts/install-system-deps.sh`, run as root, puts one from Debian's package);
2. `/boot/vmlinuz-*` when readable;
3. a `linux-image-*.deb` already downloaded (in `<GLASSBOX_HOME>/vm/` or apt's cache):
   only `./boot/vmlinuz-*` is taken out of it, into `<GLASSBOX_HOME>/vm/`; the host's
   kernel is never touched.

Within a place the `-cloud-` flavour wins (made for VMs: it probes fewer devices and
boots in about half the time), then the highest version.
*/
export const SYSTEM_VM_DIR = '/var/lib/glassbox/vm';
export const APT_ARCHIVES = '/var/cache/apt/archives';
export const QEMU_BINARY = 'qemu-system-x86_64';

export interface VmAssets {
  qemu: string;
  kernel: string;
  busybox: string;
  probe: string;
}

export interface MissingAsset {
  what: 'qemu' | 'kernel' | 'busybox' | 'gbx-probe' | 'arch';
  /** Lowercase, no full stop, like every glassbox message. */
  message: string;
  hint: string;
}

export type VmAssetsLookup = { ok: true; assets: VmAssets } | { ok: false; missing: MissingAsset[] };

export interface LookupOptions {
  home?: string;
  /** PATH to search for qemu; default process.env.PATH. */
  pathEnv?: string;
  bootDir?: string;
  systemVmDir?: string;
  aptArchives?: string;
  busybox?: string;
  probe?: string | undefined;
  arch?: string;
}

export function vmDir(home: string = glassboxHome()): string {
  return path.join(home, 'vm');
}

/** Orders kernel file names: cloud flavour first, then by version, highest first. */
export function rankKernels(names: readonly string[]): string[] {
  const collator = new Intl.Collator('en', { numeric: true });
  return [...names].sort((a, b) => {
    const cloud = Number(b.includes('-cloud-')) - Number(a.includes('-cloud-'));
    return cloud !== 0 ? cloud : collator.compare(b, a);
  });
}

function readable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.R_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

function listMatching(dir: string, pattern: RegExp): string[] {
  try {
    return fs.readdirSync(dir).filter((name) => pattern.test(name));
  } catch {
    return [];
  }
}

/** The best readable kernel image in a directory, or undefined. */
export function findKernelIn(dir: string): string | undefined {
  return rankKernels(listMatching(dir, /^vmlinuz-/))
    .map((name) => path.join(dir, name))
    .find(readable);
}

export function findKernelPackage(dirs: readonly string[]): string | undefined {
  for (const dir of dirs) {
    // Debian's image packages: linux-image-6.1.0-56-amd64_6.1.192-2_amd64.deb; the unsigned
    // and the signed ones hold the same vmlinuz. Metapackages (linux-image-amd64_…) hold none.
    const found = rankKernels(listMatching(dir, /^linux-image-\d[^_]*_[^_]+_amd64\.deb$/)).map((name) => path.join(dir, name));
    if (found[0] !== undefined) return found[0];
  }
  return undefined;
}

/**
Takes `./boot/vmlinuz-*` out of a kernel package into `dir` (dpkg-deb and tar, both in
every Debian). Written to a temporary name first, so a broken extraction leaves nothing.
*/
export function extractKernel(deb: string, dir: string): string {
  fs.mkdirSync(dir, { recursive: true });
  const scratch = fs.mkdtempSync(path.join(dir, '.extract-'));
  try {
    // dpkg-deb may die of SIGPIPE once tar has what it needs: tar's status is the one that counts.
    const result = spawnSync('sh', ['-c', 'dpkg-deb --fsys-tarfile "$1" | tar -xf - -C "$2" --wildcards "./boot/vmlinuz-*"', 'sh', deb, scratch], {
      encoding: 'utf8',
      timeout: 120_000,
    });
    const name = listMatching(path.join(scratch, 'boot'), /^vmlinuz-/)[0];
    if (name === undefined) {
      throw new Error(`no ./boot/vmlinuz-* in ${deb}${result.stderr ? `: ${result.stderr.trim().split('\n').at(-1)}` : ''}`);
    }
    const target = path.join(dir, name);
    fs.renameSync(path.join(scratch, 'boot', name), target);
    return target;
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true });
  }
}

export function findOnPath(name: string, pathEnv: string = process.env.PATH ?? ''): string | undefined {
  for (const dir of pathEnv.split(':').filter(Boolean)) {
    const file = path.join(dir, name);
    try {
      fs.accessSync(file, fs.constants.X_OK);
      return file;
    } catch {
      // Not here.
    }
  }
  return undefined;
}

const SETUP = 'run scripts/install-system-deps.sh as root';

/** Finds (and if need be extracts) everything the VM needs, or says what is missing. */
export function lookupVmAssets(options: LookupOptions = {}): VmAssetsLookup {
  const missing: MissingAsset[] = [];
  const arch = options.arch ?? process.arch;
  if (arch !== 'x64') {
    missing.push({ what: 'arch', message: `the VM side runs on x86-64 only, this machine is ${arch}`, hint: 'the recorded figures are shown instead' });
  }
  const qemu = findOnPath(QEMU_BINARY, options.pathEnv);
  if (qemu === undefined) {
    missing.push({ what: 'qemu', message: `${QEMU_BINARY} is not installed`, hint: `${SETUP}, or: apt-get install qemu-system-x86` });
  }
  const kernel = findKernel(options, missing);
  const busybox = options.busybox ?? '/bin/busybox';
  if (!readable(busybox)) {
    missing.push({ what: 'busybox', message: `no static busybox at ${busybox}`, hint: `${SETUP}, or: apt-get install busybox-static` });
  }
  const probe = 'probe' in options ? options.probe : nativeBinary('gbx-probe');
  if (probe === undefined) missing.push({ what: 'gbx-probe', message: 'gbx-probe is not built', hint: 'run npm run build' });
  if (missing.length > 0 || qemu === undefined || kernel === undefined || probe === undefined) return { ok: false, missing };
  return { ok: true, assets: { qemu, kernel, busybox, probe } };
}

function findKernel(options: LookupOptions, missing: MissingAsset[]): string | undefined {
  const own = vmDir(options.home);
  const system = options.systemVmDir ?? SYSTEM_VM_DIR;
  const found = findKernelIn(own) ?? findKernelIn(system) ?? findKernelIn(options.bootDir ?? '/boot');
  if (found !== undefined) return found;
  const deb = findKernelPackage([own, system, options.aptArchives ?? APT_ARCHIVES]);
  if (deb !== undefined) {
    try {
      return extractKernel(deb, own);
    } catch (error) {
      missing.push({ what: 'kernel', message: `cannot take the kernel out of ${deb}: ${(error as Error).message}`, hint: SETUP });
      return undefined;
    }
  }
  missing.push({
    what: 'kernel',
    message: `no kernel for the VM in ${own}, ${system} or /boot`,
    hint: `${SETUP} (it downloads Debian's linux-image-cloud-amd64 and keeps only its vmlinuz), or: apt-get download linux-image-<version>-cloud-amd64 into ${own}`,
  });
  return undefined;
}
