#!/usr/bin/env bash
# Cross-builds the addon for one Linux target with Zig (from PyPI), against OpenSSL, zstd and
# zlib built here from the pinned sources in deps/cross.pin and librdkafka built by
# scripts/librdkafka.sh with the same toolchain: nothing of the build machine's own libraries
# is linked in. The result needs only libc (glibc >= 2.28, or musl) at run time.
#
# Usage: scripts/cross-build.sh TARGET [OUT]
#   TARGET  linux-x64-glibc | linux-x64-musl | linux-arm64-glibc | linux-arm64-musl
#   OUT     where to copy the stripped binary (default: print its cached path only)
# Progress goes to stderr; stdout gets the path of the built binary.
# Everything is cached per target under $OCTOKAFKA_CACHE/cross/TARGET (default
# ~/.cache/octokafka), keyed by the pins and the native sources, so a rerun takes seconds.
# Needs: python3 with pip (Zig), cargo (crate sources), cmake, make, perl (OpenSSL's Configure).
set -euo pipefail
# The whole script is one compound command, read before it runs: editing the file while a
# long build runs cannot change what that build executes.
{
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=../deps/cross.pin
. "$root/deps/cross.pin"
target=${1:?usage: scripts/cross-build.sh TARGET [OUT]}
out=${2:-}
say() { echo "[cross $target] $*" >&2; }
die() { echo "[cross $target] error: $*" >&2; exit 1; }

case "$target" in
  linux-x64-glibc) zig_target=x86_64-linux-gnu.2.28 ossl=linux-x86_64 cpu=x86_64 ;;
  linux-x64-musl) zig_target=x86_64-linux-musl ossl=linux-x86_64 cpu=x86_64 ;;
  linux-arm64-glibc) zig_target=aarch64-linux-gnu.2.28 ossl=linux-aarch64 cpu=aarch64 ;;
  linux-arm64-musl) zig_target=aarch64-linux-musl ossl=linux-aarch64 cpu=aarch64 ;;
  *) die "unknown target (linux-x64-glibc, linux-x64-musl, linux-arm64-glibc, linux-arm64-musl)" ;;
esac
# rustup's default place for cargo, when the shell's PATH does not have it (CI's may not).
command -v cargo >/dev/null 2>&1 || [ ! -x "$HOME/.cargo/bin/cargo" ] || PATH="$PATH:$HOME/.cargo/bin"
for t in python3 cargo cmake make perl tar sha256sum; do
  command -v "$t" >/dev/null 2>&1 || die "'$t' is not installed"
done

cache=${OCTOKAFKA_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/octokafka}
jobs=${JOBS:-$(nproc 2>/dev/null || echo 2)}
tdir="$cache/cross/$target"
mkdir -p "$tdir/bin"
started=$(date +%s)
elapsed() { echo "$(( $(date +%s) - started )) s"; }

# --- Zig, from PyPI's ziglang wheel (the wheel is Zig's release, unchanged).
zig_home="$cache/zig/$ZIG_VERSION"
zig="$zig_home/ziglang/zig"
if [ ! -x "$zig" ]; then
  say "installing Zig $ZIG_VERSION (pip ziglang==$ZIG_VERSION)"
  python3 -m pip install -q --disable-pip-version-check --target "$zig_home.tmp.$$" "ziglang==$ZIG_VERSION" >&2
  rm -rf "$zig_home" && mv "$zig_home.tmp.$$" "$zig_home"
fi
[ "$("$zig" version)" = "$ZIG_VERSION" ] || die "$zig is not Zig $ZIG_VERSION"
export ZIG_GLOBAL_CACHE_DIR="$cache/zig/cache" ZIG_LOCAL_CACHE_DIR="$cache/zig/cache"

# Compiler wrappers: build systems take one program name, not "zig cc -target ...".
# -fno-sanitize=undefined: zig cc turns UBSan traps on when a build gives no -O flag.
wrap_tool() { local name=$1; shift; printf '#!/bin/sh\nexec %s "$@"\n' "$*" >"$tdir/bin/$name"; chmod +x "$tdir/bin/$name"; }
wrap_tool cc "$zig" cc -target "$zig_target" -fno-sanitize=undefined
wrap_tool c++ "$zig" c++ -target "$zig_target" -fno-sanitize=undefined
wrap_tool ar "$zig" ar
wrap_tool ranlib "$zig" ranlib
CC="$tdir/bin/cc" CXX="$tdir/bin/c++" AR="$tdir/bin/ar" RANLIB="$tdir/bin/ranlib"

