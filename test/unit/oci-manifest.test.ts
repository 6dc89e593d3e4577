import { describe, expect, it } from 'vitest';
import { checkConfigMatches, parseImageConfig } from '../../src/oci/config.js';
import { digestHex, shortDigest, validateDigest } from '../../src/oci/digest.js';
import { checkImageManifest, MAX_MANIFEST_BYTES, parseManifest, type ImageManifest } from '../../src/oci/manifest.js';
import { layerCompression, MEDIA } from '../../src/oci/media-types.js';

const hex = (c: string): string => c.repeat(64);
const desc = (mediaType: string, c = 'a', size = 10): object => ({ mediaType, digest: `sha256:${hex(c)}`, size });
const bytes = (value: unknown): Buffer => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value));

const ociManifest = { schemaVersion: 2, mediaType: MEDIA.ociManifest, config: desc(MEDIA.ociConfig), layers: [desc(MEDIA.ociLayerGzip, 'b')] };
const ociIndex = { schemaVersion: 2, mediaType: MEDIA.ociIndex, manifests: [{ ...desc(MEDIA.ociManifest, 'c'), platform: { os: 'linux', architecture: 'amd64' } }] };

describe('digests', () => {
  it('accepts sha256 only, and says why not', () => {
    expect(validateDigest(`sha256:${hex('0')}`)).toBe(`sha256:${hex('0')}`);
    expect(digestHex(`sha256:${hex('f')}`)).toBe(hex('f'));
    expect(shortDigest(`sha256:${hex('e')}`)).toBe('eeeeeeeeeeee');
    for (const bad of [`sha256:${hex('A')}`, `sha256:${hex('a')}0`, 'sha256:', `sha256:${'a'.repeat(63)}`, '../x', 42, undefined]) {
      expect(() => validateDigest(bad)).toThrow(expect.objectContaining({ code: 'OCI_DIGEST_INVALID' }));
    }
    expect(() => validateDigest(`sha512:${'a'.repeat(128)}`)).toThrow(expect.objectContaining({ code: 'OCI_DIGEST_UNSUPPORTED' }));
  });
});

