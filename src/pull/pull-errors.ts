import { GlassboxError } from '../errors.js';

/** Errors of the registry client, each with a stable code and a hint the user can act on. */

export function httpStatusError(what: string, status: number, body: string): GlassboxError {
  const detail = registryErrorDetail(body);
  const message = `${what}: the registry answered ${status}${detail ? ` (${detail})` : ''}`;
  if (status === 404) {
    return new GlassboxError('PULL_NOT_FOUND', message, {
      kind: 'user',
      hint: 'check the repository name and tag; private images also answer 404 to anonymous users on some registries',
    });
  }
  if (status === 401 || status === 403) {
    return new GlassboxError('PULL_UNAUTHORIZED', message, {
      kind: 'user',
      hint: 'log in with docker login (glassbox reads ~/.docker/config.json and credential helpers), or check the name',
    });
  }
  if (status === 429) {
    return new GlassboxError('PULL_RATE_LIMITED', message, {
      kind: 'environment',
      hint: 'the registry limits pulls: wait, log in, or pull from a classroom mirror (glassbox serve)',
    });
  }
  return new GlassboxError('PULL_HTTP', message, { kind: 'environment', hint: 'the registry failed; try again later' });
}

/** The first `errors[].message` of a distribution error body, or nothing. */
export function registryErrorDetail(body: string): string | undefined {
  try {
    const parsed = JSON.parse(body) as { errors?: { code?: string; message?: string }[] };
    const first = parsed.errors?.[0];
    if (first) return [first.code, first.message].filter(Boolean).join(': ').toLowerCase();
  } catch {
    // Not JSON: many proxies answer HTML.
  }
  return undefined;
}

export function networkError(what: string, cause: unknown): GlassboxError {
  const message = cause instanceof Error ? cause.message : String(cause);
  return new GlassboxError('PULL_NETWORK', `${what}: ${message}`, {
    kind: 'environment',
    hint: 'check the network and the registry address; loopback registries use plain http',
    cause,
  });
}

export function stalledError(what: string, seconds: number): GlassboxError {
  return new GlassboxError('PULL_STALLED', `${what}: the registry sent nothing for ${seconds} s`, {
    kind: 'environment',
    hint: 'the registry or a proxy stalled; try again, or raise the limit with --stall-timeout',
  });
}

export function integrityError(code: 'PULL_DIGEST_MISMATCH' | 'PULL_SIZE_MISMATCH', message: string): GlassboxError {
  return new GlassboxError(code, message, {
    kind: 'environment',
    hint: 'the bytes received are not what the manifest promised; nothing was stored. A proxy or the registry is corrupting data',
  });
}
