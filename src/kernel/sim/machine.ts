import { MS } from '../flags.js';
import type { MountRequest } from '../types.js';
import { ALL_CAPS } from './access.js';
import { populateDev, populateRootfs, populateSys } from './base-tree.js';
import { CgroupFs } from './cgroupfs.js';
import { buildCgroups, defaultPlacement, type CgroupLayout, type CgroupPlacement } from './cgroup-layouts.js';
import type { CgroupHierarchy } from './cgroup-tree.js';
import { createFilesystem, tmpfs, type FsFactoryHost } from './filesystems.js';
import type { Caller, SimFs } from './fs-types.js';
import { MemFs } from './memfs.js';
import { MountIds, MountNamespace, newMount, type Mount } from './mount-table.js';
import { graft, type MountHost } from './mount-ops.js';
import { NamespaceIds, initialNamespaces } from './namespaces.js';
import { ProcessTable, type SimProcess } from './processes.js';
import { ProcFs, type ProcHost } from './procfs.js';
import { deliverSignal } from './signal-delivery.js';
import { resolveExisting } from './path-walk.js';
import type { VfsContext } from './vfs-context.js';

export interface SimMachineOptions {
  cgroupLayout: CgroupLayout;
  /** Where glassbox was started; default: delegated on v2 as root, the login session otherwise. */
  cgroupPlacement?: CgroupPlacement;
  privileged: boolean;
  hostname: string;
}

/** The pid glassbox itself has on the simulated host, and its login shell's. */
export const SELF_PID = 1234;
const SHELL_PID = 1200;
const NOBODY = 65534;

/**
The simulated host: a booted Debian-like machine with a root filesystem, the usual mounts, cgroups in
the chosen layout, a few processes, and glassbox itself running in a login session as root (or as
nobody). Everything the Kernel façade does goes through here.
*/
export class SimMachine implements MountHost, ProcHost, FsFactoryHost {
  readonly ids = new MountIds(21, 20);
  readonly processes = new ProcessTable(SELF_PID + 1);
  readonly nsIds = new NamespaceIds();
  readonly hierarchies: CgroupHierarchy[];
  readonly osrelease = '6.1.0-glassbox-sim-amd64';
  readonly cpuCount = 2;
  readonly ramBytes = 8 * 2 ** 30;
  readonly sysfs: MemFs;
  readonly rootNs: MountNamespace;
  readonly self: SimProcess;
  readonly procHost: ProcHost = this;
  readonly cgroupHost = this;
  private readonly cgroupFsByHierarchy = new Map<CgroupHierarchy, CgroupFs>();
  private readonly bootedAt = performance.now();
  private seed = 0x2f6b1d;

  constructor(options: SimMachineOptions) {
    const rootfs = new MemFs({ fstype: 'ext4', source: '/dev/vda', dev: { major: 254, minor: 0 }, rootMode: 0o755, firstIno: 2, dirSize: 'block', superOptions: 'errors=remount-ro' });
    populateRootfs(rootfs, options.hostname);
    const root = newMount(this.ids.mountId(), rootfs, rootfs.root(), '/', MS.MS_RELATIME);
    this.ids.hold(rootfs);
    const ns = initialNamespaces(options.hostname);
    this.rootNs = new MountNamespace(ns.mnt.inode, root);
    this.sysfs = new MemFs({ fstype: 'sysfs', source: 'sysfs', dev: this.ids.anonDev(), rootMode: 0o555, firstIno: 1, dirSize: 'entries' });
    populateSys(this.sysfs);
    const cgroups = buildCgroups(options.cgroupLayout, options.cgroupPlacement ?? defaultPlacement(options.cgroupLayout, options.privileged));
    this.hierarchies = cgroups.hierarchies;
    const base = (pid: number, ppid: number, comm: string, argv: string[], kernelThread = false): SimProcess => ({
      pid,
      ppid,
      pgid: kernelThread ? 0 : pid,
      sid: kernelThread ? 0 : pid,
      comm,
      argv,
      exe: argv[0] ?? '',
      uid: 0,
      gid: 0,
      caps: { inheritable: 0n, permitted: ALL_CAPS, effective: ALL_CAPS, bounding: ALL_CAPS, ambient: 0n },
      noNewPrivs: false,
      umask: 0o022,
      cwd: '/',
      ns,
      mountNs: this.rootNs,
      cgroups: new Map(this.hierarchies.map((h) => [h, h.root])),
      charges: new Map(),
      memoryBytes: kernelThread ? 0 : 4 * 2 ** 20,
      state: kernelThread ? 'I' : 'S',
      kernelThread,
      startTicks: pid,
    });
    const init = base(1, 0, 'systemd', ['/sbin/init']);
    init.cgroups = new Map(this.hierarchies.map((h) => [h, cgroups.initCgroup(h)]));
    const kthreadd = base(2, 0, 'kthreadd', [], true);
    const shell = base(SHELL_PID, 1, 'bash', ['-bash']);
    shell.cgroups = new Map(this.hierarchies.map((h) => [h, cgroups.sessionCgroup(h)]));
    shell.cwd = '/root';
    const self = base(SELF_PID, SHELL_PID, 'node', ['node', 'glassbox'], false);
    self.pgid = SELF_PID;
    self.sid = SHELL_PID;
    self.exe = '/usr/local/bin/node';
    self.cwd = '/tmp';
    self.cgroups = new Map(this.hierarchies.map((h) => [h, cgroups.selfCgroup(h)]));
    self.memoryBytes = 48 * 2 ** 20;
    if (!options.privileged) {
      // nobody: no capabilities at all, as `setpriv --reuid=65534 --clear-groups --inh-caps=-all` gives.
      Object.assign(self, { uid: NOBODY, gid: NOBODY });
      self.caps = { inheritable: 0n, permitted: 0n, effective: 0n, bounding: ALL_CAPS, ambient: 0n };
    }
    for (const p of [init, kthreadd, shell, self]) {
      p.charges = new Map(p.cgroups);
      this.processes.add(p);
    }
    this.self = self;
    this.mountBaseTree(options.cgroupLayout);
  }

