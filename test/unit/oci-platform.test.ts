import { describe, expect, it } from 'vitest';
import type { Descriptor } from '../../src/oci/descriptor.js';
import { formatPlatform, hostPlatform, isAttestation, parsePlatform, platformScore, selectPlatform } from '../../src/oci/platform.js';

const D = (n: number): string => `sha256:${String(n).repeat(64).slice(0, 64)}`;
const entry = (n: number, platform: string, annotations?: Record<string, string>): Descriptor => {
  const [os, architecture, variant] = platform.split('/') as [string, string, string?];
  return {
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    digest: D(n),
    size: 100,
    platform: variant ? { os, architecture, variant } : { os, architecture },
    ...(annotations ? { annotations } : {}),
  };
};

describe('platforms', () => {
  it('parses and normalizes os/arch[/variant]', () => {
    expect(parsePlatform('linux/amd64')).toEqual({ os: 'linux', architecture: 'amd64', variant: 'v1' });
    expect(parsePlatform('linux/arm64')).toEqual({ os: 'linux', architecture: 'arm64', variant: 'v8' });
    expect(parsePlatform('linux/aarch64')).toEqual({ os: 'linux', architecture: 'arm64', variant: 'v8' });
    expect(parsePlatform('linux/x86_64')).toEqual({ os: 'linux', architecture: 'amd64', variant: 'v1' });
    expect(parsePlatform('linux/arm')).toEqual({ os: 'linux', architecture: 'arm', variant: 'v7' });
    expect(parsePlatform('linux/arm/6')).toEqual({ os: 'linux', architecture: 'arm', variant: 'v6' });
    expect(parsePlatform('Linux/S390X')).toEqual({ os: 'linux', architecture: 's390x' });
  });

  it.each(['linux', 'linux/', 'a/b/c/d', 'linux/am d64', ''])('refuses %j', (text) => {
    expect(() => parsePlatform(text)).toThrow(expect.objectContaining({ code: 'OCI_PLATFORM_INVALID' }));
  });

  it('prints platforms as people write them', () => {
    expect(formatPlatform(parsePlatform('linux/amd64'))).toBe('linux/amd64');
    expect(formatPlatform(parsePlatform('linux/arm64'))).toBe('linux/arm64/v8');
    expect(formatPlatform({ os: 'linux', architecture: 'riscv64' })).toBe('linux/riscv64');
  });

  it('knows the host', () => {
    const host = hostPlatform();
    expect(host.os).toBe(process.platform);
    expect(parsePlatform(formatPlatform(host))).toEqual(host);
  });

  it('scores arm variants downwards only', () => {
    const v7 = parsePlatform('linux/arm/v7');
    expect(platformScore(v7, parsePlatform('linux/arm/v7'))).toBe(100);
    expect(platformScore(v7, parsePlatform('linux/arm/v6'))).toBeGreaterThan(platformScore(v7, parsePlatform('linux/arm/v5')));
    expect(platformScore(v7, parsePlatform('linux/arm/v5'))).toBeGreaterThan(0);
    expect(platformScore(parsePlatform('linux/arm/v6'), v7)).toBe(0);
    expect(platformScore(parsePlatform('linux/amd64'), parsePlatform('windows/amd64'))).toBe(0);
  });

  it('selects the best entry and skips attestations, by platform and by annotation', () => {
    const manifests = [
      // An attestation that claims a real platform: the annotation decides.
      entry(1, 'linux/amd64', { 'vnd.docker.reference.type': 'attestation-manifest' }),
      entry(2, 'linux/arm/v6'),
      entry(3, 'linux/arm/v7'),
      entry(4, 'linux/amd64'),
      entry(5, 'unknown/unknown'),
    ];
    expect(selectPlatform(manifests, parsePlatform('linux/amd64')).chosen?.digest).toBe(D(4));
    expect(selectPlatform(manifests, parsePlatform('linux/arm/v7')).chosen?.digest).toBe(D(3));
    // 32-bit arm on an ARMv8 core runs v7 code.
    expect(selectPlatform(manifests, parsePlatform('linux/arm/v8')).chosen?.digest).toBe(D(3));
    expect(selectPlatform(manifests, parsePlatform('linux/arm64')).chosen).toBeUndefined();
    expect(selectPlatform(manifests, parsePlatform('linux/s390x'))).toEqual({ available: ['linux/arm/v6', 'linux/arm/v7', 'linux/amd64'] });
    expect(isAttestation(manifests[4]!)).toBe(true);
    expect(isAttestation(manifests[3]!)).toBe(false);
  });

  it('takes a lower arm variant when the exact one is missing', () => {
    expect(selectPlatform([entry(2, 'linux/arm/v6'), entry(6, 'linux/arm/v5')], parsePlatform('linux/arm/v7')).chosen?.digest).toBe(D(2));
  });
});
