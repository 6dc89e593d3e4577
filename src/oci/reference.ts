import { GlassboxError } from '../errors.js';
import { validateDigest } from './digest.js';

/**
An image reference split into its parts and normalized the way Docker does it:
`busybox` → `docker.io/library/busybox:latest`, `index.docker.io/x/y` → `docker.io/x/y:latest`,
`localhost:5000/x:y` stays on localhost:5000. Grammar from the distribution `reference` package.
*/
export interface ImageReference {
  /** `docker.io`, `ghcr.io`, `localhost:5000`, `127.0.0.1:5000`, `[::1]:5000` */
  domain: string;
  /** The repository path: `library/busybox`, `o/r` */
  path: string;
  tag?: string;
  /** Validated sha256 digest; when present it wins over the tag, as in Docker. */
  digest?: string;
}

export const DEFAULT_DOMAIN = 'docker.io';
export const DEFAULT_TAG = 'latest';
const LEGACY_DOMAIN = 'index.docker.io';
const MAX_NAME = 255;

const DOMAIN_COMPONENT = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const DOMAIN = `(?:${DOMAIN_COMPONENT}(?:\\.${DOMAIN_COMPONENT})*|\\[[a-fA-F0-9:]+\\])(?::[0-9]+)?`;
const PATH_COMPONENT = '[a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*';
const DOMAIN_RE = new RegExp(`^${DOMAIN}$`);
const PATH_RE = new RegExp(`^${PATH_COMPONENT}(?:/${PATH_COMPONENT})*$`);
const TAG_RE = /^[\w][\w.-]{0,127}$/;
const HEX64_RE = /^[a-f0-9]{64}$/;

function invalid(input: string, reason: string): GlassboxError {
  return new GlassboxError('OCI_REFERENCE_INVALID', `invalid reference ${JSON.stringify(input)}: ${reason}`, {
    kind: 'user',
    hint: 'a reference looks like busybox, library/busybox:1.36, ghcr.io/o/r@sha256:… or localhost:5000/x:y',
  });
}

/** Docker's rule: the first component is a registry only if it has a dot or a colon, is localhost, or has capitals. */
function splitDomain(name: string): { domain: string; remainder: string } {
  const slash = name.indexOf('/');
  const first = slash === -1 ? '' : name.slice(0, slash);
  let domain = DEFAULT_DOMAIN;
  let remainder = name;
  if (slash !== -1 && (/[.:]/.test(first) || first === 'localhost' || first.toLowerCase() !== first)) {
    domain = first;
    remainder = name.slice(slash + 1);
  }
  if (domain === LEGACY_DOMAIN) domain = DEFAULT_DOMAIN;
  if (domain === DEFAULT_DOMAIN && !remainder.includes('/')) remainder = `library/${remainder}`;
  return { domain, remainder };
}

export function parseReference(input: string): ImageReference {
  if (input.length === 0) throw invalid(input, 'it is empty');
  if (HEX64_RE.test(input)) throw invalid(input, 'a 64-hex string is an image id, not a repository name');
  if (/\s/.test(input)) throw invalid(input, 'it contains white space');
  const at = input.indexOf('@');
  const named = at === -1 ? input : input.slice(0, at);
  let digest: string | undefined;
  if (at !== -1) {
    try {
      digest = validateDigest(input.slice(at + 1), 'the digest');
    } catch (error) {
      throw invalid(input, error instanceof Error ? error.message : String(error));
    }
  }
  const { domain, remainder } = splitDomain(named);
  // A colon after the last slash starts the tag; earlier ones belong to the domain's port.
  const colon = remainder.lastIndexOf(':');
  const path = colon === -1 ? remainder : remainder.slice(0, colon);
  const tag = colon === -1 ? undefined : remainder.slice(colon + 1);
  if (path.toLowerCase() !== path) throw invalid(input, `repository name ${JSON.stringify(path)} must be lowercase`);
  if (!DOMAIN_RE.test(domain)) throw invalid(input, `registry ${JSON.stringify(domain)} is not a valid host[:port]`);
  if (!PATH_RE.test(path)) {
    throw invalid(input, `repository name ${JSON.stringify(path)} may hold only a-z, 0-9 and single . _ __ - between them`);
  }
  if (tag !== undefined && !TAG_RE.test(tag)) {
    throw invalid(input, `tag ${JSON.stringify(tag)} must be 1 to 128 of A-Z a-z 0-9 _ . - and not start with . or -`);
  }
  if (domain.length + 1 + path.length > MAX_NAME) throw invalid(input, `the name is longer than ${MAX_NAME} characters`);
  const reference: ImageReference = { domain, path };
  if (tag !== undefined) reference.tag = tag;
  else if (digest === undefined) reference.tag = DEFAULT_TAG;
  if (digest !== undefined) reference.digest = digest;
  return reference;
}

/** `docker.io/library/busybox` */
export function repositoryName(reference: ImageReference): string {
  return `${reference.domain}/${reference.path}`;
}

/** The fully qualified form: `docker.io/library/busybox:latest`, `ghcr.io/o/r@sha256:…` */
export function formatReference(reference: ImageReference): string {
  const tag = reference.tag === undefined ? '' : `:${reference.tag}`;
  const digest = reference.digest === undefined ? '' : `@${reference.digest}`;
  return `${repositoryName(reference)}${tag}${digest}`;
}

/** The short form Docker shows: `busybox:latest`, `o/r:1`, `ghcr.io/o/r:1`. */
export function familiarReference(reference: ImageReference): string {
  let name = repositoryName(reference);
  if (reference.domain === DEFAULT_DOMAIN) {
    name = reference.path.startsWith('library/') && reference.path.split('/').length === 2
      ? reference.path.slice('library/'.length)
      : reference.path;
  }
  const tag = reference.tag === undefined ? '' : `:${reference.tag}`;
  const digest = reference.digest === undefined ? '' : `@${reference.digest}`;
  return `${name}${tag}${digest}`;
}

/** What to ask the registry for: the digest when there is one, else the tag. */
export function manifestSelector(reference: ImageReference): string {
  return reference.digest ?? reference.tag ?? DEFAULT_TAG;
}
