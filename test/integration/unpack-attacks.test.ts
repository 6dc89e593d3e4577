// One test per attack on layer extraction (DESIGN.md, "Security"; issue 4): each asserts the refusal,
// its code, that the message names the entry, and that nothing changed anywhere in the scratch tree
// (the "outside" directory every payload aims at, and the layer store: no partial layer, no temp).
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import zlib from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { GlassboxError } from '../../src/errors.js';
import type { Kernel } from '../../src/kernel/types.js';
import { applyLayer, createLayerFs, ensurePrivateDir, unpackImage, type LayerFs, type UnpackLimits } from '../../src/unpack/index.js';
import { buildLayer, buildTar, entryBlocks, headerBlock, type BuiltLayer, type Compression, type EntrySpec } from '../helpers/layer-builder.js';
import { describeGateOutcome, realKernelGate } from '../helpers/real-kernel.js';

/** Every node under `root`, never following a symlink: type, mode, owner, size, content hash, link target, xattrs, mtime. */
function snapshotTree(kernel: Kernel, root: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (dir: string): void => {
    for (const name of fs.readdirSync(dir).sort()) {
      const full = path.join(dir, name);
      const st = fs.lstatSync(full, { bigint: true });
      const xattrs = kernel.listxattr(full).sort().map((x) => `${x}=${kernel.getxattr(full, x).toString('hex')}`);
      let detail = '';
      if (st.isFile()) detail = createHash('sha256').update(fs.readFileSync(full)).digest('hex');
      if (st.isSymbolicLink()) detail = fs.readlinkSync(full);
      const relative = path.relative(root, full);
      // The store's sha256 directory held the temp directory for a moment: its mtime moves, nothing else.
      const mtime = relative === 'store/layers/sha256' ? '-' : st.mtimeNs;
      out.set(relative, [st.mode, st.uid, st.gid, st.size, st.rdev, mtime, detail, xattrs.join(',')].join(' '));
      if (st.isDirectory()) walk(full);
    }
  };
  walk(root);
  return out;
}

interface Attack {
  name: string;
  entries: (outside: string) => (EntrySpec | Buffer)[];
  code: string;
  /** Text the message must contain: the entry's name, or where in the stream it went wrong. */
  names: string | RegExp;
  limits?: Partial<UnpackLimits>;
  compression?: Compression;
  /** Changes the built layer: truncate it, append to it, lie about it. */
  mutate?: (layer: BuiltLayer) => { blob: Buffer; digest?: string; diffId?: string; size?: number };
}

/** From a layer directory, enough `..` to reach `/`, then the absolute path without its leading slash. */
const climb = (absolute: string): string => `${'../'.repeat(16)}${absolute.slice(1)}`;

