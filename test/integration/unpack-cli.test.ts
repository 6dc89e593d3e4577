// `glassbox unpack`: an image from the store into a layer store, and one layer blob into a directory,
// on the real kernel (gated) and on the simulated one; output, --json, verification and refusals.
import fs from 'node:fs';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, type GlobalOptions } from '../../src/cli/run.js';
import type { GlassboxError } from '../../src/errors.js';
import { runUnpack } from '../../src/cli/commands/unpack.js';
import { createSimKernel } from '../../src/kernel/sim/index.js';
import type { Kernel } from '../../src/kernel/types.js';
import { openStore, type ImageStore } from '../../src/store/store.js';
import { putLayer, writeImage } from '../../src/store/write-image.js';
import { buildLayer, buildTar, type EntrySpec } from '../helpers/layer-builder.js';
import { describeGateOutcome, realKernelGate } from '../helpers/real-kernel.js';
import { makeScratchDir, type ScratchDir } from '../helpers/store-fixture.js';

function capture(): { io: { stdout: PassThrough; stderr: PassThrough }; out: () => string; err: () => string } {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (chunk) => (out += chunk));
  stderr.on('data', (chunk) => (err += chunk));
  return { io: { stdout, stderr }, out: () => out, err: () => err };
}

const options = (json = false): GlobalOptions => ({ json, lang: 'en', kernel: 'auto', plain: true });

const lower: EntrySpec[] = [
  { name: 'etc/', type: 'dir' },
  { name: 'etc/hostname', data: 'lower\n' },
  { name: 'dev/', type: 'dir' },
  { name: 'dev/null', type: 'char', devMajor: 1, devMinor: 3, mode: 0o666 },
];
const upper: EntrySpec[] = [{ name: 'etc/hostname', data: 'upper\n' }, { name: 'etc/.wh.motd' }];

const gate = await realKernelGate();

