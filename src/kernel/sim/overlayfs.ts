import { ERRNO } from '../errno.js';
import { S_IF } from '../flags.js';
import { ErrnoFailure } from '../trace.js';
import type { FileStat } from '../types.js';
import type { AttrChange, Caller, CreateSpec, DeviceNumber, FsNode, SimFs } from './fs-types.js';
import { isDir, isOpaque, type SimInode } from './inode.js';
import { applyAttrChange } from './memfs.js';
import {
  OVERLAY_PREFIX,
  decodeOrigin,
  encodeOrigin,
  fromLayerXattr,
  listMerged,
  lowerHas,
  lookupMerged,
  mergedRoot,
  toLayerXattr,
  topInode,
  type Layer,
  type MergedEntry,
} from './overlay-view.js';

interface OvlNode extends FsNode {
  path: string[];
}

export interface OverlaySpec {
  dev: DeviceNumber;
  source: string;
  /** Top first, as in lowerdir=top:...:bottom. */
  lowers: Layer[];
  upper: Layer | null;
  /** mountinfo's super options (`lowerdir=...,upperdir=...,workdir=...`). */
  options: string;
}

/**
overlayfs: a merged view computed from its layers on every lookup. Changes go to upper only: the
first change to a lower file copies it up (data, mode, owner, xattrs, with trusted.overlay.origin);
removing a name that a lower still has leaves a whiteout; a directory made where a whiteout was is
opaque. Without upperdir the overlay is read-only (EROFS).
*/
export class OverlayFs implements SimFs {
  readonly fstype = 'overlay';
  readonly dev: DeviceNumber;
  readonly source: string;
  readonly readOnly: boolean;

  constructor(private readonly spec: OverlaySpec) {
    this.dev = spec.dev;
    this.source = spec.source;
    this.readOnly = spec.upper === null;
  }

  superOptions(): string {
    return this.spec.options;
  }

  private node(entry: MergedEntry): OvlNode {
    return { key: `/${entry.path.join('/')}`, path: entry.path };
  }

  /** The merged entry at a path, recomputed: layers may have changed since the node was made. */
  private entry(node: FsNode): MergedEntry {
    let entry: MergedEntry | null = mergedRoot(this.spec.upper, this.spec.lowers);
    for (const name of (node as OvlNode).path) {
      entry = entry === null ? null : lookupMerged(entry, name);
    }
    if (entry === null) throw new ErrnoFailure(ERRNO.ENOENT);
    return entry;
  }

  private get upper(): Layer {
    if (this.spec.upper === null) throw new ErrnoFailure(ERRNO.EROFS);
    return this.spec.upper;
  }

  root(): OvlNode {
    return this.node(mergedRoot(this.spec.upper, this.spec.lowers));
  }

  lookup(dir: FsNode, name: string): OvlNode | null {
    const found = lookupMerged(this.entry(dir), name);
    return found === null ? null : this.node(found);
  }

  stat(node: FsNode): FileStat {
    const entry = this.entry(node);
    const top = entry.upper ?? entry.lowers[0]!.inode;
    const layer = entry.upper !== null ? this.upper : this.spec.lowers[entry.lowers[0]!.layer]!;
    const stat = layer.fs.stat(top);
    // The inode number stays that of the lower file it came from (origin), so a copy-up keeps st_ino.
    const origin = entry.upper === null ? undefined : decodeOrigin(entry.upper.xattrs.get(`${OVERLAY_PREFIX}origin`));
    const ino = origin ?? top.ino;
    // A merged directory (more than one layer) reports one link.
    const merged = isDir(top) && (entry.upper !== null ? 1 : 0) + entry.lowers.length > 1;
    return { ...stat, ino, nlink: merged ? 1 : stat.nlink };
  }

  readdir(dir: FsNode): string[] {
    return listMerged(this.entry(dir));
  }

  readlink(node: FsNode): string {
    return topInode(this.entry(node)).target;
  }

  read(node: FsNode): Buffer {
    return Buffer.from(topInode(this.entry(node)).data);
  }

  write(node: FsNode, data: Buffer): void {
    const entry = this.entry(node);
    if ((topInode(entry).mode & S_IF.S_IFMT) !== S_IF.S_IFREG) return;
    this.upper.fs.write(this.copyUp(entry), data);
  }

