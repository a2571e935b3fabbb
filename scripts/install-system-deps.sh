#!/usr/bin/env bash
# Installs the Debian/Ubuntu packages needed to build octokafka from source (librdkafka
# and the addon). Users of the published package need none of this: it ships prebuilt.
# Runs apt-get as root, through sudo otherwise; prints what it would install and stops
# when neither is possible.
set -euo pipefail

packages=(build-essential cmake patch python3 libssl-dev libzstd-dev zlib1g-dev ca-certificates)

if ! command -v dpkg-query >/dev/null 2>&1 || ! command -v apt-get >/dev/null 2>&1; then
  echo "install-system-deps: not a Debian/Ubuntu system. Install a C/C++ toolchain, cmake, python3 and the" >&2
  echo "static OpenSSL, zstd and zlib development libraries (libssl.a, libzstd.a, libz.a) with your package manager." >&2
  exit 1
fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-system-deps: all present (${packages[*]})"
  exit 0
fi

if [ "$(id -u)" = 0 ]; then
  as_root=()
elif command -v sudo >/dev/null 2>&1; then
  as_root=(sudo)
else
  echo "install-system-deps: missing ${missing[*]}; run as root: apt-get update && apt-get install -y ${missing[*]}" >&2
  exit 1
fi
echo "install-system-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
"${as_root[@]}" apt-get update -q >/dev/null
"${as_root[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
echo "install-system-deps: done"