describe('parseManifest', () => {
  it('reads OCI and Docker manifests and indexes', () => {
    expect(parseManifest(bytes(ociManifest), MEDIA.ociManifest)).toMatchObject({ kind: 'manifest', manifest: { layers: [{ size: 10 }] } });
    expect(parseManifest(bytes(ociIndex), `${MEDIA.ociIndex}; charset=utf-8`)).toMatchObject({ kind: 'index', index: { manifests: [{ platform: { os: 'linux' } }] } });
    const list = { schemaVersion: 2, mediaType: MEDIA.dockerList, manifests: [desc(MEDIA.dockerManifest)] };
    expect(parseManifest(bytes(list), MEDIA.dockerList).kind).toBe('index');
    const docker = { ...ociManifest, mediaType: MEDIA.dockerManifest, config: desc(MEDIA.dockerConfig) };
    expect(parseManifest(bytes(docker), MEDIA.dockerManifest)).toMatchObject({ kind: 'manifest', manifest: { mediaType: MEDIA.dockerManifest } });
  });

  it('infers the type from the Content-Type, then from the fields, when the body has none', () => {
    const { mediaType: _m, ...bare } = ociManifest;
    expect(parseManifest(bytes(bare), MEDIA.dockerManifest)).toMatchObject({ manifest: { mediaType: MEDIA.dockerManifest } });
    expect(parseManifest(bytes(bare), 'application/json')).toMatchObject({ manifest: { mediaType: MEDIA.ociManifest } });
    const { mediaType: _i, ...bareIndex } = ociIndex;
    expect(parseManifest(bytes(bareIndex), undefined)).toMatchObject({ index: { mediaType: MEDIA.ociIndex } });
  });

  it('refuses schema 1, by header or by body', () => {
    const schema1 = { schemaVersion: 1, name: 'x', fsLayers: [] };
    expect(() => parseManifest(bytes(schema1), 'application/json')).toThrow(expect.objectContaining({ code: 'OCI_MANIFEST_SCHEMA1' }));
    expect(() => parseManifest(bytes(ociManifest), MEDIA.dockerSchema1Signed)).toThrow(expect.objectContaining({ code: 'OCI_MANIFEST_SCHEMA1' }));
    expect(() => parseManifest(bytes({ ...schema1, schemaVersion: 2, mediaType: MEDIA.dockerSchema1 }))).toThrow(
      expect.objectContaining({ code: 'OCI_MANIFEST_SCHEMA1', hint: expect.stringContaining('push the image again') }),
    );
  });

  it('refuses a document that is both index and manifest (CVE-2021-41190)', () => {
    const both = { ...ociIndex, layers: [], config: desc(MEDIA.ociConfig) };
    expect(() => parseManifest(bytes(both), MEDIA.ociIndex)).toThrow(expect.objectContaining({ code: 'OCI_MANIFEST_AMBIGUOUS' }));
    expect(() => parseManifest(bytes({ ...ociManifest, manifests: [] }), MEDIA.ociManifest)).toThrow(expect.objectContaining({ code: 'OCI_MANIFEST_AMBIGUOUS' }));
    // The body and the Content-Type must not disagree either.
    expect(() => parseManifest(bytes(ociManifest), MEDIA.dockerManifest)).toThrow(expect.objectContaining({ code: 'OCI_MANIFEST_AMBIGUOUS' }));
    expect(() => parseManifest(bytes({ ...ociManifest, mediaType: MEDIA.ociIndex }), MEDIA.ociIndex)).toThrow(expect.objectContaining({ code: 'OCI_MANIFEST_INVALID' }));
  });

  it('caps the size', () => {
    const padded = Buffer.concat([bytes(ociManifest), Buffer.alloc(MAX_MANIFEST_BYTES, 0x20)]);
    expect(() => parseManifest(padded, MEDIA.ociManifest)).toThrow(expect.objectContaining({ code: 'OCI_MANIFEST_TOO_LARGE' }));
    expect(parseManifest(Buffer.concat([bytes(ociManifest), Buffer.alloc(1000, 0x20)]), MEDIA.ociManifest).kind).toBe('manifest');
  });

  it.each([
    ['not JSON', '{', 'not valid JSON'],
    ['an array', [], 'not a JSON object'],
    ['schemaVersion 3', { ...ociManifest, schemaVersion: 3 }, 'schemaVersion 3'],
    ['a bad layer digest', { ...ociManifest, layers: [{ mediaType: MEDIA.ociLayer, digest: 'sha256:../../etc', size: 1 }] }, 'layer 0 digest'],
    ['a negative size', { ...ociManifest, layers: [{ ...desc(MEDIA.ociLayer), size: -1 }] }, 'layer 0 size -1'],
    ['a fractional size', { ...ociManifest, config: { ...desc(MEDIA.ociConfig), size: 1.5 } }, 'config size 1.5'],
    ['layers not a list', { ...ociManifest, layers: {} }, '"layers" is not a list'],
    ['no config', { ...ociManifest, config: undefined }, 'manifest config is not a JSON object'],
    ['a bad platform', { ...ociIndex, manifests: [{ ...desc(MEDIA.ociManifest), platform: { os: 'linux' } }] }, 'needs os and architecture'],
    ['non-string annotations', { ...ociManifest, annotations: { a: 1 } }, 'annotations "a"'],
    ['an unknown mediaType', { ...ociManifest, mediaType: 'text/plain' }, 'not an index or image manifest'],
  ])('refuses %s', (_name, value, reason) => {
    expect(() => parseManifest(bytes(value), 'application/json')).toThrow(
      expect.objectContaining({ code: 'OCI_MANIFEST_INVALID', message: expect.stringContaining(reason) }),
    );
  });

  it('tells images from other artifacts', () => {
    const manifest = parseManifest(bytes(ociManifest), MEDIA.ociManifest);
    if (manifest.kind !== 'manifest') throw new Error('expected a manifest');
    expect(() => checkImageManifest(manifest.manifest)).not.toThrow();
    const attestation: ImageManifest = { ...manifest.manifest, layers: [{ mediaType: 'application/vnd.in-toto+json', digest: `sha256:${hex('d')}`, size: 1 }] };
    expect(() => checkImageManifest(attestation)).toThrow(expect.objectContaining({ code: 'OCI_NOT_AN_IMAGE', message: expect.stringContaining('in-toto') }));
    const chart: ImageManifest = { ...manifest.manifest, config: { mediaType: 'application/vnd.cncf.helm.config.v1+json', digest: `sha256:${hex('e')}`, size: 1 } };
    expect(() => checkImageManifest(chart)).toThrow(expect.objectContaining({ code: 'OCI_NOT_AN_IMAGE' }));
  });

  it('knows each layer type’s compression', () => {
    expect(layerCompression(MEDIA.dockerLayer)).toBe('gzip');
    expect(layerCompression(MEDIA.ociLayerZstd)).toBe('zstd');
    expect(layerCompression(MEDIA.ociLayer)).toBe('none');
    expect(layerCompression('application/vnd.in-toto+json')).toBeUndefined();
  });
});

describe('image config', () => {
  const config = { architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [`sha256:${hex('1')}`] }, config: { Cmd: ['/bin/sh'] } };

  it('reads a config and checks it against the manifest', () => {
    const parsed = parseImageConfig(bytes(config));
    expect(parsed.config?.Cmd).toEqual(['/bin/sh']);
    const manifest = parseManifest(bytes(ociManifest), MEDIA.ociManifest);
    if (manifest.kind !== 'manifest') throw new Error('expected a manifest');
    expect(() => checkConfigMatches(parsed, manifest.manifest)).not.toThrow();
    expect(() => checkConfigMatches(parsed, { ...manifest.manifest, layers: [] })).toThrow(/1 diff_ids but the manifest has 0 layers/);
  });

  it.each([
    ['no os', { ...config, os: undefined }, 'needs os and architecture'],
    ['no rootfs', { ...config, rootfs: undefined }, 'rootfs.type "layers"'],
    ['a bad diff_id', { ...config, rootfs: { type: 'layers', diff_ids: ['sha256:xyz'] } }, 'diff_id 0'],
    ['history not a list', { ...config, history: {} }, 'history is not a list'],
    ['not JSON', 'nope', 'not valid JSON'],
  ])('refuses %s', (_name, value, reason) => {
    expect(() => parseImageConfig(bytes(value))).toThrow(expect.objectContaining({ code: 'OCI_CONFIG_INVALID', message: expect.stringContaining(reason) }));
  });
});
