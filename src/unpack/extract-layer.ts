import { GlassboxError, withContext } from '../errors.js';
import { S_IF } from '../kernel/flags.js';
import { cleanEntryPath, classifyEntry, parentPaths, type EntryPath } from './entry-path.js';
import type { FileSink, LayerFs } from './layer-fs.js';
import type { UnpackLimits } from './limits.js';
import { quoteName, refuseEntry } from './refusal.js';
import type { EntrySink, TarEntry, TarVisitor } from './tar-reader.js';

/**
Turns tar entries into one layer directory in the overlay on-disk form. The directory is new and
private (mkdtemp, 0700), so everything in it was put there by this extractor, which keeps an index
of what it made. Paths are resolved against that index, component by component, the way
openat2(RESOLVE_NO_SYMLINKS | RESOLVE_BENEATH) would: a parent must be a directory this layer made;
a symlink or a file as a parent is a refusal, never something to follow. The final component is
created with calls that fail on an existing name (see layer-fs.ts). Nothing here can write outside
the layer directory, whatever the entry names and link targets say.

Whiteouts (OCI image spec, layer.md) become what overlayfs reads:
- `dir/.wh.NAME` → `dir/NAME` as a 0/0 character device, unless this layer itself adds NAME: a
  whiteout only hides the layers below, so a same-layer file wins, and a same-layer directory
  becomes opaque (it keeps its own entries and hides the lower ones), whichever comes first;
- `dir/.wh..wh..opq` → `trusted.overlay.opaque=y` on dir, before or after dir's other entries.

Metadata order per entry: data (and, for files, times on the open file), then lchown (which clears
setuid/setgid and security.capability), then chmod, then xattrs, then times for the rest. Directories get theirs at the end, after their children,
so that a read-only directory mode or its mtime is not undone by writing into it.
*/
export interface ExtractCounts {
  files: number;
  dirs: number;
  symlinks: number;
  hardlinks: number;
  devices: number;
  fifos: number;
  whiteouts: number;
  opaques: number;
  /** aufs `.wh..wh.*` bookkeeping entries, skipped. */
  skipped: number;
}

export interface ExtractSummary {
  counts: ExtractCounts;
  /**
  Directories this layer only implies (an entry below them, no entry of their own) and does not
  make opaque. If a lower layer has a symlink there, overlayfs shows this directory instead of the
  symlink's target; `checkLayerStack` refuses that.
  */
  impliedDirs: string[];
}

type Kind = 'dir' | 'file' | 'symlink' | 'char' | 'block' | 'fifo' | 'whiteout';

interface IndexNode {
  kind: Kind;
  /** A directory created only because an entry below it needed it. */
  implied?: boolean;
  opaque?: boolean;
  /** Symlink target, for messages. */
  target?: string;
}

const WHITEOUT_MODE = S_IF.S_IFCHR; // what overlayfs itself creates: c--------- 0/0
const OPAQUE_XATTR = 'trusted.overlay.opaque';
/** Names overlayfs reads from its layers: from an image they could redirect lookups or fake whiteouts. */
const RESERVED_XATTR = /^(trusted|user)\.overlay\./;

const TYPE_BITS: Record<string, number> = { char: S_IF.S_IFCHR, block: S_IF.S_IFBLK, fifo: S_IF.S_IFIFO };

export class LayerExtractor implements TarVisitor {
  private readonly index = new Map<string, IndexNode>([['', { kind: 'dir' }]]);
  private readonly whiteoutEntries = new Set<string>();
  /** Explicit directory entries, whose metadata is applied at the end. */
  private readonly dirEntries = new Map<string, TarEntry>();
  private entries = 0;
  readonly counts: ExtractCounts = { files: 0, dirs: 0, symlinks: 0, hardlinks: 0, devices: 0, fifos: 0, whiteouts: 0, opaques: 0, skipped: 0 };

  constructor(
    private readonly fs: LayerFs,
    /** The layer directory: new, empty, made by the caller. */
    private readonly root: string,
    private readonly limits: UnpackLimits,
    /** Who owns what this process creates there (lstat of the new root): no lchown needed for those. */
    private readonly owner: { uid: number; gid: number },
  ) {}

