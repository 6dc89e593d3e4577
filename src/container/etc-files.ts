import fs from 'node:fs';
import path from 'node:path';
import type { ContainerSpec, EtcFiles } from './spec.js';

/**
The container's /etc/hostname, /etc/hosts and /etc/resolv.conf, written as files of its
own (in a directory the caller keeps, e.g. the container's state dir) and bind-mounted by
gbx-run, as Docker does: the image's files stay untouched, and the container may edit its
copies.
*/
export interface EtcFilesPlan {
  hostname: string;
  /** The container has its own network namespace: the host's loopback resolvers are unreachable from it. */
  privateNetwork: boolean;
  /** The host's resolv.conf to start from; default /etc/resolv.conf. */
  hostResolvConf?: string;
}

/** Docker's fallback when no usable nameserver is left (its resolvconf package). */
export const FALLBACK_NAMESERVERS: readonly string[] = ['8.8.8.8', '8.8.4.4'];

/** Docker's /etc/hosts, with the hostname on a loopback address of its own (no network address yet). */
export function hostsFile(hostname: string): string {
  return [
    '127.0.0.1\tlocalhost',
    '::1\tlocalhost ip6-localhost ip6-loopback',
    'fe00::0\tip6-localnet',
    'ff00::0\tip6-mcastprefix',
    'ff02::1\tip6-allnodes',
    'ff02::2\tip6-allrouters',
    `127.0.1.1\t${hostname}`,
    '',
  ].join('\n');
}

function isLoopbackNameserver(line: string): boolean {
  const match = /^\s*nameserver\s+(\S+)/.exec(line);
  return match !== null && (/^127\./.test(match[1]!) || match[1] === '::1');
}

/**
The host's resolv.conf for the container. With a private network namespace, nameservers on
127.x (systemd-resolved's 127.0.0.53, a local dnsmasq) and ::1 are dropped: inside, they
would be the container's own loopback. If none is left, Docker's fallback servers are added.
*/
export function resolvConfFor(hostText: string, privateNetwork: boolean): string {
  if (!privateNetwork) return hostText;
  const lines = hostText.split('\n').filter((line) => !isLoopbackNameserver(line));
  while (lines.length > 0 && lines.at(-1) === '') lines.pop();
  if (!lines.some((line) => /^\s*nameserver\s/.test(line))) lines.push(...FALLBACK_NAMESERVERS.map((ip) => `nameserver ${ip}`));
  return `${lines.join('\n')}\n`;
}

/** Writes the three files into dir (made if missing) and returns their paths for ContainerSpec.etcFiles. */
export function writeEtcFiles(dir: string, plan: EtcFilesPlan): Required<EtcFiles> {
  fs.mkdirSync(dir, { recursive: true });
  let hostResolv = '';
  try {
    hostResolv = fs.readFileSync(plan.hostResolvConf ?? '/etc/resolv.conf', 'utf8');
  } catch {
    // No resolv.conf on the host: the fallback servers only.
  }
  const files = { hostname: path.join(dir, 'hostname'), hosts: path.join(dir, 'hosts'), resolv: path.join(dir, 'resolv.conf') };
  fs.writeFileSync(files.hostname, `${plan.hostname}\n`, { mode: 0o644 });
  fs.writeFileSync(files.hosts, hostsFile(plan.hostname), { mode: 0o644 });
  fs.writeFileSync(files.resolv, resolvConfFor(hostResolv, plan.privateNetwork), { mode: 0o644 });
  return files;
}

/** Writes the files for a spec (its hostname, private network when it has a net namespace) and sets spec.etcFiles. */
export function attachEtcFiles(spec: ContainerSpec, dir: string, hostResolvConf?: string): ContainerSpec {
  spec.etcFiles = writeEtcFiles(dir, {
    hostname: spec.hostname ?? spec.id.slice(0, 12),
    privateNetwork: spec.namespaces.includes('net'),
    ...(hostResolvConf === undefined ? {} : { hostResolvConf }),
  });
  return spec;
}