const attacks: Attack[] = [
  { name: '../ in a name', entries: () => [{ name: '../../../../../outside/pwned', data: 'x' }], code: 'UNPACK_PATH_UNSAFE', names: '"../../../../../outside/pwned"' },
  { name: '.. in the middle of a name', entries: () => [{ name: 'a/../../pwned', data: 'x' }], code: 'UNPACK_PATH_UNSAFE', names: '"a/../../pwned"' },
  { name: 'an absolute name', entries: (o) => [{ name: `${o}/pwned`, data: 'x' }], code: 'UNPACK_PATH_UNSAFE', names: /"\/.*\/outside\/pwned": absolute name/ },
  { name: 'a NUL in a PAX name', entries: () => [{ name: 'x', pax: { path: 'ok\0/../../etc' }, data: 'x' }], code: 'UNPACK_PATH_UNSAFE', names: /NUL byte/ },
  {
    name: 'writing through an absolute symlink',
    entries: (o) => [{ name: 'evil', type: 'symlink', linkname: o }, { name: 'evil/pwned', data: 'x' }],
    code: 'UNPACK_THROUGH_SYMLINK',
    names: /"evil\/pwned": "evil" is a symlink/,
  },
  {
    name: 'writing through a relative symlink',
    entries: (o) => [{ name: 'evil', type: 'symlink', linkname: climb(o) }, { name: 'evil/pwned', data: 'x' }],
    code: 'UNPACK_THROUGH_SYMLINK',
    names: '"evil/pwned"',
  },
  {
    name: 'writing through chained symlinks',
    entries: (o) => [
      { name: 'a', type: 'symlink', linkname: 'b' },
      { name: 'b', type: 'symlink', linkname: climb(o) },
      { name: 'a/pwned', data: 'x' },
    ],
    code: 'UNPACK_THROUGH_SYMLINK',
    names: '"a/pwned": "a" is a symlink to "b"',
  },
  {
    name: 'writing through a symlink to a directory deep inside',
    entries: (o) => [{ name: 'd/', type: 'dir' }, { name: 'd/evil', type: 'symlink', linkname: `${o}/dir` }, { name: 'd/evil/sub/pwned', data: 'x' }],
    code: 'UNPACK_THROUGH_SYMLINK',
    names: '"d/evil/sub/pwned"',
  },
  {
    name: 'overwriting a file through a symlink',
    entries: (o) => [{ name: 'evil', type: 'symlink', linkname: `${o}/target` }, { name: 'evil', data: 'overwritten' }],
    code: 'UNPACK_DUPLICATE_ENTRY',
    names: '"evil": duplicate entry',
  },
  {
    name: 'chmod through a symlink',
    entries: (o) => [{ name: 'evil', type: 'symlink', linkname: `${o}/dir` }, { name: 'evil/', type: 'dir', mode: 0o777 }],
    code: 'UNPACK_DUPLICATE_ENTRY',
    names: '"evil/"',
  },
  {
    name: 'chown through a symlink',
    entries: (o) => [{ name: 'evil', type: 'symlink', linkname: `${o}/dir` }, { name: 'evil/.', type: 'dir', uid: 4242, gid: 4242 }],
    code: 'UNPACK_DUPLICATE_ENTRY',
    names: '"evil/."',
  },
  {
    name: 'a hardlink to a target outside (relative)',
    entries: (o) => [{ name: 'link', type: 'hardlink', linkname: climb(`${o}/target`) }],
    code: 'UNPACK_HARDLINK_UNSAFE',
    names: /"link": .* point outside the layer/,
  },
  {
    name: 'a hardlink to a target outside (absolute)',
    entries: (o) => [{ name: 'link', type: 'hardlink', linkname: `${o}/target` }],
    code: 'UNPACK_HARDLINK_UNSAFE',
    names: /"link": absolute hardlink target/,
  },
  {
    name: 'a hardlink through a symlink',
    entries: (o) => [{ name: 'evil', type: 'symlink', linkname: o }, { name: 'link', type: 'hardlink', linkname: 'evil/target' }],
    code: 'UNPACK_HARDLINK_UNSAFE',
    names: '"link": hardlink target "evil/target" goes through the symlink "evil"',
  },
  {
    name: 'a hardlink to a missing target',
    entries: () => [{ name: 'link', type: 'hardlink', linkname: 'not/here' }],
    code: 'UNPACK_HARDLINK_UNSAFE',
    names: '"link": hardlink target "not/here" is not an earlier entry',
  },
  {
    name: 'a hardlink to a directory',
    entries: () => [{ name: 'd/', type: 'dir' }, { name: 'link', type: 'hardlink', linkname: 'd' }],
    code: 'UNPACK_HARDLINK_UNSAFE',
    names: '"link": hardlink target "d" is a directory',
  },
  {
    name: 'a whiteout through a symlink',
    entries: (o) => [{ name: 'evil', type: 'symlink', linkname: o }, { name: 'evil/.wh.target' }],
    code: 'UNPACK_THROUGH_SYMLINK',
    names: '"evil/.wh.target"',
  },
  {
    name: 'an opaque marker through a symlink',
    entries: (o) => [{ name: 'evil', type: 'symlink', linkname: `${o}/dir` }, { name: 'evil/.wh..wh..opq' }],
    code: 'UNPACK_THROUGH_SYMLINK',
    names: '"evil/.wh..wh..opq"',
  },
  { name: 'a .wh. whiteout naming nothing', entries: () => [{ name: 'd/.wh.' }], code: 'UNPACK_WHITEOUT_INVALID', names: '"d/.wh."' },
  { name: 'a .wh.. whiteout naming the directory', entries: () => [{ name: 'd/.wh..' }], code: 'UNPACK_WHITEOUT_INVALID', names: '"d/.wh.."' },
  { name: 'a .wh... whiteout naming the parent', entries: () => [{ name: 'd/.wh...' }], code: 'UNPACK_WHITEOUT_INVALID', names: '"d/.wh..."' },
  { name: 'a whiteout name used as a directory', entries: () => [{ name: '.wh.d/x', data: 'x' }], code: 'UNPACK_WHITEOUT_INVALID', names: '".wh.d/x"' },
  {
    name: 'a raw 0/0 character device (a smuggled overlay whiteout)',
    entries: () => [{ name: 'etc/passwd', type: 'char', devMajor: 0, devMinor: 0 }],
    code: 'UNPACK_SMUGGLED_WHITEOUT',
    names: '"etc/passwd"',
  },
  {
    name: 'a smuggled trusted.overlay.redirect xattr',
    entries: () => [{ name: 'd/', type: 'dir', xattrs: { 'trusted.overlay.redirect': '/etc' } }],
    code: 'UNPACK_XATTR_REFUSED',
    names: '"d/": xattr trusted.overlay.redirect',
  },
  {
    name: 'a smuggled trusted.overlay.opaque xattr on a file',
    entries: () => [{ name: 'f', data: 'x', xattrs: { 'trusted.overlay.opaque': 'y' } }],
    code: 'UNPACK_XATTR_REFUSED',
    names: '"f"',
  },
  { name: 'a smuggled user.overlay xattr', entries: () => [{ name: 'f', data: 'x', xattrs: { 'user.overlay.whiteout': 'y' } }], code: 'UNPACK_XATTR_REFUSED', names: '"f"' },
  { name: 'a duplicate file', entries: () => [{ name: 'a', data: '1' }, { name: 'a', data: '2' }], code: 'UNPACK_DUPLICATE_ENTRY', names: '"a": duplicate entry' },
  { name: 'a duplicate directory', entries: () => [{ name: 'd/', type: 'dir' }, { name: './d', type: 'dir' }], code: 'UNPACK_DUPLICATE_ENTRY', names: '"./d"' },
  {
    name: 'a file replacing a directory that holds entries',
    entries: () => [{ name: 'd/x', data: 'x' }, { name: 'd', data: 'file now' }],
    code: 'UNPACK_DUPLICATE_ENTRY',
    names: '"d": duplicate entry: the layer already has a directory made for earlier entries',
  },
  { name: 'an entry below a file', entries: () => [{ name: 'f', data: 'x' }, { name: 'f/x', data: 'x' }], code: 'UNPACK_NOT_A_DIRECTORY', names: '"f/x": "f" is a file' },
  { name: 'a layer root that is a symlink', entries: () => [{ name: './', type: 'symlink', linkname: '/' }], code: 'UNPACK_PATH_UNSAFE', names: '"./"' },
  {
    name: 'a gzip bomb',
    entries: () => [{ name: 'zeros', data: Buffer.alloc(64 * 1024 * 1024) }],
    limits: { ratioFloorBytes: 4 * 1024 * 1024 },
    code: 'UNPACK_LIMIT',
    names: /expands more than 200×/,
  },
  {
    name: 'a layer past the total size limit',
    entries: () => [{ name: 'a', data: Buffer.alloc(3 * 1024 * 1024, 1) }],
    limits: { maxTotalBytes: 2 * 1024 * 1024 },
    code: 'UNPACK_LIMIT',
    names: /maxTotalBytes/,
  },
  {
    name: 'an absurd entry count (the default limit, 100k)',
    // aufs bookkeeping entries write nothing, so the count is what is tested, not the disk.
    entries: () => [...(function* () {
      for (let i = 0; i <= 100_000; i++) yield* entryBlocks({ name: `.wh..wh.plnk/${i}` });
    })()],
    code: 'UNPACK_LIMIT',
    names: /".wh..wh.plnk\/100000": more than 100000 entries/,
  },
  {
    name: 'too many entries, after files were written',
    entries: () => Array.from({ length: 60 }, (_, i) => ({ name: `f${i}`, data: `file ${i}` })),
    limits: { maxEntries: 50 },
    code: 'UNPACK_LIMIT',
    names: '"f50"',
  },
  { name: 'a path component over 255 bytes', entries: () => [{ name: `d/${'n'.repeat(256)}`, data: 'x' }], code: 'UNPACK_LIMIT', names: /longer than 255 bytes/ },
  {
    name: 'a path over 4095 bytes',
    entries: () => [{ name: Array.from({ length: 20 }, () => 'p'.repeat(250)).join('/'), data: 'x' }],
    code: 'UNPACK_LIMIT',
    names: /longer than 4095 bytes/,
  },
  {
    name: 'a truncated gzip stream',
    entries: () => [{ name: 'a', data: Buffer.alloc(100_000, 3) }],
    mutate: (l) => ({ blob: l.blob.subarray(0, l.blob.length - 20) }),
    code: 'UNPACK_COMPRESSION',
    names: /gzip stream is corrupt or truncated/,
  },
  {
    name: 'a truncated tar stream',
    compression: 'none',
    entries: () => [{ name: 'a', data: Buffer.alloc(100_000, 3) }],
    mutate: (l) => ({ blob: l.blob.subarray(0, 50_000) }),
    code: 'UNPACK_TAR_INVALID',
    names: /archive truncated in entry "a"/,
  },
  {
    name: 'trailing garbage after the gzip stream',
    entries: () => [{ name: 'a', data: 'x' }],
    mutate: (l) => ({ blob: Buffer.concat([l.blob, Buffer.alloc(512)]) }),
    code: 'UNPACK_COMPRESSION',
    names: /trailing data after the gzip stream/,
  },
  {
    name: 'an entry hidden after the end-of-archive marker',
    compression: 'zstd',
    entries: () => [{ name: 'a', data: 'x' }, Buffer.alloc(1024), { name: 'hidden', data: 'after the end' }],
    code: 'UNPACK_TAR_INVALID',
    names: /trailing data after the end-of-archive marker/,
  },
  {
    name: 'a blob that is not what the manifest names',
    entries: () => [{ name: 'a', data: 'x' }],
    mutate: (l) => {
      const blob = zlib.gzipSync(buildTar([{ name: 'a', data: 'y' }]));
      return { blob, digest: l.digest, size: blob.length };
    },
    code: 'UNPACK_DIGEST_MISMATCH',
    names: /the manifest says sha256:/,
  },
  {
    name: 'a config that lies about the diff_id (after every file was written)',
    entries: () => Array.from({ length: 20 }, (_, i) => ({ name: `dir/f${i}`, data: `file ${i}` })),
    mutate: (l) => ({ blob: l.blob, diffId: `sha256:${'0'.repeat(64)}` }),
    code: 'UNPACK_DIFF_ID_MISMATCH',
    names: /the image config says sha256:0000/,
  },
  {
    name: 'a lying header size for a directory',
    compression: 'none',
    entries: () => [headerBlock({ name: 'd/', typeflag: '5', size: 512 }), entryBlocks({ name: 'smuggled', data: 'x' })[0]!],
    code: 'UNPACK_TAR_INVALID',
    names: /"d\/" is a dir but says it has 512 bytes/,
  },
];