# --- Pinned crate sources, through cargo (which checks crates.io's checksum) and checked again
# against the pin before use. Prints the unpacked folder of the crate.
crate_dir() { # "name version sha256 folder release"
  local name version sum folder file got
  read -r name version sum folder _ <<<"$1"
  local dir="$cache/cross/sources/$name-$version"
  if [ ! -d "$dir/$folder" ]; then
    local fetch="$cache/cross/sources/fetch"
    mkdir -p "$fetch/src" && : >"$fetch/src/lib.rs"
    printf '[package]\nname = "octokafka-cross-sources"\nversion = "0.0.0"\nedition = "2021"\n[dependencies]\n%s = "=%s"\n' \
      "$name" "$version" >"$fetch/Cargo.toml"
    rm -f "$fetch/Cargo.lock"
    say "fetching crate $name $version (cargo fetch)"
    (cd "$fetch" && cargo fetch -q >&2) || die "cargo fetch $name $version failed"
    file=$(find "${CARGO_HOME:-$HOME/.cargo}/registry/cache" -name "$name-$version.crate" | head -1)
    [ -n "$file" ] || die "cargo fetched $name $version but its .crate is not in cargo's cache"
    got=$(sha256sum "$file" | cut -d' ' -f1)
    [ "$got" = "$sum" ] || die "$name-$version.crate has sha256 $got, deps/cross.pin says $sum"
    rm -rf "$dir.tmp" && mkdir -p "$dir.tmp"
    tar -xzf "$file" -C "$dir.tmp" --strip-components=1
    rm -rf "$dir" && mv "$dir.tmp" "$dir"
  fi
  echo "$dir/$folder"
}

