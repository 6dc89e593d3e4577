import { ERRNO } from '../errno.js';
import { S_IF } from '../flags.js';
import { ErrnoFailure } from '../trace.js';
import type { FileStat } from '../types.js';
import { checkMkdir, checkRmdir, type CgroupFile, type CgroupHost } from './cgroup-core.js';
import { V1_CONTROLLER_FILES, V1_CORE_FILES } from './cgroup-files-v1.js';
import { V2_CONTROLLER_FILES, V2_CORE_FILES } from './cgroup-files-v2.js';
import { controllerActive, createChild, fileIno, type CgroupAttrs, type CgroupHierarchy, type CgroupNode } from './cgroup-tree.js';
import type { AttrChange, Caller, CreateSpec, DeviceNumber, FsNode, SimFs } from './fs-types.js';

interface CgNode extends FsNode {
  cg: CgroupNode;
  file: CgroupFile | null;
}

/** The interface files a group has: core files, then those of each controller active in it. */
export function interfaceFiles(cg: CgroupNode): CgroupFile[] {
  const root = cg.parent === null;
  const v1 = cg.hierarchy.version === 1;
  const files = [...(v1 ? V1_CORE_FILES : V2_CORE_FILES)];
  const table = v1 ? V1_CONTROLLER_FILES : V2_CONTROLLER_FILES;
  for (const [controller, list] of Object.entries(table)) {
    if (v1 ? cg.hierarchy.controllers.includes(controller) : controllerActive(cg, controller)) files.push(...list);
  }
  return files.filter((f) => f.scope === 'all' || (f.scope === 'root') === root).sort((a, b) => a.name.localeCompare(b.name));
}

/**
cgroupfs (kernfs underneath): directories are groups, files are interface files that parse what is
written to them. mkdir makes a group, rmdir removes an empty one; files can be neither made (EACCES,
kernfs has no create) nor removed (EPERM), and reading a file without a read handler is EINVAL.
*/
export class CgroupFs implements SimFs {
  readonly fstype: string;
  readonly source: string;
  readonly readOnly = false;

  constructor(
    readonly hierarchy: CgroupHierarchy,
    readonly dev: DeviceNumber,
    private readonly host: CgroupHost,
  ) {
    this.fstype = hierarchy.version === 2 ? 'cgroup2' : 'cgroup';
    this.source = this.fstype;
  }

  superOptions(): string {
    return this.hierarchy.version === 2 ? 'nsdelegate,memory_recursiveprot' : this.hierarchy.controllers.join(',');
  }

  root(): CgNode {
    return this.nodeOf(this.hierarchy.root, null);
  }

  private nodeOf(cg: CgroupNode, file: CgroupFile | null): CgNode {
    return { key: file === null ? `${cg.ino}` : `${cg.ino}:${file.name}`, cg, file };
  }

  private attrs(node: CgNode): CgroupAttrs {
    const key = node.file?.name ?? '';
    let attrs = node.cg.attrs.get(key);
    if (attrs === undefined) {
      attrs = { mode: node.file?.mode ?? 0o755, uid: 0, gid: 0, xattrs: new Map() };
      node.cg.attrs.set(key, attrs);
    }
    return attrs;
  }

  lookup(dir: FsNode, name: string): CgNode | null {
    const { cg } = dir as CgNode;
    const file = interfaceFiles(cg).find((f) => f.name === name);
    if (file !== undefined) return this.nodeOf(cg, file);
    const child = cg.children.get(name);
    return child === undefined ? null : this.nodeOf(child, null);
  }

  stat(node: FsNode): FileStat {
    const n = node as CgNode;
    const attrs = this.attrs(n);
    const dir = n.file === null;
    return {
      type: dir ? 'dir' : 'file',
      mode: (dir ? S_IF.S_IFDIR : S_IF.S_IFREG) | attrs.mode,
      uid: attrs.uid,
      gid: attrs.gid,
      size: 0,
      rdevMajor: 0,
      rdevMinor: 0,
      ino: dir ? n.cg.ino : fileIno(n.cg, n.file!.name),
      nlink: dir ? 2 + n.cg.children.size : 1,
    };
  }

