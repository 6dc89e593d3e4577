import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { writeInitramfs, VM_APPLETS, type InitramfsSources } from './initramfs.js';

/**
The scratch directory of one comparison (`$TMPDIR/glassbox-compare-*`): the container's
root and the VM's initramfs, made from the same two files, so that the only difference
on disk is the kernel the VM brings. Removed at the end, also after Ctrl-C.
*/
export interface CompareWorkspace {
  dir: string;
  rootfs: string;
  initramfs: string;
  /** Bytes of the files in the container's root (what an image's layers would hold). */
  rootfsBytes: number;
  initramfsBytes: number;
  remove(): void;
}

function copyExecutable(from: string, to: string): number {
  fs.copyFileSync(from, to);
  fs.chmodSync(to, 0o755);
  return fs.statSync(to).size;
}

export function prepareWorkspace(sources: InitramfsSources, tmpdir: string = os.tmpdir()): CompareWorkspace {
  const dir = fs.mkdtempSync(path.join(tmpdir, 'glassbox-compare-'));
  const remove = (): void => fs.rmSync(dir, { recursive: true, force: true });
  try {
    // mkdtemp makes 0700; the container's root must be reachable for what runs in it.
    fs.chmodSync(dir, 0o755);
    const rootfs = path.join(dir, 'rootfs');
    fs.mkdirSync(path.join(rootfs, 'bin'), { recursive: true, mode: 0o755 });
    let rootfsBytes = copyExecutable(sources.busybox, path.join(rootfs, 'bin/busybox'));
    for (const applet of VM_APPLETS) fs.symlinkSync('busybox', path.join(rootfs, 'bin', applet));
    rootfsBytes += copyExecutable(sources.probe, path.join(rootfs, 'gbx-probe'));
    fs.mkdirSync(path.join(rootfs, 'tmp'), { mode: 0o1777 });
    const initramfs = path.join(dir, 'initramfs.cpio');
    const initramfsBytes = writeInitramfs(initramfs, sources);
    return { dir, rootfs, initramfs, rootfsBytes, initramfsBytes, remove };
  } catch (error) {
    remove();
    throw error;
  }
}
