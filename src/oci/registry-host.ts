import { DEFAULT_DOMAIN } from './reference.js';

/**
Where a registry named in a reference really lives, and how to talk to it. Docker Hub's name
`docker.io` is served by `registry-1.docker.io`. Loopback registries (`localhost`, 127.0.0.0/8,
::1) are plain HTTP by default, as Docker treats them as insecure out of the box; every other
registry is HTTPS unless the user marked it insecure.
*/
export interface RegistryEndpoint {
  /** The name in the reference and in ~/.docker/config.json: `docker.io`, `localhost:5000` */
  domain: string;
  /** `https://registry-1.docker.io`, `http://127.0.0.1:5000` */
  origin: string;
  scheme: 'http' | 'https';
}

const DOCKER_HUB_HOST = 'registry-1.docker.io';

/** `localhost:5000` → `localhost`, `[::1]:5000` → `::1`, `127.0.0.1` → `127.0.0.1` */
export function hostnameOf(domain: string): string {
  if (domain.startsWith('[')) return domain.slice(1, domain.indexOf(']'));
  const colon = domain.lastIndexOf(':');
  return colon === -1 ? domain : domain.slice(0, colon);
}

export function isLoopbackHost(hostname: string): boolean {
  const name = hostname.toLowerCase();
  if (name === 'localhost' || name.endsWith('.localhost') || name === '::1') return true;
  const octets = name.split('.');
  return octets.length === 4 && octets[0] === '127' && octets.every((o) => /^\d{1,3}$/.test(o) && Number(o) <= 255);
}

/** `insecure` lists domains (`host` or `host:port`) the user allowed plain HTTP for. */
export function resolveEndpoint(domain: string, insecure: readonly string[] = []): RegistryEndpoint {
  const host = domain === DEFAULT_DOMAIN ? DOCKER_HUB_HOST : domain;
  const plain = isLoopbackHost(hostnameOf(domain)) || insecure.includes(domain) || insecure.includes(hostnameOf(domain));
  const scheme = plain ? 'http' : 'https';
  return { domain, origin: `${scheme}://${host}`, scheme };
}
