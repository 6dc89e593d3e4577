import fs from 'node:fs';
import path from 'node:path';
import { nativeBinDir, nativeBinary } from '../native/paths.js';
import { LOCAL_DOMAIN } from '../store/read-image.js';
import type { TarEntrySpec } from '../unpack/tar-archive.js';

/**
The embedded demo image, as data: which files go into which layer, and the history step
that names each layer. It is made from what this machine has, so the tour has an image to
pull with no internet and nothing prepared:

  1 base      a static busybox (Debian's busybox-static) with its applet links, /etc files,
              /etc/motd and /var/www/{index,old}.html
  2 probe     gbx-probe, the static probe lessons run inside containers, and gbx-load at
              /bin/gbx-load, the memory hog, fork bomb, CPU burner and chroot escape (when built)
  3 delete    /etc/.wh.motd: a whiteout, the layer deletes /etc/motd from the layers below
  4 replace   /var/www/.wh..wh..opq: an opaque directory, the layer hides everything the
              layers below had in /var/www and puts a new index.html there

Every entry has the same fixed time, owner root, and the entries of a layer are sorted by
name, so the same busybox and probe give the same layer digests on every build.
*/
export const DEMO_REFERENCE = `${LOCAL_DOMAIN}/demo:latest`;
/** The fixed time of every file and of the config (the image's "created"). */
export const DEMO_TIME = new Date('2024-01-01T00:00:00Z');
export const DEFAULT_BUSYBOX = '/bin/busybox';

/** The applets linked to busybox: what the lessons type, not busybox's whole list. */
const APPLETS = [
  'cat', 'chmod', 'cp', 'date', 'df', 'dmesg', 'echo', 'env', 'false', 'free', 'grep', 'head', 'hostname',
  'id', 'kill', 'ln', 'ls', 'mkdir', 'mount', 'mv', 'ps', 'pwd', 'rm', 'sh', 'sleep', 'stat', 'tail',
  'top', 'touch', 'true', 'umount', 'uname', 'wc', 'whoami',
];

export interface DemoSources {
  /** A static busybox, or undefined when the machine has none. */
  busybox?: string;
  /** The built gbx-probe, or undefined. */
  probe?: string;
  /** The built gbx-load, or undefined; it goes into the probe's layer. */
  load?: string;
}

export interface DemoLayerPlan {
  /** A short name for screens: base, probe, delete, replace */
  name: string;
  /** The history step, in Dockerfile words. */
  createdBy: string;
  comment: string;
  entries: TarEntrySpec[];
}

export interface DemoPlan {
  reference: string;
  sources: DemoSources;
  layers: DemoLayerPlan[];
  cmd: string[];
}

/** What the machine offers: busybox only when it is a static build (it must run in an empty root). */
export function findDemoSources(busybox: string = DEFAULT_BUSYBOX): DemoSources {
  const sources: DemoSources = {};
  if (isStaticExecutable(busybox)) sources.busybox = busybox;
  const probe = nativeBinary('gbx-probe');
  if (probe !== undefined) sources.probe = probe;
  // Not in NATIVE_PROGRAMS (src/native/paths.ts) yet: looked up beside the others.
  const load = path.join(nativeBinDir(), 'gbx-load');
  if (isStaticExecutable(load)) sources.load = load;
  return sources;
}

