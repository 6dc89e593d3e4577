import { GlassboxError } from '../errors.js';
import type { Descriptor, Platform } from './descriptor.js';
import { validateDigest } from './digest.js';

/** Checks a JSON value from a manifest or index as an OCI descriptor; `where` names it in errors. */
export function checkDescriptor(value: unknown, where: string): Descriptor {
  const object = checkObject(value, where);
  const { mediaType, digest, size } = object;
  if (typeof mediaType !== 'string' || mediaType.length === 0) throw malformed(`${where} has no mediaType`);
  if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0) {
    throw malformed(`${where} size ${JSON.stringify(size)} is not a non-negative integer`);
  }
  let checked: string;
  try {
    checked = validateDigest(digest, `${where} digest`);
  } catch (error) {
    throw malformed(error instanceof Error ? error.message : String(error));
  }
  const descriptor: Descriptor = { mediaType, digest: checked, size };
  if (object.urls !== undefined) descriptor.urls = checkStrings(object.urls, `${where} urls`);
  if (object.annotations !== undefined) descriptor.annotations = checkAnnotations(object.annotations, `${where} annotations`);
  if (object.platform !== undefined) descriptor.platform = checkPlatform(object.platform, `${where} platform`);
  if (typeof object.artifactType === 'string') descriptor.artifactType = object.artifactType;
  return descriptor;
}

export function checkPlatform(value: unknown, where: string): Platform {
  const object = checkObject(value, where);
  if (typeof object.os !== 'string' || typeof object.architecture !== 'string') {
    throw malformed(`${where} needs os and architecture strings`);
  }
  const platform: Platform = { os: object.os, architecture: object.architecture };
  if (typeof object.variant === 'string') platform.variant = object.variant;
  if (typeof object['os.version'] === 'string') platform['os.version'] = object['os.version'];
  if (object['os.features'] !== undefined) platform['os.features'] = checkStrings(object['os.features'], `${where} os.features`);
  return platform;
}

export function checkAnnotations(value: unknown, where: string): Record<string, string> {
  const object = checkObject(value, where);
  for (const [key, entry] of Object.entries(object)) {
    if (typeof entry !== 'string') throw malformed(`${where} ${JSON.stringify(key)} is not a string`);
  }
  return object as Record<string, string>;
}

export function checkObject(value: unknown, where: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw malformed(`${where} is not a JSON object`);
  return value as Record<string, unknown>;
}

function checkStrings(value: unknown, where: string): string[] {
  if (!Array.isArray(value) || !value.every((entry) => typeof entry === 'string')) {
    throw malformed(`${where} is not a list of strings`);
  }
  return value as string[];
}

export function malformed(message: string): GlassboxError {
  return new GlassboxError('OCI_MANIFEST_INVALID', message, {
    kind: 'user',
    hint: 'the registry sent a document that is not a valid OCI or Docker v2 manifest',
  });
}
