import fs from 'node:fs';
import { writeNewc, type CpioEntry } from './cpio-newc.js';
import { VM_INIT_SCRIPT } from './workload.js';

/**
The VM's initramfs, built by glassbox: the same files as the container's root (a static
busybox and gbx-probe) plus /init and the device nodes the kernel needs before any
devtmpfs is mounted. Without /dev/console in the archive the kernel starts /init with no
terminal at all ("unable to open an initial console") and the probe's output goes nowhere.
*/
export interface InitramfsSources {
  /** A static busybox (Debian's busybox-static: /bin/busybox). */
  busybox: string;
  /** native/bin/gbx-probe (static). */
  probe: string;
}

/** The busybox applets /init and a curious learner use. */
export const VM_APPLETS = ['sh', 'mount', 'poweroff', 'cat', 'ls', 'ps', 'uname', 'echo'] as const;

/** Planned as data: what the archive holds, in order (parents first). */
export function planInitramfs(sources: InitramfsSources, read: (file: string) => Uint8Array = (file) => fs.readFileSync(file)): CpioEntry[] {
  return [
    { type: 'dir', name: 'bin', mode: 0o755 },
    { type: 'file', name: 'bin/busybox', mode: 0o755, data: read(sources.busybox) },
    ...VM_APPLETS.map((applet): CpioEntry => ({ type: 'symlink', name: `bin/${applet}`, target: 'busybox' })),
    { type: 'dir', name: 'dev', mode: 0o755 },
    // Device numbers from Documentation/admin-guide/devices.txt.
    { type: 'char', name: 'dev/console', mode: 0o600, major: 5, minor: 1 },
    { type: 'char', name: 'dev/null', mode: 0o666, major: 1, minor: 3 },
    { type: 'char', name: 'dev/ttyS0', mode: 0o660, major: 4, minor: 64 },
    { type: 'dir', name: 'proc', mode: 0o555 },
    { type: 'dir', name: 'sys', mode: 0o555 },
    { type: 'dir', name: 'tmp', mode: 0o1777 },
    { type: 'file', name: 'gbx-probe', mode: 0o755, data: read(sources.probe) },
    { type: 'file', name: 'init', mode: 0o755, data: Buffer.from(VM_INIT_SCRIPT, 'utf8') },
  ];
}

/** Writes the archive (uncompressed: the kernel unpacks it without a decompressor) and returns its size. */
export function writeInitramfs(file: string, sources: InitramfsSources): number {
  const archive = writeNewc(planInitramfs(sources));
  fs.writeFileSync(file, archive, { mode: 0o644 });
  return archive.length;
}