export function planDemoImage(sources: DemoSources): DemoPlan {
  const dir = (name: string, mode = 0o755): TarEntrySpec => entry({ name: `${name}/`, type: 'directory', mode });
  const text = (name: string, content: string, mode = 0o644): TarEntrySpec => entry({ name, type: 'file', mode, body: Buffer.from(content) });
  const host = (name: string, file: string): TarEntrySpec => {
    const size = fs.statSync(file).size;
    return entry({ name, type: 'file', mode: 0o755, body: { size, open: () => fs.createReadStream(file) } });
  };

  const base: TarEntrySpec[] = [
    dir('bin'), dir('dev'), dir('etc'), dir('proc'), dir('root', 0o700), dir('sys'), dir('tmp', 0o1777),
    dir('usr'), dir('usr/local'), dir('usr/local/bin'), dir('var'), dir('var/www'),
    text('etc/passwd', 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n'),
    text('etc/group', 'root:x:0:\nnogroup:x:65534:\n'),
    text('etc/hostname', 'glassbox-demo\n'),
    text('etc/os-release', 'NAME="glassbox demo"\nID=glassbox-demo\nPRETTY_NAME="glassbox demo image"\n'),
    text('etc/motd', 'This file is in the base layer. The third layer deletes it with a whiteout.\n'),
    text('var/www/index.html', '<h1>base layer</h1>\n'),
    text('var/www/old.html', '<p>only in the base layer: the fourth layer makes /var/www opaque</p>\n'),
  ];
  if (sources.busybox !== undefined) {
    base.push(host('bin/busybox', sources.busybox));
    for (const applet of APPLETS) base.push(entry({ name: `bin/${applet}`, type: 'symlink', linkname: 'busybox' }));
  }
  const layers: DemoLayerPlan[] = [
    {
      name: 'base',
      createdBy: sources.busybox === undefined ? 'COPY etc var /' : `COPY busybox etc var / # busybox from ${sources.busybox}, ${APPLETS.length} applet links`,
      comment: 'the base layer: a root filesystem',
      entries: base,
    },
  ];
  if (sources.probe !== undefined) {
    const load = sources.load;
    layers.push({
      name: 'probe',
      createdBy: `COPY gbx-probe /usr/local/bin/gbx-probe${load === undefined ? '' : ' && COPY gbx-load /bin/gbx-load'}`,
      comment: `adds files: the static probe that reports what a process sees${load === undefined ? '' : ', and the workload for the cgroup lessons'}`,
      entries: [
        dir('usr'), dir('usr/local'), dir('usr/local/bin'), host('usr/local/bin/gbx-probe', sources.probe),
        ...(load === undefined ? [] : [dir('bin'), host('bin/gbx-load', load)]),
      ],
    });
  }
  layers.push(
    {
      name: 'delete',
      createdBy: 'RUN rm /etc/motd',
      comment: 'deletes a file: the whiteout /etc/.wh.motd',
      entries: [dir('etc'), text('etc/.wh.motd', '')],
    },
    {
      name: 'replace',
      createdBy: 'RUN rm -rf /var/www && mkdir /var/www && echo "<h1>top layer</h1>" > /var/www/index.html',
      comment: 'replaces a directory: the opaque marker /var/www/.wh..wh..opq',
      entries: [dir('var'), dir('var/www'), text('var/www/.wh..wh..opq', ''), text('var/www/index.html', '<h1>top layer</h1>\n')],
    },
  );
  for (const layer of layers) layer.entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const cmd = sources.busybox !== undefined ? ['/bin/sh'] : sources.probe !== undefined ? ['/usr/local/bin/gbx-probe'] : ['/bin/sh'];
  return { reference: DEMO_REFERENCE, sources, layers, cmd };
}

function entry(spec: TarEntrySpec): TarEntrySpec {
  return { uid: 0, gid: 0, uname: 'root', gname: 'root', mtime: DEMO_TIME, ...spec };
}

/** A regular executable ELF file with no PT_INTERP (program interpreter): statically linked. */
export function isStaticExecutable(file: string): boolean {
  let fd: number | undefined;
  try {
    const stat = fs.statSync(file);
    if (!stat.isFile() || (stat.mode & 0o111) === 0) return false;
    // Only the ELF header and the program headers are read: the binaries are megabytes, and the
    // tour looks for them in the first step of every lesson.
    fd = fs.openSync(file, 'r');
    const read = (offset: number, length: number): Buffer => {
      const bytes = Buffer.alloc(length);
      return bytes.subarray(0, fs.readSync(fd!, bytes, 0, length, offset));
    };
    const header = read(0, 64);
    if (header.length < 64 || header.readUInt32BE(0) !== 0x7f454c46 || header[4] !== 2 || header[5] !== 1) return false; // 64-bit little-endian ELF
    const phoff = Number(header.readBigUInt64LE(32));
    const phentsize = header.readUInt16LE(54);
    const phnum = header.readUInt16LE(56);
    if (phoff + phentsize * phnum > stat.size || phentsize < 4) return false;
    const table = read(phoff, phentsize * phnum);
    for (let i = 0; i < phnum; i++) {
      if (table.readUInt32LE(i * phentsize) === 3) return false; // PT_INTERP: needs a dynamic loader
    }
    return true;
  } catch {
    return false;
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}