  entry(entry: TarEntry): EntrySink | null {
    if (++this.entries > this.limits.maxEntries) {
      throw refuseEntry('UNPACK_LIMIT', entry.name, `more than ${this.limits.maxEntries} entries in one layer (maxEntries)`);
    }
    try {
      return this.apply(entry);
    } catch (error) {
      throw this.named(entry, error);
    }
  }

  /** Applies directory metadata; call once after the last entry. */
  finish(): ExtractSummary {
    const dirs = [...this.index].filter(([, node]) => node.kind === 'dir').map(([path]) => path);
    // Deepest first, so that a directory's own metadata comes after all of its children's.
    dirs.sort((a, b) => depth(b) - depth(a));
    for (const path of dirs) {
      const entry = this.dirEntries.get(path);
      try {
        if (entry !== undefined) this.applyMetadata(this.full(path), entry, 'dir');
        else this.fs.chmod(this.full(path), 0o755);
      } catch (error) {
        throw this.named(entry ?? { name: path === '' ? '.' : path }, error);
      }
    }
    const impliedDirs = [...this.index].filter(([, node]) => node.kind === 'dir' && node.implied === true && node.opaque !== true).map(([path]) => path);
    return { counts: { ...this.counts }, impliedDirs: impliedDirs.sort() };
  }

  private named(entry: Pick<TarEntry, 'name'>, error: unknown): unknown {
    if (GlassboxError.is(error) && error.code.startsWith('UNPACK_')) return error;
    return withContext(`entry ${quoteName(entry.name)}`, error);
  }

  private full(path: string): string {
    return path === '' ? this.root : `${this.root}/${path}`;
  }

  private apply(entry: TarEntry): EntrySink | null {
    const cleaned = cleanEntryPath(entry.name, this.limits);
    for (const name of entry.xattrs.keys()) {
      if (RESERVED_XATTR.test(name)) throw refuseEntry('UNPACK_XATTR_REFUSED', entry.name, `xattr ${name} is reserved for overlayfs`);
    }
    const role = classifyEntry(entry.name, cleaned);
    switch (role.role) {
      case 'aufs-meta':
        this.counts.skipped += 1;
        return null;
      case 'opaque':
        this.markOpaqueMarker(entry, role.dir);
        return null;
      case 'whiteout':
        this.whiteout(entry, role.target);
        return null;
      default:
        return this.create(entry, cleaned);
    }
  }

  /** Makes sure every parent of `components` is a directory of this layer, creating implied ones. */
  private resolveParents(entry: TarEntry, components: string[]): void {
    for (const path of parentPaths(components)) {
      const node = this.index.get(path);
      if (node === undefined) {
        this.fs.mkdir(this.full(path), 0o700);
        this.index.set(path, { kind: 'dir', implied: true });
        continue;
      }
      if (node.kind === 'dir') continue;
      if (node.kind === 'symlink') {
        throw refuseEntry('UNPACK_THROUGH_SYMLINK', entry.name, `${quoteName(path)} is a symlink to ${quoteName(node.target ?? '')}; writing through a symlink is refused`);
      }
      if (node.kind === 'whiteout') {
        // `.wh.d` then `d/x` in one layer: d is new here and hides the lower d, so it is opaque.
        this.fs.unlink(this.full(path));
        this.counts.whiteouts -= 1;
        this.fs.mkdir(this.full(path), 0o700);
        this.index.set(path, { kind: 'dir', implied: true });
        this.setOpaque(path);
        continue;
      }
      throw refuseEntry('UNPACK_NOT_A_DIRECTORY', entry.name, `${quoteName(path)} is a ${node.kind}, not a directory`);
    }
  }

  private markOpaqueMarker(entry: TarEntry, dir: EntryPath): void {
    this.resolveParents(entry, [...dir.components, '.wh..wh..opq']);
    const key = `${dir.path}/.wh..wh..opq`;
    if (this.whiteoutEntries.has(key)) throw refuseEntry('UNPACK_DUPLICATE_ENTRY', entry.name, 'duplicate opaque marker');
    this.whiteoutEntries.add(key);
    this.setOpaque(dir.path);
  }

