import { randomBytes, randomInt } from 'node:crypto';
import { GlassboxError } from '../errors.js';
import type { ListedContainer } from './state.js';

/**
Container ids and names, as Docker has them: a 64-hex-digit id (12 shown), a name given
with --name or made up as `adjective_surname`, and lookups by full id, name, or a unique
prefix of the id. The word lists are glassbox's own: people whose work containers rest on.
*/
const ADJECTIVES = [
  'agile', 'bold', 'brave', 'bright', 'calm', 'clever', 'curious', 'daring', 'eager', 'elated', 'fair', 'fond',
  'gentle', 'happy', 'hardy', 'honest', 'jolly', 'keen', 'kind', 'lively', 'lucid', 'mellow', 'modest', 'neat',
  'nimble', 'patient', 'plucky', 'proud', 'quick', 'quiet', 'rapid', 'ready', 'serene', 'sharp', 'shy', 'steady',
  'sturdy', 'swift', 'tidy', 'tranquil', 'upbeat', 'vivid', 'warm', 'wise', 'witty', 'zealous',
];

const SURNAMES = [
  'allen', 'backus', 'bell', 'bosack', 'cerf', 'corbato', 'dijkstra', 'engelbart', 'floyd', 'goldberg', 'hamilton',
  'hoare', 'hopper', 'kahn', 'kay', 'kernighan', 'knuth', 'lamport', 'liskov', 'lovelace', 'mccarthy', 'mcilroy',
  'metcalfe', 'minsky', 'moore', 'naur', 'ossanna', 'perlman', 'popek', 'postel', 'ritchie', 'saltzer', 'shannon',
  'spafford', 'stallman', 'strachey', 'tanenbaum', 'thompson', 'torvalds', 'turing', 'wheeler', 'wilkes', 'wirth',
];

export function newContainerId(): string {
  return randomBytes(32).toString('hex');
}

export function randomName(): string {
  return `${ADJECTIVES[randomInt(ADJECTIVES.length)]}_${SURNAMES[randomInt(SURNAMES.length)]}`;
}

/** Docker's rule for --name: a letter or digit, then at least one more of letters, digits, `_`, `.` or `-`. */
export function checkName(name: string): string {
  const clean = name.startsWith('/') ? name.slice(1) : name;
  if (!/^[a-zA-Z0-9][a-zA-Z0-9_.-]+$/.test(clean) || clean.length > 128) {
    throw new GlassboxError('CONTAINER_BAD_NAME', `invalid container name ${JSON.stringify(name)}: only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed`, {
      kind: 'user',
    });
  }
  return clean;
}

/** A name nobody has yet: the one asked for (or an error naming who has it), else a fresh random one. */
export function pickName(wanted: string | undefined, taken: readonly ListedContainer[]): string {
  const names = new Set(taken.map((entry) => entry.state?.name).filter((name): name is string => name !== undefined));
  if (wanted !== undefined) {
    const name = checkName(wanted);
    if (names.has(name)) {
      const holder = taken.find((entry) => entry.state?.name === name)!;
      throw new GlassboxError('CONTAINER_NAME_IN_USE', `the container name "/${name}" is already in use by container ${holder.id.slice(0, 12)}`, {
        kind: 'user',
        hint: `remove that container (glassbox rm ${name}) or choose another --name`,
      });
    }
    return name;
  }
  for (let attempt = 0; ; attempt++) {
    // After many collisions a digit is added, as Docker does.
    const name = attempt < 10 ? randomName() : `${randomName()}${randomInt(10)}`;
    if (!names.has(name)) return name;
  }
}

/**
What the user typed → one container: an exact id or name first, then a unique id prefix.
*/
export function findContainer<T extends ListedContainer>(input: string, containers: readonly T[]): T {
  const wanted = input.startsWith('/') ? input.slice(1) : input;
  const exact = containers.find((entry) => entry.id === wanted) ?? containers.find((entry) => entry.state?.name === wanted);
  if (exact !== undefined) return exact;
  const prefixed = /^[0-9a-f]+$/.test(wanted) ? containers.filter((entry) => entry.id.startsWith(wanted)) : [];
  if (prefixed.length === 1) return prefixed[0]!;
  if (prefixed.length > 1) {
    throw new GlassboxError('CONTAINER_AMBIGUOUS', `${JSON.stringify(input)} matches ${prefixed.length} containers`, {
      kind: 'user',
      hint: 'give more digits of the id, or the name',
    });
  }
  throw new GlassboxError('CONTAINER_NOT_FOUND', `no such container: ${input}`, { kind: 'user', hint: 'list them with: glassbox ps -a' });
}