describe('glassbox unpack', () => {
  let scratch: ScratchDir;
  let store: ImageStore;
  let diffIds: string[] = [];

  const savedHome = process.env.GLASSBOX_HOME;
  beforeAll(async () => {
    scratch = makeScratchDir('unpack-cli');
    // glassbox's home, for runCli: the store is at $GLASSBOX_HOME/images.
    process.env.GLASSBOX_HOME = scratch.path;
    store = (await openStore()).store;
    const layers = [await putLayer(store, buildTar(lower)), await putLayer(store, buildTar(upper), { compress: false })];
    diffIds = layers.map((layer) => layer.diffId);
    await writeImage(store, { name: 'docker.io/library/fixture:1', config: { architecture: 'amd64', os: 'linux' }, layers });
  });
  afterAll(() => {
    if (savedHome === undefined) delete process.env.GLASSBOX_HOME;
    else process.env.GLASSBOX_HOME = savedHome;
    scratch.remove();
    expect(fs.existsSync(scratch.path)).toBe(false);
  });

  const deps = (kernel: Kernel) => ({ kernel, openStore: () => openStore({ root: path.join(scratch.path, 'images') }) });

  it('is listed in glassbox help', async () => {
    const { io, out } = capture();
    expect(await runCli(['help'], io)).toBe(0);
    expect(out()).toMatch(/^ {2}unpack IMAGE +unpack its layers/m);
  });

  it('refuses bad usage with a hint', async () => {
    const kernel = createSimKernel();
    const usage = (args: string[]) => runUnpack(options(), args, capture().io, deps(kernel)).then(() => null, (e: unknown) => e as GlassboxError);
    expect(await usage(['--layer', 'only-one-arg'])).toMatchObject({ code: 'CLI_USAGE', message: 'unpack --layer takes a layer blob and a new directory', hint: expect.stringMatching(/glassbox unpack/) });
    expect(await usage(['img', '--max-entries', 'lots'])).toMatchObject({ code: 'CLI_USAGE', message: expect.stringMatching(/--max-entries must be a positive whole number/) });
    expect(await usage(['img', '--diff-id', 'sha256:00'])).toMatchObject({ code: 'CLI_USAGE', message: '--diff-id and --digest go with --layer' });
    expect(await usage([])).toMatchObject({ code: 'CLI_USAGE' });
  });

  it('runs from the command line and exits 2 on a user error', async () => {
    const ok = capture();
    expect(await runCli(['unpack', '--kernel', 'sim', 'fixture:1', '/layers'], ok.io)).toBe(0);
    expect(ok.out()).toContain('[SIMULATED kernel]');
    const missing = capture();
    expect(await runCli(['unpack', '--kernel', 'sim', 'no-such-image'], missing.io)).toBe(2);
    expect(missing.err()).toMatch(/no such image: no-such-image/);
  });

  it('unpacks a stored image into the simulated kernel, and says so', async () => {
    const kernel = createSimKernel();
    const { io, out } = capture();
    expect(await runUnpack(options(), ['fixture:1', '/var/lib/glassbox/layers'], io, deps(kernel))).toBe(0);
    expect(out()).toMatch(/unpacking fixture:1 \([0-9a-f]{12}\) into \/var\/lib\/glassbox\/layers \[SIMULATED kernel\]/);
    expect(out()).toMatch(/layer 1\/2 [0-9a-f]{12} {2}gzip/);
    expect(out()).toMatch(/layer 2\/2 [0-9a-f]{12} {2}none/);
    expect(out()).toContain('mount src=overlay dst=/run/glassbox/CONTAINER/merged');
    expect(out()).toContain('nothing was written to this machine');
    const top = `/var/lib/glassbox/layers/sha256/${diffIds[1]!.slice(7)}/diff`;
    expect(kernel.lstat(`${top}/etc/motd`)).toMatchObject({ type: 'char', rdevMajor: 0, rdevMinor: 0 });
    expect(fs.existsSync('/var/lib/glassbox/layers/sha256/' + diffIds[1]!.slice(7))).toBe(false);
  });

  it('prints JSON with every layer and the overlay plan', async () => {
    const kernel = createSimKernel();
    const { io, out } = capture();
    expect(await runUnpack(options(true), ['fixture:1', '/layers'], io, deps(kernel))).toBe(0);
    const body = JSON.parse(out()) as { kernel: string; layers: { diffId: string; reused: boolean }[]; overlay: { lowers: string[] } };
    expect(body.kernel).toBe('SIMULATED');
    expect(body.layers.map((l) => l.diffId)).toEqual(diffIds);
    expect(body.overlay.lowers).toEqual([...diffIds].reverse().map((id) => `/layers/sha256/${id.slice(7)}/diff`));
  });

  it('unpacks one blob into a directory, checking --diff-id when given', async () => {
    const kernel = createSimKernel();
    const layer = buildLayer(lower, { compression: 'zstd' });
    const blob = path.join(scratch.path, 'layer.tar.zst');
    fs.writeFileSync(blob, layer.blob);
    const { io, out } = capture();
    expect(await runUnpack(options(), ['--layer', blob, '/tmp/out', '--diff-id', layer.diffId, '--digest', layer.digest], io, deps(kernel))).toBe(0);
    expect(out()).toContain(`diff_id ${layer.diffId} (checked)`);
    expect(out()).toContain('zstd,');
    expect(kernel.readFile('/tmp/out/etc/hostname')).toBe('lower\n');
    const wrong = await runUnpack(options(), ['--layer', blob, '/tmp/out2', '--diff-id', diffIds[1]!], capture().io, deps(kernel)).then(
      () => null,
      (e: unknown) => e as GlassboxError,
    );
    expect(wrong).toMatchObject({ code: 'UNPACK_DIFF_ID_MISMATCH', kind: 'user', message: expect.stringMatching(/uncompressed layer is sha256:[0-9a-f]{64}, the image config says/) });
    expect(kernel.readdir('/tmp')).toEqual(['out']);
  });

  if (gate.mode !== 'run') {
    describeGateOutcome('glassbox unpack on the real kernel', gate);
  } else {
    it('unpacks on the real kernel into the given layer store and reuses it', async () => {
      const kernel = gate.createKernel();
      const layersDir = path.join(scratch.path, 'layers');
      const first = capture();
      expect(await runUnpack(options(), ['fixture:1', layersDir], first.io, deps(kernel))).toBe(0);
      expect(first.out()).toContain('[REAL kernel]');
      const top = path.join(layersDir, 'sha256', diffIds[1]!.slice(7), 'diff');
      expect(kernel.lstat(path.join(top, 'etc/motd'))).toMatchObject({ type: 'char', rdevMajor: 0, rdevMinor: 0 });
      expect(fs.readFileSync(path.join(top, 'etc/hostname'), 'utf8')).toBe('upper\n');
      const again = capture();
      expect(await runUnpack(options(), ['fixture:1', layersDir], again.io, deps(kernel))).toBe(0);
      expect(again.out().match(/already unpacked/g)).toHaveLength(2);
      const missing = await runUnpack(options(), ['--layer', path.join(scratch.path, 'nope.tar'), path.join(scratch.path, 'x')], capture().io, deps(kernel)).then(
        () => null,
        (e: unknown) => e as GlassboxError,
      );
      expect(missing).toMatchObject({ code: 'CLI_FILE', message: expect.stringMatching(/cannot read .*nope.tar/) });
    });
  }
});
