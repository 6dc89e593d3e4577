#!/usr/bin/env bash
# The kernel of `glassbox compare`'s VM: Debian's cloud kernel package, of which only
# ./boot/vmlinuz-* is kept, in glassbox's home. It is never installed as the host's kernel.
# The cloud flavour probes fewer devices and boots in qemu in about half the time.
# Run as root (apt-get download); without root it says what is missing and does nothing.
set -euo pipefail

dir="${GLASSBOX_HOME:-/var/lib/glassbox}/vm"
compgen -G "$dir/vmlinuz-*" >/dev/null && exit 0
command -v apt-get >/dev/null 2>&1 || exit 0
[[ $(dpkg --print-architecture) == amd64 ]] || { echo "fetch-vm-kernel: not amd64, glassbox compare shows recorded figures"; exit 0; }
if [[ $(id -u) -ne 0 ]]; then
  echo "fetch-vm-kernel: no kernel for glassbox compare in $dir (run as root to fetch one)" >&2
  exit 0
fi

# The metapackage names the current image package (linux-image-6.1.0-NN-cloud-amd64).
image_package() { apt-cache depends linux-image-cloud-amd64 2>/dev/null | awk '/Depends: linux-image-/ { print $2; exit }'; }
package=$(image_package)
if [[ -z "$package" ]]; then
  apt-get update -qq
  package=$(image_package)
fi
[[ -n "$package" ]] || { echo "fetch-vm-kernel: apt knows no linux-image-cloud-amd64" >&2; exit 0; }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/glassbox-kernel-XXXXXX")
trap 'rm -rf "$tmp"' EXIT
# apt-get download drops privileges to _apt, which must be able to write here.
chown _apt "$tmp" 2>/dev/null || true
echo "fetch-vm-kernel: downloading $package (only its vmlinuz is kept, in $dir)"
(cd "$tmp" && apt-get download -qq "$package")
# dpkg-deb may die of SIGPIPE once tar has read what it needs: check for the file instead.
dpkg-deb --fsys-tarfile "$tmp"/*.deb | tar -xf - -C "$tmp" --wildcards './boot/vmlinuz-*' || true
compgen -G "$tmp/boot/vmlinuz-*" >/dev/null || { echo "fetch-vm-kernel: no vmlinuz in $package" >&2; exit 1; }
mkdir -p "$dir"
mv "$tmp"/boot/vmlinuz-* "$dir"/
echo "fetch-vm-kernel: $(ls "$dir"/vmlinuz-*)"