# --- OpenSSL, zstd, zlib for the target, into one prefix keyed by the pins and the Zig version.
deps_key=$(printf '%s\n' "$ZIG_VERSION" "$zig_target" "$OPENSSL_CRATE" "$ZSTD_CRATE" "$ZLIB_CRATE" deps-v1 | sha256sum | cut -c1-12)
deps="$tdir/deps-$deps_key"
if [ ! -f "$deps/.done" ]; then
  rm -rf "$deps" "$tdir/work" && mkdir -p "$deps/lib" "$deps/include" "$tdir/work"
  log="$tdir/work/build.log"
  fail() { tail -40 "$log" >&2; die "$1 failed (full log: $log)"; }

  src=$(crate_dir "$ZLIB_CRATE")
  say "building zlib"
  # The crate carries zlib's C files without its configure script; the library is those files
  # (the defines are what configure finds on any Linux).
  mkdir -p "$tdir/work/zlib"
  for c in "$src"/*.c; do
    "$CC" -O2 -fPIC -DHAVE_UNISTD_H -DHAVE_STDARG_H -DHAVE_HIDDEN -D_LARGEFILE64_SOURCE=1 \
      -c "$c" -o "$tdir/work/zlib/$(basename "$c" .c).o" >>"$log" 2>&1 || fail "zlib ($(basename "$c"))"
  done
  "$AR" rcs "$deps/lib/libz.a" "$tdir/work/zlib"/*.o
  cp "$src/zlib.h" "$src/zconf.h" "$deps/include/"

  src=$(crate_dir "$ZSTD_CRATE")
  say "building zstd ($(elapsed))"
  # Also without its Makefile: the library's C files (and, on x86_64, the Huffman decoder's
  # assembly), as lib/Makefile builds them; no legacy formats, no dictionary builder.
  mkdir -p "$tdir/work/zstd"
  for c in "$src"/lib/{common,compress,decompress}/*.[cS]; do
    case "$c" in *_amd64.S) [ "$cpu" = x86_64 ] || continue ;; esac
    o="$tdir/work/zstd/$(basename "$(dirname "$c")")_$(basename "$c").o"
    "$CC" -O2 -fPIC -DZSTD_LEGACY_SUPPORT=0 -I"$src/lib" -I"$src/lib/common" -c "$c" -o "$o" >>"$log" 2>&1 ||
      fail "zstd ($(basename "$c"))"
  done
  "$AR" rcs "$deps/lib/libzstd.a" "$tdir/work/zstd"/*.o
  cp "$src/lib/"{zstd.h,zstd_errors.h,zdict.h} "$deps/include/"

  src=$(crate_dir "$OPENSSL_CRATE")
  say "building OpenSSL ($(elapsed)); the longest step"
  cp -a "$src" "$tdir/work/openssl"
  # Static, position-independent libraries only (no-module: the providers are built in; the
  # crate leaves out what loadable modules need). OPENSSLDIR /etc/ssl: where most distributions
  # keep certificates (librdkafka also probes the usual CA bundle paths itself).
  (cd "$tdir/work/openssl" &&
    ./Configure "$ossl" no-shared no-module no-tests no-docs no-comp -fPIC --prefix="$deps" --libdir=lib --openssldir=/etc/ssl \
      CC="$CC" CXX="$CXX" AR="$AR" RANLIB="$RANLIB" &&
    make -j"$jobs" build_libs && make install_dev) >>"$log" 2>&1 || fail OpenSSL
  rm -rf "$tdir/work" && touch "$deps/.done"
  say "dependencies built ($(elapsed))"
fi

# --- librdkafka, by the same script as the native build, with a toolchain file.
toolchain="$deps/toolchain.cmake"
cat >"$toolchain" <<EOF
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR $cpu)
set(CMAKE_C_COMPILER "$CC")
set(CMAKE_CXX_COMPILER "$CXX")
set(CMAKE_AR "$AR" CACHE FILEPATH "")
set(CMAKE_RANLIB "$RANLIB" CACHE FILEPATH "")
# Libraries and headers only from the target's own prefix, never the build machine's.
set(CMAKE_FIND_ROOT_PATH "$deps")
set(OPENSSL_ROOT_DIR "$deps")
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)
EOF
say "librdkafka ($(elapsed))"
# (pkg-config limited to the target's prefix too: the machine's .pc files describe its own libraries.)
rdkafka=$(PKG_CONFIG_LIBDIR="$deps/lib/pkgconfig" PKG_CONFIG_PATH="" LIBRDKAFKA_TOOLCHAIN_FILE="$toolchain" JOBS="$jobs" bash "$root/scripts/librdkafka.sh" --print-prefix) ||
  die "librdkafka failed (above)"

# --- The addon: the binding.gyp sources and flags, compiled directly (no node-gyp: Node-API
# needs only the headers, from the node-api-headers and node-addon-api npm packages).
napi_inc=$(cd "$root" && node -p "require('node-api-headers').include_dir")
addon_inc=$(cd "$root" && node -p "require('node-addon-api').include_dir")
mapfile -t sources < <(cd "$root" && node -e '
  const g = JSON.parse(require("fs").readFileSync("binding.gyp", "utf8").replace(/^\s*#.*$/gm, "").replace(/,(\s*[\]}])/g, "$1"));
  console.log(g.targets[0].sources.join("\n"))')
cxxflags=(-std=c++17 -O2 -fPIC -fexceptions -fvisibility=hidden -fvisibility-inlines-hidden -Wall -Wextra -Wno-unused-parameter
  -DNAPI_VERSION=8 -DNODE_ADDON_API_DISABLE_DEPRECATED -DNODE_API_SWALLOW_UNTHROWABLE_EXCEPTIONS -DNDEBUG
  -isystem "$rdkafka/include" -isystem "$napi_inc" -isystem "$addon_inc")
# Everything but the two Node-API entry points stays local (native/exports.map); the C++
# runtime (Zig's libc++) is linked statically; -z nodelete as binding.gyp explains.
# (Zig's linker has no --exclude-libs; the version script's "local: *" already hides every
# symbol of the static libraries.)
ldflags=(-shared -Wl,--version-script="$root/native/exports.map" -Wl,-z,nodelete -Wl,--as-needed -s)
libs=("$rdkafka/lib/librdkafka.a" "$deps/lib/libssl.a" "$deps/lib/libcrypto.a" "$deps/lib/libzstd.a" "$deps/lib/libz.a" -lpthread -lm -ldl)
# Objects are keyed by what compiles them, the binary also by what links it.
objs_key=$( (printf '%s\n' "$ZIG_VERSION" "$zig_target" "$rdkafka" "${cxxflags[@]}"
  cd "$root" && cat binding.gyp native/* "$napi_inc"/*.h "$addon_inc"/*.h) | sha256sum | cut -c1-12)
addon_key=$( (printf '%s\n' "$objs_key" "$deps_key" "${ldflags[@]}" "${libs[@]}") | sha256sum | cut -c1-12)
binary="$tdir/addon-$addon_key/octokafka.node"
if [ ! -f "$binary" ]; then
  objs="$tdir/objs-$objs_key"
  mkdir -p "$objs" # (objects of an interrupted run are kept: each is renamed into place when complete)
  say "compiling the addon (${#sources[@]} files, $jobs jobs; $(elapsed))"
  for s in "${sources[@]}"; do
    [ -f "$objs/$(basename "$s" .cc).o" ] && continue
    o="$objs/$(basename "$s" .cc).o"
    { "$CXX" "${cxxflags[@]}" -c "$root/$s" -o "$o.tmp" && mv "$o.tmp" "$o"; } &
    while [ "$(jobs -rp | wc -l)" -ge "$jobs" ]; do wait -n || true; done
  done
  wait || true
  for s in "${sources[@]}"; do [ -f "$objs/$(basename "$s" .cc).o" ] || die "compiling $s failed (above)"; done
  "$CXX" "${ldflags[@]}" -o "$objs/octokafka.node" "$objs"/*.o "${libs[@]}" || die "linking failed"
  mkdir -p "$(dirname "$binary")" && mv "$objs/octokafka.node" "$binary"
fi
say "built $binary ($(du -h "$binary" | cut -f1)) in $(elapsed)"
if [ -n "$out" ]; then
  mkdir -p "$(dirname "$out")" && cp "$binary" "$out"
fi
echo "$binary"
exit 0
}