  private setOpaque(path: string): void {
    const node = this.index.get(path)!;
    if (node.opaque === true) return;
    this.fs.setxattr(this.full(path), OPAQUE_XATTR, Buffer.from('y'));
    node.opaque = true;
    this.counts.opaques += 1;
  }

  private whiteout(entry: TarEntry, target: EntryPath): void {
    if (entry.type === 'dir') throw refuseEntry('UNPACK_WHITEOUT_INVALID', entry.name, 'a whiteout cannot be a directory');
    this.resolveParents(entry, target.components);
    if (this.whiteoutEntries.has(target.path)) throw refuseEntry('UNPACK_DUPLICATE_ENTRY', entry.name, 'duplicate whiteout');
    this.whiteoutEntries.add(target.path);
    const existing = this.index.get(target.path);
    if (existing === undefined) {
      this.fs.mknod(this.full(target.path), WHITEOUT_MODE, 0, 0);
      this.index.set(target.path, { kind: 'whiteout' });
      this.counts.whiteouts += 1;
    } else if (existing.kind === 'dir') {
      // The directory was added by this layer: keep it, hide the lower one.
      this.setOpaque(target.path);
    }
    // A non-directory added by this layer already hides whatever is below it.
  }

  private create(entry: TarEntry, cleaned: EntryPath): EntrySink | null {
    const { path } = cleaned;
    if (path === '') return this.rootEntry(entry);
    this.resolveParents(entry, cleaned.components);
    const full = this.full(path);
    const existing = this.index.get(path);
    let replacedWhiteout = false;
    if (existing !== undefined) {
      if (existing.kind === 'whiteout') {
        this.fs.unlink(full);
        this.index.delete(path);
        this.counts.whiteouts -= 1;
        replacedWhiteout = true;
      } else if (existing.kind === 'dir' && existing.implied === true && entry.type === 'dir') {
        existing.implied = false;
        this.dirEntries.set(path, entry);
        this.counts.dirs += 1;
        return null;
      } else {
        const was = existing.kind === 'dir' ? 'a directory made for earlier entries' : `a ${existing.kind}`;
        throw refuseEntry('UNPACK_DUPLICATE_ENTRY', entry.name, `duplicate entry: the layer already has ${was} here`);
      }
    }
    switch (entry.type) {
      case 'dir':
        this.fs.mkdir(full, 0o700);
        this.index.set(path, { kind: 'dir' });
        this.dirEntries.set(path, entry);
        this.counts.dirs += 1;
        if (replacedWhiteout) this.setOpaque(path);
        return null;
      case 'file':
        return this.createFile(entry, path, full);
      case 'symlink':
        this.createSymlink(entry, path, full);
        return null;
      case 'hardlink':
        this.createHardlink(entry, path, full);
        return null;
      default:
        this.createSpecial(entry, path, full);
        return null;
    }
  }

  private rootEntry(entry: TarEntry): null {
    if (entry.type !== 'dir') throw refuseEntry('UNPACK_PATH_UNSAFE', entry.name, `the layer root must be a directory, not a ${entry.type}`);
    if (this.dirEntries.has('')) throw refuseEntry('UNPACK_DUPLICATE_ENTRY', entry.name, 'duplicate entry for the layer root');
    this.dirEntries.set('', entry);
    return null;
  }

  private createFile(entry: TarEntry, path: string, full: string): EntrySink {
    const sink: FileSink = this.fs.createFile(full, entry.mode & 0o777);
    this.index.set(path, { kind: 'file' });
    this.counts.files += 1;
    return {
      write: (chunk) => {
        try {
          sink.write(chunk);
        } catch (error) {
          throw this.named(entry, error);
        }
      },
      end: () => {
        try {
          // Times first, on the open file: lchown, chmod and xattrs below change ctime, not mtime.
          sink.close(entry.mtime);
          this.applyMetadata(full, entry, 'file', false);
        } catch (error) {
          throw this.named(entry, error);
        }
      },
    };
  }

