import { describe, expect, it } from 'vitest';
import { familiarReference, formatReference, manifestSelector, parseReference } from '../../src/oci/reference.js';
import { resolveEndpoint } from '../../src/oci/registry-host.js';

const D = `sha256:${'ab'.repeat(32)}`;

describe('parseReference normalizes as Docker does', () => {
  it.each([
    ['busybox', 'docker.io/library/busybox:latest'],
    ['library/busybox:1.36', 'docker.io/library/busybox:1.36'],
    ['ubuntu/squid', 'docker.io/ubuntu/squid:latest'],
    ['docker.io/busybox', 'docker.io/library/busybox:latest'],
    ['index.docker.io/busybox:1', 'docker.io/library/busybox:1'],
    ['docker.io/o/r/deep:x', 'docker.io/o/r/deep:x'],
    ['localhost:5000/x:y', 'localhost:5000/x:y'],
    ['localhost/x', 'localhost/x:latest'],
    ['127.0.0.1:5000/a/b/c:tag', '127.0.0.1:5000/a/b/c:tag'],
    ['[::1]:5000/x', '[::1]:5000/x:latest'],
    ['ghcr.io/o/r:v1.2_3-rc', 'ghcr.io/o/r:v1.2_3-rc'],
    ['my-registry.example.com/a__b/c.d-e:V', 'my-registry.example.com/a__b/c.d-e:V'],
    // Docker's quirk: a first component with capitals is a registry host.
    ['Foo/bar', 'Foo/bar:latest'],
    [`ghcr.io/o/r@${D}`, `ghcr.io/o/r@${D}`],
    [`busybox:1@${D}`, `docker.io/library/busybox:1@${D}`],
  ])('%s → %s', (input, normalized) => {
    expect(formatReference(parseReference(input))).toBe(normalized);
  });

  it('splits domain, path, tag and digest', () => {
    expect(parseReference('localhost:5000/x/y:z')).toEqual({ domain: 'localhost:5000', path: 'x/y', tag: 'z' });
    expect(parseReference(`r.io/x@${D}`)).toEqual({ domain: 'r.io', path: 'x', digest: D });
  });

  it.each([
    ['', 'it is empty'],
    ['Busybox', 'repository name "library/Busybox" must be lowercase'],
    ['docker.io/Foo/bar', 'must be lowercase'],
    ['busybox:', 'tag "" must be'],
    [`busybox:${'a'.repeat(129)}`, 'tag'],
    ['busybox:-x', 'tag "-x"'],
    ['a//b', 'may hold only'],
    ['a/b-/c', 'may hold only'],
    ['-x.io/y', 'registry "-x.io"'],
    ['busybox@sha256:abc', 'not a valid sha256 digest'],
    [`busybox@sha512:${'a'.repeat(128)}`, 'unsupported algorithm'],
    ['busybox@sha256:../../../etc/passwd', 'not a valid sha256 digest'],
    ['a'.repeat(64), 'image id'],
    ['bad name', 'white space'],
    [`r.io/${'a'.repeat(255)}`, 'longer than 255'],
  ])('refuses %j (%s)', (input, reason) => {
    expect(() => parseReference(input)).toThrow(expect.objectContaining({ code: 'OCI_REFERENCE_INVALID', kind: 'user', message: expect.stringContaining(reason) }));
  });

  it('shows the familiar form and asks for the digest when there is one', () => {
    expect(familiarReference(parseReference('busybox'))).toBe('busybox:latest');
    expect(familiarReference(parseReference('o/r:1'))).toBe('o/r:1');
    expect(familiarReference(parseReference('docker.io/library/a/b'))).toBe('library/a/b:latest');
    expect(familiarReference(parseReference('ghcr.io/o/r:1'))).toBe('ghcr.io/o/r:1');
    expect(manifestSelector(parseReference(`x:1@${D}`))).toBe(D);
    expect(manifestSelector(parseReference('x:1'))).toBe('1');
  });
});

describe('resolveEndpoint', () => {
  it.each([
    ['docker.io', 'https://registry-1.docker.io'],
    ['ghcr.io', 'https://ghcr.io'],
    ['localhost:5000', 'http://localhost:5000'],
    ['localhost', 'http://localhost'],
    ['127.0.0.1:5000', 'http://127.0.0.1:5000'],
    ['127.200.3.4', 'http://127.200.3.4'],
    ['[::1]:5000', 'http://[::1]:5000'],
    ['127.example.com', 'https://127.example.com'],
    ['128.0.0.1', 'https://128.0.0.1'],
    ['10.0.0.5:5000', 'https://10.0.0.5:5000'],
  ])('%s → %s', (domain, origin) => {
    expect(resolveEndpoint(domain).origin).toBe(origin);
  });

  it('uses plain HTTP for registries marked insecure, by host or host:port', () => {
    expect(resolveEndpoint('10.0.0.5:5000', ['10.0.0.5:5000']).origin).toBe('http://10.0.0.5:5000');
    expect(resolveEndpoint('teacher.lan:5000', ['teacher.lan']).scheme).toBe('http');
    expect(resolveEndpoint('other.lan:5000', ['teacher.lan']).scheme).toBe('https');
  });
});