  readdir(dir: FsNode): string[] {
    const { cg } = dir as CgNode;
    return [...interfaceFiles(cg).map((f) => f.name), ...cg.children.keys()];
  }

  readlink(): string {
    throw new ErrnoFailure(ERRNO.EINVAL);
  }

  read(node: FsNode): Buffer {
    const { cg, file } = node as CgNode;
    // kernfs: a file without a show handler reads as EINVAL (cgroup.kill, devices.allow).
    if (file?.read === undefined) throw new ErrnoFailure(ERRNO.EINVAL);
    return Buffer.from(file.read(cg, this.host));
  }

  write(node: FsNode, data: Buffer, caller: Caller): void {
    const { cg, file } = node as CgNode;
    // A zero-length write never reaches the handler: writeFile('') only opens and truncates.
    if (data.byteLength === 0) return;
    if (file?.write === undefined) throw new ErrnoFailure(ERRNO.EINVAL);
    file.write(cg, data.toString('utf8'), this.host, caller);
  }

  create(dir: FsNode, name: string, spec: CreateSpec, caller: Caller): CgNode {
    const { cg } = dir as CgNode;
    // kernfs has mkdir but no create, mknod or symlink: EACCES for a file, EPERM for the others.
    if (spec.type === 'file') throw new ErrnoFailure(ERRNO.EACCES);
    if (spec.type !== 'dir') throw new ErrnoFailure(ERRNO.EPERM);
    checkMkdir(cg, name);
    const child = createChild(cg, name);
    // cgroup_mkdir() passes the mode and the caller's fsuid/fsgid to kernfs.
    child.attrs.set('', { mode: spec.mode & 0o7777, uid: caller.uid, gid: caller.gid, xattrs: new Map() });
    return this.nodeOf(child, null);
  }

  remove(_dir: FsNode, name: string, node: FsNode): void {
    const n = node as CgNode;
    // unlink(2) in cgroupfs: interface files cannot be removed (EPERM).
    if (n.file !== null) throw new ErrnoFailure(ERRNO.EPERM);
    checkRmdir(n.cg, this.host);
    n.cg.parent?.children.delete(name);
  }

  rename(fromDir: FsNode, fromName: string, toDir: FsNode, toName: string): void {
    const from = (fromDir as CgNode).cg;
    const to = (toDir as CgNode).cg;
    // cgroup v2 has no rename; v1 renames groups only, within their parent.
    if (this.hierarchy.version === 2) throw new ErrnoFailure(ERRNO.EPERM);
    const child = from.children.get(fromName);
    if (child === undefined) throw new ErrnoFailure(ERRNO.ENOTDIR);
    if (from !== to) throw new ErrnoFailure(ERRNO.EIO);
    if (to.children.has(toName)) throw new ErrnoFailure(ERRNO.EEXIST);
    from.children.delete(fromName);
    child.name = toName;
    to.children.set(toName, child);
  }

  setattr(node: FsNode, change: AttrChange): void {
    const attrs = this.attrs(node as CgNode);
    if (change.mode !== undefined) attrs.mode = change.mode & 0o7777;
    if (change.uid !== undefined && change.uid !== -1) attrs.uid = change.uid;
    if (change.gid !== undefined && change.gid !== -1) attrs.gid = change.gid;
  }

  getxattr(node: FsNode, name: string): Buffer | undefined {
    return this.attrs(node as CgNode).xattrs.get(name);
  }

  setxattr(node: FsNode, name: string, value: Buffer): void {
    this.attrs(node as CgNode).xattrs.set(name, Buffer.from(value));
  }

  listxattr(node: FsNode): string[] {
    return [...this.attrs(node as CgNode).xattrs.keys()];
  }

  removexattr(node: FsNode, name: string): boolean {
    return this.attrs(node as CgNode).xattrs.delete(name);
  }
}