  private createSymlink(entry: TarEntry, path: string, full: string): void {
    // The target is stored, never followed here: a symlink to /etc is harmless until something writes through it.
    if (entry.linkname === '') throw refuseEntry('UNPACK_PATH_UNSAFE', entry.name, 'symlink with an empty target');
    if (Buffer.byteLength(entry.linkname) > this.limits.maxPathBytes) {
      throw refuseEntry('UNPACK_LIMIT', entry.name, `symlink target is longer than ${this.limits.maxPathBytes} bytes`);
    }
    this.fs.symlink(entry.linkname, full);
    this.index.set(path, { kind: 'symlink', target: entry.linkname });
    this.counts.symlinks += 1;
    this.applyMetadata(full, entry, 'symlink');
  }

  private createHardlink(entry: TarEntry, path: string, full: string): void {
    let target: EntryPath;
    try {
      target = cleanEntryPath(entry.linkname, this.limits, 'hardlink target');
    } catch (error) {
      const reason = GlassboxError.is(error) ? error.message.replace(/^entry "[^"]*": /, '') : String(error);
      throw refuseEntry('UNPACK_HARDLINK_UNSAFE', entry.name, `${reason} (${quoteName(entry.linkname)}): it would point outside the layer`);
    }
    for (const parent of parentPaths(target.components)) {
      const node = this.index.get(parent);
      if (node?.kind === 'symlink') {
        throw refuseEntry('UNPACK_HARDLINK_UNSAFE', entry.name, `hardlink target ${quoteName(entry.linkname)} goes through the symlink ${quoteName(parent)}`);
      }
      if (node === undefined || node.kind !== 'dir') break;
    }
    const node = this.index.get(target.path);
    if (node === undefined || node.kind === 'whiteout') {
      throw refuseEntry('UNPACK_HARDLINK_UNSAFE', entry.name, `hardlink target ${quoteName(entry.linkname)} is not an earlier entry of this layer`);
    }
    if (node.kind === 'dir') throw refuseEntry('UNPACK_HARDLINK_UNSAFE', entry.name, `hardlink target ${quoteName(entry.linkname)} is a directory`);
    this.fs.link(this.full(target.path), full);
    this.index.set(path, { ...node });
    this.counts.hardlinks += 1;
    // A hardlink shares its target's inode: its header's mode and owner describe that inode, already set.
  }

  private createSpecial(entry: TarEntry, path: string, full: string): void {
    if (entry.type === 'char' && entry.devMajor === 0 && entry.devMinor === 0) {
      throw refuseEntry('UNPACK_SMUGGLED_WHITEOUT', entry.name, 'a 0/0 character device is an overlay whiteout; a layer must say .wh. instead');
    }
    this.fs.mknod(full, TYPE_BITS[entry.type]! | (entry.mode & 0o777), entry.devMajor, entry.devMinor);
    this.index.set(path, { kind: entry.type as Kind });
    if (entry.type === 'fifo') this.counts.fifos += 1;
    else this.counts.devices += 1;
    this.applyMetadata(full, entry, entry.type as Kind);
  }

  private applyMetadata(full: string, entry: TarEntry, kind: Kind, times = true): void {
    const chown = entry.uid !== this.owner.uid || entry.gid !== this.owner.gid;
    if (chown) this.fs.lchown(full, entry.uid, entry.gid);
    if (kind !== 'symlink') {
      const created = kind === 'dir' ? 0o700 : entry.mode & 0o777 & ~this.fs.umask;
      // lchown cleared setuid/setgid, which were never set at creation anyway: they differ from `created`.
      if ((entry.mode & 0o7777) !== created) this.fs.chmod(full, entry.mode & 0o7777);
    }
    for (const [name, value] of entry.xattrs) this.fs.setxattr(full, name, value);
    if (times) this.fs.setTimes(full, entry.mtime);
  }
}

function depth(path: string): number {
  if (path === '') return 0;
  let count = 1;
  for (const char of path) if (char === '/') count++;
  return count;
}
