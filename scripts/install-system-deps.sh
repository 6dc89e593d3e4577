#!/usr/bin/env bash
# Installs the Debian packages the tests need, when run as root and only those missing.
# Without root it lists what is missing and leaves the machine alone.
set -euo pipefail

# gcc, make, libc6-dev: the static native helpers. tmux: the terminal test of the tour.
# util-linux: setpriv, to run the doctor and probe as an unprivileged user.
PACKAGES=(gcc make libc6-dev tmux util-linux docker-registry apache2-utils openssl skopeo umoci busybox-static qemu-system-x86 cpio runc podman chromium fonts-noto-cjk)  # the last two: npm run docs (mermaid-cli; Korean glyphs)

command -v dpkg-query >/dev/null 2>&1 || { echo "install-system-deps: not a Debian system, skipping"; exit 0; }
bash "$(dirname "$0")/fetch-vm-kernel.sh"  # the VM kernel of glassbox compare (only its vmlinuz)

missing=()
for package in "${PACKAGES[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$package" 2>/dev/null || true)
  [[ "$status" == "install ok installed" ]] || missing+=("$package")
done
[[ ${#missing[@]} -eq 0 ]] && exit 0

if [[ $(id -u) -ne 0 ]]; then
  echo "install-system-deps: missing Debian packages (install as root): ${missing[*]}" >&2
  exit 0
fi
echo "install-system-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