  /** Copies an entry (and its parents) into upper if it is not there yet; returns the upper inode. */
  private copyUp(entry: MergedEntry): SimInode {
    if (entry.upper !== null) return entry.upper;
    const parent = this.entry({ key: '', path: entry.path.slice(0, -1) } as OvlNode);
    const parentUpper = this.copyUp(parent);
    const lower = entry.lowers[0]!.inode;
    const copy = this.upper.fs.allocate(lower.mode, lower.uid, lower.gid);
    copy.data = Buffer.from(lower.data);
    copy.target = lower.target;
    copy.rdevMajor = lower.rdevMajor;
    copy.rdevMinor = lower.rdevMinor;
    for (const [name, value] of lower.xattrs) if (!name.startsWith(OVERLAY_PREFIX) || fromLayerXattr(name) !== null) copy.xattrs.set(name, Buffer.from(value));
    copy.xattrs.set(`${OVERLAY_PREFIX}origin`, encodeOrigin(lower.ino));
    parentUpper.xattrs.set(`${OVERLAY_PREFIX}impure`, Buffer.from('y'));
    this.upper.fs.link(parentUpper, entry.path[entry.path.length - 1]!, copy);
    return copy;
  }

  private whiteout(dir: SimInode, name: string): void {
    const whiteout = this.upper.fs.allocate(S_IF.S_IFCHR, 0, 0);
    this.upper.fs.link(dir, name, whiteout);
  }

  create(dir: FsNode, name: string, spec: CreateSpec, caller: Caller): OvlNode {
    // overlayfs refuses to make a whiteout through the overlay (EPERM).
    if (spec.type === 'special' && (spec.mode & S_IF.S_IFMT) === S_IF.S_IFCHR && spec.major === 0 && spec.minor === 0) {
      throw new ErrnoFailure(ERRNO.EPERM);
    }
    const parent = this.entry(dir);
    const parentUpper = this.copyUp(parent);
    const wasWhiteout = parentUpper.children.has(name);
    const inode = this.upper.fs.makeInode(parentUpper, spec, caller);
    if (wasWhiteout) {
      this.upper.fs.unlinkEntry(parentUpper, name);
      // A directory made over a whiteout must not show what the lowers still have under that name.
      if (spec.type === 'dir') inode.xattrs.set(`${OVERLAY_PREFIX}opaque`, Buffer.from('y'));
    }
    this.upper.fs.link(parentUpper, name, inode);
    return { key: `/${[...parent.path, name].join('/')}`, path: [...parent.path, name] };
  }

  remove(dir: FsNode, name: string, node: FsNode): void {
    const entry = this.entry(node);
    // rmdir(2): ENOTEMPTY when the merged directory still lists anything.
    if (isDir(topInode(entry)) && listMerged(entry).length > 0) throw new ErrnoFailure(ERRNO.ENOTEMPTY);
    const parent = this.entry(dir);
    const parentUpper = this.copyUp(parent);
    if (entry.upper !== null) this.upper.fs.unlinkEntry(parentUpper, name);
    if (lowerHas(parent, name)) this.whiteout(parentUpper, name);
  }

  rename(fromDir: FsNode, fromName: string, toDir: FsNode, toName: string): void {
    const fromParent = this.entry(fromDir);
    const toParent = this.entry(toDir);
    const source = lookupMerged(fromParent, fromName);
    if (source === null) throw new ErrnoFailure(ERRNO.ENOENT);
    const target = lookupMerged(toParent, toName);
    const dir = isDir(topInode(source));
    // overlayfs without redirect_dir: a directory that has lower parts cannot be moved (EXDEV).
    if (dir && source.lowers.length > 0 && !(source.upper !== null && isOpaque(source.upper))) throw new ErrnoFailure(ERRNO.EXDEV);
    if (target !== null && isDir(topInode(target)) && listMerged(target).length > 0) throw new ErrnoFailure(ERRNO.ENOTEMPTY);
    const moved = this.copyUp(source);
    const fromUpper = this.copyUp(this.entry(fromDir));
    const toUpper = this.copyUp(this.entry(toDir));
    this.upper.fs.unlinkEntry(fromUpper, fromName);
    if (lowerHas(fromParent, fromName)) this.whiteout(fromUpper, fromName);
    this.upper.fs.unlinkEntry(toUpper, toName);
    if (dir && lowerHas(toParent, toName)) moved.xattrs.set(`${OVERLAY_PREFIX}opaque`, Buffer.from('y'));
    this.upper.fs.link(toUpper, toName, moved);
  }

  setattr(node: FsNode, change: AttrChange): void {
    applyAttrChange(this.copyUp(this.entry(node)), change);
  }

  getxattr(node: FsNode, name: string): Buffer | undefined {
    return topInode(this.entry(node)).xattrs.get(toLayerXattr(name));
  }

  setxattr(node: FsNode, name: string, value: Buffer): void {
    this.copyUp(this.entry(node)).xattrs.set(toLayerXattr(name), Buffer.from(value));
  }

  listxattr(node: FsNode): string[] {
    const names = [...topInode(this.entry(node)).xattrs.keys()].map(fromLayerXattr);
    return names.filter((n): n is string => n !== null);
  }

  removexattr(node: FsNode, name: string): boolean {
    const entry = this.entry(node);
    if (!topInode(entry).xattrs.has(toLayerXattr(name))) return false;
    return this.copyUp(entry).xattrs.delete(toLayerXattr(name));
  }
}
