import { GlassboxError } from '../errors.js';
import type { Descriptor, Platform } from './descriptor.js';

/**
Platforms as `os/arch[/variant]`, normalized as containerd does (`aarch64` → `arm64`,
`x86_64` → `amd64`, arm64's default variant is v8, arm's is v7), so `linux/arm64` and
`linux/arm64/v8` are the same platform.
*/
export interface PlatformSpec {
  os: string;
  architecture: string;
  variant?: string;
}

const ARCH_ALIASES: Record<string, string> = {
  x86_64: 'amd64',
  'x86-64': 'amd64',
  aarch64: 'arm64',
  armhf: 'arm',
  armel: 'arm',
  i386: '386',
  i686: '386',
};
const DEFAULT_VARIANT: Record<string, string> = { arm64: 'v8', arm: 'v7', amd64: 'v1' };
const NAME_RE = /^[a-z0-9_.-]+$/;

export function normalizePlatform(platform: PlatformSpec): PlatformSpec {
  const os = platform.os.toLowerCase();
  const architecture = ARCH_ALIASES[platform.architecture.toLowerCase()] ?? platform.architecture.toLowerCase();
  let variant = platform.variant?.toLowerCase() || undefined;
  if (architecture === 'arm' && variant !== undefined && /^\d$/.test(variant)) variant = `v${variant}`;
  if (architecture === 'arm64' && variant === '8') variant = 'v8';
  if (variant === undefined) variant = DEFAULT_VARIANT[architecture];
  return variant === undefined ? { os, architecture } : { os, architecture, variant };
}

export function parsePlatform(text: string): PlatformSpec {
  const parts = text.split('/');
  const bad = (reason: string): GlassboxError =>
    new GlassboxError('OCI_PLATFORM_INVALID', `invalid platform ${JSON.stringify(text)}: ${reason}`, {
      kind: 'user',
      hint: 'a platform looks like linux/amd64, linux/arm64 or linux/arm/v7',
    });
  if (parts.length < 2 || parts.length > 3) throw bad('expected os/arch or os/arch/variant');
  if (!parts.every((part) => NAME_RE.test(part.toLowerCase()))) throw bad('each part is a lowercase name');
  const [os, architecture, variant] = parts as [string, string, string | undefined];
  return normalizePlatform(variant === undefined ? { os, architecture } : { os, architecture, variant });
}

/** `linux/arm64/v8`; the default variant of amd64 (v1) is left out, as everyone writes `linux/amd64`. */
export function formatPlatform(platform: PlatformSpec): string {
  const p = normalizePlatform(platform);
  const variant = p.variant === undefined || (p.architecture === 'amd64' && p.variant === 'v1') ? '' : `/${p.variant}`;
  return `${p.os}/${p.architecture}${variant}`;
}

/** The platform Node runs on, in OCI words (`process.arch` uses Node's own names). */
export function hostPlatform(): PlatformSpec {
  const arch: Record<string, string> = { x64: 'amd64', ia32: '386', arm64: 'arm64', arm: 'arm', ppc64: 'ppc64le' };
  const architecture = arch[process.arch] ?? process.arch;
  const os = process.platform === 'win32' ? 'windows' : process.platform;
  if (architecture === 'arm') {
    const version = (process.config.variables as Record<string, unknown>).arm_version;
    return normalizePlatform({ os, architecture, variant: typeof version === 'string' ? `v${version}` : 'v7' });
  }
  return normalizePlatform({ os, architecture });
}

/**
How well `candidate` serves `wanted`: 0 is no match, higher is better. arm is backwards
compatible (a v7 machine runs v6 and v5 code), so lower arm variants match with a lower score.
*/
export function platformScore(wanted: PlatformSpec, candidate: PlatformSpec): number {
  const w = normalizePlatform(wanted);
  const c = normalizePlatform(candidate);
  if (w.os !== c.os || w.architecture !== c.architecture) return 0;
  if (w.variant === c.variant) return 100;
  if (w.architecture === 'arm' && w.variant && c.variant) {
    const wv = Number(w.variant.slice(1));
    const cv = Number(c.variant.slice(1));
    if (cv < wv) return 100 - (wv - cv);
  }
  return 0;
}

/**
Buildx puts provenance and SBOM attestations into the index as manifests with platform
`unknown/unknown` and `vnd.docker.reference.type: attestation-manifest`; they are not images.
*/
export function isAttestation(descriptor: Descriptor): boolean {
  if (descriptor.annotations?.['vnd.docker.reference.type'] === 'attestation-manifest') return true;
  const platform = descriptor.platform;
  return platform !== undefined && platform.os === 'unknown' && platform.architecture === 'unknown';
}

export function platformOf(platform: Platform): PlatformSpec {
  return platform.variant === undefined
    ? { os: platform.os, architecture: platform.architecture }
    : { os: platform.os, architecture: platform.architecture, variant: platform.variant };
}

export interface PlatformChoice {
  chosen?: Descriptor;
  /** Image platforms in the index (attestations left out), for the error message. */
  available: string[];
}

/** Picks the best image manifest for `wanted` from an index's entries, skipping attestations. */
export function selectPlatform(manifests: readonly Descriptor[], wanted: PlatformSpec): PlatformChoice {
  let chosen: Descriptor | undefined;
  let best = 0;
  const available: string[] = [];
  for (const entry of manifests) {
    if (isAttestation(entry) || entry.platform === undefined) continue;
    available.push(formatPlatform(platformOf(entry.platform)));
    const score = platformScore(wanted, platformOf(entry.platform));
    if (score > best) {
      best = score;
      chosen = entry;
    }
  }
  return chosen === undefined ? { available } : { chosen, available };
}