function refusal(error: unknown): GlassboxError {
  if (!GlassboxError.is(error)) throw error;
  return error;
}

const gate = await realKernelGate();
if (gate.mode !== 'run') {
  describeGateOutcome('unpack refuses hostile layers', gate);
} else {
  const kernel = gate.createKernel();
  describe.each(['host', 'kernel'] as const)('unpack refuses hostile layers (%s writer)', (writer) => {
    let scratch = '';
    let outside = '';
    let layersDir = '';
    let layerFs: LayerFs;

    beforeEach(() => {
      scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'glassbox-attack-'));
      outside = path.join(scratch, 'outside');
      fs.mkdirSync(path.join(outside, 'dir'), { recursive: true });
      fs.writeFileSync(path.join(outside, 'target'), 'precious', { mode: 0o644 });
      fs.writeFileSync(path.join(outside, 'dir', 'file'), 'also precious');
      layerFs = createLayerFs(kernel, writer);
      layersDir = path.join(scratch, 'store', 'layers');
      ensurePrivateDir(layerFs, `${layersDir}/sha256`);
    });
    afterEach(() => {
      fs.rmSync(scratch, { recursive: true, force: true });
      expect(fs.existsSync(scratch)).toBe(false);
    });

    for (const attack of attacks) {
      it(`refuses ${attack.name}`, async () => {
        const layer = buildLayer(attack.entries(outside), { compression: attack.compression ?? 'gzip' });
        const served = attack.mutate?.(layer) ?? { blob: layer.blob };
        const before = snapshotTree(kernel, scratch);
        const source = {
          descriptor: { digest: served.digest ?? layer.digest, size: served.size ?? served.blob.length },
          diffId: served.diffId ?? layer.diffId,
          open: () => Readable.from([served.blob]),
        };
        if (served.digest === undefined && served.blob !== layer.blob) source.descriptor.digest = `sha256:${createHash('sha256').update(served.blob).digest('hex')}`;
        const error = refusal(await applyLayer(source, layersDir, { fs: layerFs, limits: attack.limits ?? {} }).then(() => null, (e: unknown) => e));
        expect(error.code).toBe(attack.code);
        expect(error.kind).toBe('user');
        expect(error.message).toMatch(/^unpacking layer [0-9a-f]{12}: /);
        if (typeof attack.names === 'string') expect(error.message).toContain(attack.names);
        else expect(error.message).toMatch(attack.names);
        expect(error.hint).toBeTruthy();
        // Nothing changed anywhere: not outside, not in the store (no partial layer, no temp dir).
        expect(snapshotTree(kernel, scratch)).toEqual(before);
        expect(fs.readdirSync(path.join(layersDir, 'sha256'))).toEqual([]);
      });
    }

    it('refuses writing through a symlink set up by an earlier layer', async () => {
      const lower = buildLayer([{ name: 'evil', type: 'symlink', linkname: outside }, { name: 'ok/', type: 'dir' }]);
      const upper = buildLayer([{ name: 'evil/pwned', data: 'x' }, { name: 'ok/fine', data: 'x' }]);
      const before = snapshotTree(kernel, outside);
      const sources = [lower, upper].map((l) => ({ descriptor: l.descriptor, diffId: l.diffId, open: () => Readable.from([l.blob]) }));
      const error = refusal(await unpackImage(sources, layersDir, { fs: layerFs }).then(() => null, (e: unknown) => e));
      expect(error.code).toBe('UNPACK_LOWER_SYMLINK');
      expect(error.message).toContain(`"evil" → "${outside}" of layer ${lower.diffId.slice(7, 19)}`);
      expect(snapshotTree(kernel, outside)).toEqual(before);
      // Each layer on its own is fine and stays stored; the upper one holds a plain directory.
      expect(fs.lstatSync(path.join(layersDir, 'sha256', upper.diffId.slice(7), 'diff', 'evil')).isDirectory()).toBe(true);
      // An explicit directory entry replacing the symlink is a legitimate change, not an attack.
      const replace = buildLayer([{ name: 'evil/', type: 'dir' }, { name: 'evil/pwned', data: 'x' }]);
      const ok = [lower, replace].map((l) => ({ descriptor: l.descriptor, diffId: l.diffId, open: () => Readable.from([l.blob]) }));
      await expect(unpackImage(ok, layersDir, { fs: layerFs })).resolves.toMatchObject({ layers: [{}, {}] });
      expect(snapshotTree(kernel, outside)).toEqual(before);
    });
  });
}