  /** The root caller, used to set the machine up. */
  private bootContext(): VfsContext {
    return { caller: { pid: 1, uid: 0, gid: 0, caps: ALL_CAPS }, ns: this.rootNs, cwd: '/', umask: 0o022 };
  }

  private attachAt(path: string, fs: SimFs, flags: number): void {
    const ctx = this.bootContext();
    const at = resolveExisting(ctx, path, true);
    const mount: Mount = newMount(this.ids.mountId(), fs, fs.root(), '/', flags);
    this.ids.hold(fs);
    graft(ctx, this.ids, mount, at.loc, at.path);
  }

  private mountBaseTree(layout: CgroupLayout): void {
    const nosuidNodevNoexec = MS.MS_NOSUID | MS.MS_NODEV | MS.MS_NOEXEC | MS.MS_RELATIME;
    this.attachAt('/proc', new ProcFs(this.ids.anonDev(), this), nosuidNodevNoexec);
    this.attachAt('/sys', this.sysfs, nosuidNodevNoexec);
    const dev = new MemFs({ fstype: 'devtmpfs', source: 'udev', dev: { major: 0, minor: 5 }, rootMode: 0o755, firstIno: 1, dirSize: 'entries', superOptions: 'size=4010340k,nr_inodes=1002585,mode=755' });
    populateDev(dev);
    this.attachAt('/dev', dev, MS.MS_NOSUID | MS.MS_RELATIME);
    this.attachAt('/dev/shm', tmpfs(this.ids, 'tmpfs', 'inode64', 0, this.ramBytes), MS.MS_NOSUID | MS.MS_NODEV);
    this.attachAt('/run', tmpfs(this.ids, 'tmpfs', 'size=819200k,mode=755,inode64', 0, this.ramBytes), MS.MS_NOSUID | MS.MS_NODEV | MS.MS_NOEXEC | MS.MS_RELATIME);
    const cg = '/sys/fs/cgroup';
    if (layout === 'v2') {
      this.attachAt(cg, this.cgroupFs(this.hierarchies[0]!), nosuidNodevNoexec);
      return;
    }
    const holder = tmpfs(this.ids, 'tmpfs', 'size=4096k,nr_inodes=1024,mode=755,inode64', 0, this.ramBytes);
    this.attachAt(cg, holder, MS.MS_NOSUID | MS.MS_NODEV | MS.MS_NOEXEC);
    for (const h of this.hierarchies) {
      const name = h.version === 2 ? 'unified' : h.controllers[0]!.replace(/^name=/, '');
      holder.create(holder.root(), name, { type: 'dir', mode: 0o755 }, this.bootContext().caller);
      this.attachAt(`${cg}/${name}`, this.cgroupFs(h), nosuidNodevNoexec);
    }
  }

  cgroupFs(hierarchy: CgroupHierarchy): CgroupFs {
    let fs = this.cgroupFsByHierarchy.get(hierarchy);
    if (fs === undefined) {
      fs = new CgroupFs(hierarchy, this.ids.anonDev(), this);
      this.cgroupFsByHierarchy.set(hierarchy, fs);
    }
    return fs;
  }

  /** What a call made by glassbox itself looks like to the kernel. */
  caller(): Caller {
    return { pid: this.self.pid, uid: this.self.uid, gid: this.self.gid, caps: this.self.caps.effective };
  }

  context(): VfsContext {
    return { caller: this.caller(), ns: this.self.mountNs, cwd: this.self.cwd, umask: this.self.umask };
  }

  /** What a call made by another process of the model sees: its credentials, root, cwd and mounts. */
  contextOf(p: SimProcess): VfsContext {
    const caller = { pid: p.pid, uid: p.uid, gid: p.gid, caps: p.caps.effective };
    return { caller, ns: p.mountNs, cwd: p.cwd, umask: p.umask, ...(p.root === undefined ? {} : { root: p.root }) };
  }

  createFilesystem(ctx: VfsContext, request: MountRequest): SimFs {
    return createFilesystem(this, ctx, request);
  }

  signal(process: SimProcess, signal: number): void {
    deliverSignal(this.processes, process, signal, this.self);
  }

  cgroupHierarchies(): CgroupHierarchy[] {
    return this.hierarchies;
  }

  uptime(): number {
    return 3600 + (performance.now() - this.bootedAt) / 1000;
  }

  startTicks(): number {
    return Math.floor(this.uptime() * 100);
  }

  /** A small deterministic generator (mulberry32) for mkdtemp names: runs repeat exactly. */
  random(): number {
    this.seed = (this.seed + 0x6d2b79f5) | 0;
    let t = this.seed;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
}
