#!/usr/bin/env bash
# Obtains the pinned librdkafka source tarball, verifies it and builds a static,
# position-independent librdkafka.a (OpenSSL, SASL PLAIN/SCRAM/OAUTHBEARER without
# cyrus, zstd, zlib, bundled lz4, no curl). Everything is cached outside the repository
# so that a rebuild takes seconds and needs no network.
#
# Usage: scripts/librdkafka.sh [--print-prefix | --verify-source | --verify-npm-source | --tree-sha256 DIR]
#   Progress goes to stderr; with --print-prefix the install prefix (holding
#   include/ and lib/librdkafka.a) is the only thing written to stdout, which is how
#   binding.gyp calls it.
#   --verify-source     obtain the tarball as a build would, unpack it and check its tree
#                       checksum (no build tools needed); prints the tree checksum.
#   --verify-npm-source fetch the second copy of the release (LIBRDKAFKA_NPM_PACKAGE, through
#                       npm, integrity-checked) and check the same tree checksum; prints it.
#   --tree-sha256 DIR   print the tree checksum of an unpacked librdkafka source folder.
#
# Sources, in order: the cached tarball, $LIBRDKAFKA_TARBALL (a path or an http(s) URL), then
# the places in $LIBRDKAFKA_SOURCES (default "debian npm"):
#   debian  Debian's source archive through `apt-get source` with a private apt configuration
#           whose mirror is read from this machine's own apt sources (the tarball is cached);
#   npm     the copy of the release vendored by LIBRDKAFKA_NPM_PACKAGE (integrity-pinned, kept
#           in npm's cache). It lacks packaging/cmake, so this tree is built with librdkafka's
#           own ./configure (mklove) instead of CMake, with the equivalent options.
# Whatever the source, the unpacked tree must match LIBRDKAFKA_TREE_SHA256 before anything
# is built or patched.
# Cache folder: $OCTOKAFKA_CACHE, else $XDG_CACHE_HOME/octokafka, else ~/.cache/octokafka.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/.." && pwd)
# shellcheck source=../deps/librdkafka.pin
. "$root/deps/librdkafka.pin"

say() { echo "[librdkafka] $*" >&2; }
die() { echo "[librdkafka] error: $*" >&2; exit 1; }

cache=${OCTOKAFKA_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/octokafka}
tarball="$cache/$LIBRDKAFKA_TARBALL_NAME"
# The build flags are part of the cache key: changing them rebuilds.
cmake_flags=(
  -DCMAKE_BUILD_TYPE=Release
  -DRDKAFKA_BUILD_STATIC=ON
  -DCMAKE_POSITION_INDEPENDENT_CODE=ON
  -DRDKAFKA_BUILD_TESTS=OFF
  -DRDKAFKA_BUILD_EXAMPLES=OFF
  -DWITH_SSL=ON
  -DOPENSSL_USE_STATIC_LIBS=TRUE
  -DWITH_SASL=OFF
  -DWITH_SASL_SCRAM=ON
  -DWITH_SASL_OAUTHBEARER=ON
  -DWITH_ZSTD=ON
  -DWITH_ZLIB=ON
  -DWITH_CURL=OFF
  -DENABLE_LZ4_EXT=OFF
)
# Cross builds (scripts/cross-build.sh) pass a CMake toolchain file: its compiler, target and
# dependency root (OpenSSL, zstd, zlib built for the target) replace the machine's. It is part
# of the cache key, so each target gets its own librdkafka.
cross_toolchain=${LIBRDKAFKA_TOOLCHAIN_FILE:-}
[ -n "$cross_toolchain" ] && cmake_flags+=("-DCMAKE_TOOLCHAIN_FILE=$cross_toolchain")
# Patch files (deps/patches/*.patch) are keyed by their content.
patch_files=("$root"/deps/patches/*.patch)
# (read with bash itself: the script names a missing tool before it uses any other).
flags_key=$( (printf '%s\n' "${cmake_flags[@]}" "${LIBRDKAFKA_TARBALL_SHA256}" patch-oidc-ifdef patch-no-headers patch-next-subscription
  for f in "${patch_files[@]}"; do printf '%s\n' "$(<"$f")"; done) | sha256sum | cut -c1-12)
prefix="$cache/librdkafka-$LIBRDKAFKA_VERSION-$flags_key"
# A tree without packaging/cmake (the npm copy) is built with ./configure: its own options and
# cache entry (see configure_flags below).
configure_flags=(--enable-static --enable-ssl --enable-zstd --enable-zlib --disable-gssapi --disable-curl --disable-lz4-ext)
# CMake's Release build defines NDEBUG and, with OPENSSL_USE_STATIC_LIBS, WITH_STATIC_LIB_libcrypto
# (librdkafka then probes the usual CA bundle paths); give ./configure's build the same.
configure_cppflags="-DNDEBUG -DWITH_STATIC_LIB_libcrypto"
configure_key=$( (printf '%s\n' "${configure_flags[@]}" "$configure_cppflags" "${LIBRDKAFKA_TREE_SHA256}" patch-oidc-ifdef patch-no-headers patch-next-subscription
  for f in "${patch_files[@]}"; do printf '%s\n' "$(<"$f")"; done) | sha256sum | cut -c1-12)
configure_prefix="$cache/librdkafka-$LIBRDKAFKA_VERSION-configure-$configure_key"

print_prefix=0 mode=build
case "${1:-}" in
  --print-prefix) print_prefix=1 ;;
  --verify-source) mode=verify ;;
  --verify-npm-source) mode=verify-npm ;;
  --tree-sha256) mode=tree ;;
  "") ;;
  *) die "unknown option $1 (see the usage at the top of scripts/librdkafka.sh)" ;;
esac

# The tree checksum (see deps/librdkafka.pin): file contents and paths, not the tarball's
# packing (timestamps, order, compression), so copies packed differently compare equal.
tree_sha256() {
  (cd "$1" && find . -type f ! -path './packaging/*' ! -path './debian/*' ! -path './examples/*' \
    ! -path './.github/*' ! -path './.semaphore/*' ! -name .gitignore -print0 |
    LC_ALL=C sort -z | xargs -0 sha256sum | sha256sum | cut -d' ' -f1)
}
verify_tree() { # dir source-label -> 0 when the tree matches the pin
  local got
  got=$(tree_sha256 "$1")
  if [ "$got" != "$LIBRDKAFKA_TREE_SHA256" ]; then
    say "tree checksum mismatch for the sources from $2"
    say "  expected $LIBRDKAFKA_TREE_SHA256"
    say "  got      $got"
    return 1
  fi
  say "tree checksum ok ($2): $got"
}

if [ "$mode" = tree ]; then
  [ -d "${2:-}" ] || die "--tree-sha256 needs a folder"
  tree_sha256 "$2"; exit 0
fi
# Unpacks LIBRDKAFKA_NPM_PACKAGE's librdkafka folder into $1 (which must exist). npm pack
# checks the registry's integrity; comparing with the pin's makes a changed package (or
# registry answer) fail here rather than be trusted.
fetch_npm() {
  command -v npm >/dev/null 2>&1 || { say "npm source: 'npm' is not installed"; return 1; }
  command -v node >/dev/null 2>&1 || { say "npm source: 'node' is not installed"; return 1; }
  local npm_cache="$cache/npm-source" meta file integrity
  mkdir -p "$npm_cache"
  say "fetching $LIBRDKAFKA_NPM_PACKAGE (its $LIBRDKAFKA_NPM_FOLDER) from the npm registry"
  meta=$(cd "$npm_cache" && npm pack --json --prefer-offline "$LIBRDKAFKA_NPM_PACKAGE" 2>/dev/null) ||
    { say "npm source: npm pack $LIBRDKAFKA_NPM_PACKAGE failed"; return 1; }
  file=$(printf '%s' "$meta" | node -e 'console.log(JSON.parse(require("fs").readFileSync(0, "utf8"))[0].filename)')
  integrity=$(printf '%s' "$meta" | node -e 'console.log(JSON.parse(require("fs").readFileSync(0, "utf8"))[0].integrity)')
  [ "$integrity" = "$LIBRDKAFKA_NPM_INTEGRITY" ] ||
    { say "npm source: $LIBRDKAFKA_NPM_PACKAGE has integrity $integrity, the pin says $LIBRDKAFKA_NPM_INTEGRITY"; return 1; }
  tar -xzf "$npm_cache/$file" -C "$1" "$LIBRDKAFKA_NPM_FOLDER"
}

if [ "$mode" = verify-npm ]; then
  work=$(mktemp -d)
  trap 'rm -rf "$work"' EXIT
  fetch_npm "$work" || die "the npm source failed (above)"
  verify_tree "$work/$LIBRDKAFKA_NPM_FOLDER" "npm $LIBRDKAFKA_NPM_PACKAGE" || die "the npm copy does not match deps/librdkafka.pin"
  tree_sha256 "$work/$LIBRDKAFKA_NPM_FOLDER"
  exit 0
fi

done_build() {
  if [ "$print_prefix" = 1 ]; then echo "$prefix"; else say "ready: $prefix"; fi
  exit 0
}

built() { [ -f "$1/lib/librdkafka.a" ] && [ -f "$1/include/librdkafka/rdkafka.h" ]; }
[ "$mode" = build ] && built "$prefix" && done_build
# Built earlier from the npm copy (the CMake route's source was not reachable then).
[ "$mode" = build ] && [ -z "$cross_toolchain" ] && built "$configure_prefix" && prefix=$configure_prefix && done_build

need_tool() {
  command -v "$1" >/dev/null 2>&1 || die "'$1' is not installed. Install it with: apt-get install -y $2"
}
if [ "$mode" = build ]; then
  need_tool cmake cmake
  need_tool make make
  need_tool cc build-essential
fi
need_tool sha256sum coreutils
need_tool tar tar
if [ "$mode" = build ]; then
need_tool patch patch

# Static libraries librdkafka links against; the addon links them too.
libdir=$(cc -print-multiarch 2>/dev/null || true)
need_static() {
  local lib=$1 pkg=$2 found=""
  for d in "/usr/lib/$libdir" /usr/lib /usr/lib64 /usr/local/lib; do
    [ -f "$d/$lib" ] && found="$d/$lib" && break
  done
  [ -n "$found" ] || die "$lib is missing. Install it with: apt-get install -y $pkg"
}
if [ -z "$cross_toolchain" ]; then # a cross build brings its own (the toolchain file's root)
  need_static libssl.a libssl-dev
  need_static libcrypto.a libssl-dev
  need_static libzstd.a libzstd-dev
  need_static libz.a zlib1g-dev
fi
fi

mkdir -p "$cache"
started=$(date +%s)

verify() { # file -> 0 when size and sha256 match the pin
  local f=$1 size sum
  size=$(stat -c %s "$f")
  sum=$(sha256sum "$f" | cut -d' ' -f1)
  if [ "$size" != "$LIBRDKAFKA_TARBALL_SIZE" ] || [ "$sum" != "$LIBRDKAFKA_TARBALL_SHA256" ]; then
    say "checksum mismatch for $f"
    say "  expected size $LIBRDKAFKA_TARBALL_SIZE sha256 $LIBRDKAFKA_TARBALL_SHA256"
    say "  got      size $size sha256 $sum"
    return 1
  fi
}

# The first apt source URI of this machine (deb822 .sources files or sources.list).
apt_mirror() {
  local m=""
  if compgen -G "/etc/apt/sources.list.d/*.sources" >/dev/null; then
    m=$(awk '/^URIs:/{print $2; exit}' /etc/apt/sources.list.d/*.sources)
  fi
  if [ -z "$m" ] && [ -f /etc/apt/sources.list ]; then
    m=$(awk '$1=="deb"||$1=="deb-src"{for(i=2;i<=NF;i++) if ($i ~ /^[a-z]+:\/\//) {print $i; exit}}' /etc/apt/sources.list)
  fi
  echo "$m"
}

fetch_debian() {
  command -v apt-get >/dev/null 2>&1 || { say "Debian source: apt-get is not installed"; return 1; }
  local mirror work
  mirror=$(apt_mirror)
  [ -n "$mirror" ] || { say "Debian source: no apt mirror found in /etc/apt/sources.list(.d)"; return 1; }
  work=$(mktemp -d)
  mkdir -p "$work/lists/partial" "$work/cache/archives/partial"
  echo "deb-src [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $mirror $LIBRDKAFKA_DEBIAN_SUITE main" >"$work/sources.list"
  local opts=(-o "Dir::Etc::sourcelist=$work/sources.list" -o Dir::Etc::sourceparts=-
    -o "Dir::State::Lists=$work/lists" -o "Dir::Cache=$work/cache" -o Debug::NoLocking=1
    -o "APT::Sandbox::User=$(id -un)")
  say "fetching $LIBRDKAFKA_DEBIAN_SOURCE=$LIBRDKAFKA_DEBIAN_VERSION from Debian's source archive ($LIBRDKAFKA_DEBIAN_SUITE)"
  (cd "$work" && apt-get -q "${opts[@]}" update >&2 &&
    apt-get -q "${opts[@]}" source --download-only "$LIBRDKAFKA_DEBIAN_SOURCE=$LIBRDKAFKA_DEBIAN_VERSION" >&2) ||
    { rm -rf "$work"; say "Debian source: apt-get source failed"; return 1; }
  [ -f "$work/$LIBRDKAFKA_TARBALL_NAME" ] || { rm -rf "$work"; say "Debian source: apt-get source did not produce $LIBRDKAFKA_TARBALL_NAME"; return 1; }
  mv "$work/$LIBRDKAFKA_TARBALL_NAME" "$tarball.part"
  rm -rf "$work"
}

if [ -f "$tarball" ] && ! verify "$tarball"; then
  say "removing the bad cached tarball"; rm -f "$tarball"
fi
if [ ! -f "$tarball" ]; then
  if [ -n "${LIBRDKAFKA_TARBALL:-}" ]; then
    case "$LIBRDKAFKA_TARBALL" in
      http://*|https://*)
        need_tool curl curl
        say "downloading $LIBRDKAFKA_TARBALL"
        curl -fsSL "$LIBRDKAFKA_TARBALL" -o "$tarball.part" || die "download of $LIBRDKAFKA_TARBALL failed"
        tarball_source=$LIBRDKAFKA_TARBALL ;;
      *)
        [ -f "$LIBRDKAFKA_TARBALL" ] || die "LIBRDKAFKA_TARBALL=$LIBRDKAFKA_TARBALL: no such file"
        cp "$LIBRDKAFKA_TARBALL" "$tarball.part"
        tarball_source=$LIBRDKAFKA_TARBALL ;;
    esac
  else
    for source in ${LIBRDKAFKA_SOURCES:-debian npm}; do
      case "$source" in
        debian)
          if fetch_debian; then
            if verify "$tarball.part"; then
              tarball_source="Debian $LIBRDKAFKA_DEBIAN_SOURCE=$LIBRDKAFKA_DEBIAN_VERSION"; break
            fi
            rm -f "$tarball.part"; say "Debian source: the tarball does not match deps/librdkafka.pin"
          fi ;;
        npm) tree_source="npm $LIBRDKAFKA_NPM_PACKAGE"; break ;; # fetched below, into the build folder
        *) die "LIBRDKAFKA_SOURCES: unknown source '$source' (debian, npm)" ;;
      esac
    done
    [ -n "${tarball_source:-}${tree_source:-}" ] ||
      die "no source of librdkafka $LIBRDKAFKA_VERSION worked (${LIBRDKAFKA_SOURCES:-debian npm}; messages above); set LIBRDKAFKA_TARBALL to a path or URL of $LIBRDKAFKA_TARBALL_NAME"
  fi
  if [ -n "${tarball_source:-}" ]; then
    verify "$tarball.part" || { rm -f "$tarball.part"; die "the tarball does not match deps/librdkafka.pin; refusing to build it"; }
    mv "$tarball.part" "$tarball"
  fi
fi

src=$(mktemp -d "$cache/build.XXXXXX")
trap 'rm -rf "$src"' EXIT
if [ -n "${tree_source:-}" ] && [ -n "$cross_toolchain" ] && [ "$mode" = build ]; then
  die "cross builds use CMake, which the npm copy cannot give; set LIBRDKAFKA_TARBALL to $LIBRDKAFKA_TARBALL_NAME"
fi
if [ -n "${tree_source:-}" ]; then
  fetch_npm "$src" || die "no source of librdkafka $LIBRDKAFKA_VERSION worked (messages above); set LIBRDKAFKA_TARBALL to a path or URL of $LIBRDKAFKA_TARBALL_NAME"
  top="$src/$LIBRDKAFKA_NPM_FOLDER"
else
  say "unpacking"
  tar -xzf "$tarball" -C "$src"
  top="$src/$LIBRDKAFKA_TOP_FOLDER"
  [ -d "$top" ] || die "unexpected tarball layout: $LIBRDKAFKA_TOP_FOLDER/ not found"
fi
# Before any patch: the pristine release tree, whichever source the tarball came from.
verify_tree "$top" "${tree_source:-${tarball_source:-the cache}}" || die "the unpacked sources do not match deps/librdkafka.pin; refusing to build them"
if [ "$mode" = verify ]; then tree_sha256 "$top"; exit 0; fi
# Upstream bug in 2.14.2: config.h defines WITH_OAUTHBEARER_OIDC as 0 or 1
# (#cmakedefine01), but rdkafka_conf.c tests it with #ifdef and so always includes
# <curl/curl.h>, even with WITH_CURL=OFF. Test its value, as the rest of the code does.
sed -i 's/^#ifdef WITH_OAUTHBEARER_OIDC$/#if WITH_OAUTHBEARER_OIDC/' "$top/src/rdkafka_conf.c"
# Speed: a consumed record without headers still carries its header count, one varint byte
# 0x00, and rd_kafka_message_headers() allocates and frees a parse buffer per message just to
# read that zero (about a sixth of the consume path's CPU). Answer "no headers" from the byte
# itself; the result is the same (the parser returns _NOENT for a count of 0).
grep -qxF '        if (unlikely(!RD_KAFKAP_BYTES_LEN(&rkm->rkm_u.consumer.binhdrs)))' "$top/src/rdkafka_msg.c" ||
  die "patch-no-headers: rd_kafka_message_headers() in src/rdkafka_msg.c is not as expected"
sed -i 's/^\( *\)if (unlikely(!RD_KAFKAP_BYTES_LEN(&rkm->rkm_u\.consumer\.binhdrs)))$/\1if (unlikely(!RD_KAFKAP_BYTES_LEN(\&rkm->rkm_u.consumer.binhdrs) || *(const unsigned char *)rkm->rkm_u.consumer.binhdrs.data == 0))/' "$top/src/rdkafka_msg.c"
grep -qF 'binhdrs.data == 0))' "$top/src/rdkafka_msg.c" || die "patch-no-headers did not apply"
# Leak (found by the lifecycle fuzz under LeakSanitizer): a subscription postponed while the
# group rebalances or leaves (rkcg_next_subscription) and still pending when the consumer is
# destroyed is never freed; rd_kafka_cgrp_destroy_final frees the other lists it holds.
[ "$(grep -cx '        rd_kafka_cgrp_set_member_id(rkcg, NULL);' "$top/src/rdkafka_cgrp.c")" = 1 ] ||
  die "patch-next-subscription: rd_kafka_cgrp_destroy_final() in src/rdkafka_cgrp.c is not as expected"
sed -i 's/^        rd_kafka_cgrp_set_member_id(rkcg, NULL);$/&\n        RD_IF_FREE(rkcg->rkcg_next_subscription, rd_kafka_topic_partition_list_destroy);/' "$top/src/rdkafka_cgrp.c"
grep -qF 'RD_IF_FREE(rkcg->rkcg_next_subscription,' "$top/src/rdkafka_cgrp.c" || die "patch-next-subscription did not apply"
# Larger changes are patch files of ours, applied in name order:
# - mock-partition-max-bytes: the mock cluster keeps only the last 5 MiB of a partition
#   and silently drops older message sets. rd_kafka_mock_partition_max_bytes() sets that
#   limit for topics created afterwards (MockCluster's partitionMaxBytes option).
# - kip848-unsupported-error: a consumer with group.protocol=consumer on a broker without
#   ConsumerGroupHeartbeat v1 (Kafka 3.x) only retried, logging at debug level; it now gets
#   one _UNSUPPORTED_FEATURE consumer error (test/client/real-rebalance.test.ts, on Kafka 3.9).
# - idempotent-epoch-no-resend: when the idempotent producer's epoch is bumped (after message
#   timeouts) or its PID changes, messages already sent under the old epoch that may have been
#   persisted are failed (_MSG_TIMED_OUT, status POSSIBLY_PERSISTED) instead of being sent
#   again under the new epoch, where the broker cannot de-duplicate them (librdkafka #4953;
#   test/faults-cluster/two-down.test.ts).
# - coord-req-timeout: requests sent to a group or transaction coordinator (TxnOffsetCommit,
#   group admin requests) waited forever for a cached coordinator that stayed down: their
#   timeout was never enforced and they were retried only on a broker going to or from UP.
#   They are now re-run every second: timed out, or sent to a newly found coordinator
#   (test/client/txn-coordinator-down.test.ts; the exactly-once worker's stall after a node kill).
#   A request whose requester is gone (an admin request that timed out) gets no reply: its
#   callback would use the requester's freed data.
for p in "${patch_files[@]}"; do
  patch -d "$top" -p1 --forward --silent <"$p" || die "$(basename "$p") did not apply"
done
jobs=${JOBS:-$(nproc 2>/dev/null || echo 2)}
if [ -f "$top/packaging/cmake/config.h.in" ]; then
  say "configuring (cmake)"
  cmake -S "$top" -B "$top/build" "${cmake_flags[@]}" >"$src/cmake.log" 2>&1 ||
    { tail -30 "$src/cmake.log" >&2; die "cmake configure failed (log above)"; }
  say "building with $jobs jobs"
  cmake --build "$top/build" --target rdkafka -j "$jobs" >"$src/build.log" 2>&1 ||
    { tail -30 "$src/build.log" >&2; die "build failed (log above)"; }
  library="$top/build/src/librdkafka.a"
else
  # No CMake files in this copy: librdkafka's own configure script (no downloads: no --install-deps).
  prefix=$configure_prefix
  say "configuring (./configure: this copy has no packaging/cmake)"
  (cd "$top" && CPPFLAGS="$configure_cppflags" ./configure "${configure_flags[@]}") >"$src/configure.log" 2>&1 ||
    { tail -30 "$src/configure.log" >&2; die "./configure failed (log above)"; }
  say "building with $jobs jobs"
  make -C "$top/src" -j "$jobs" librdkafka.a >"$src/build.log" 2>&1 ||
    { tail -30 "$src/build.log" >&2; die "build failed (log above)"; }
  library="$top/src/librdkafka.a"
fi

# Only the rdkafka target is built, so `make install` would fail: copy by hand.
stage="$prefix.tmp.$$"
mkdir -p "$stage/include/librdkafka" "$stage/lib" "$stage/share"
cp "$top/src/rdkafka.h" "$top/src/rdkafka_mock.h" "$stage/include/librdkafka/"
cp "$library" "$stage/lib/"
cp "$top/CONFIGURATION.md" "$top/LICENSE" "$stage/share/"
rm -rf "$prefix" && mv "$stage" "$prefix"
say "built $(du -h "$prefix/lib/librdkafka.a" | cut -f1) librdkafka.a in $(( $(date +%s) - started )) s (fetch, unpack, configure, build)"
done_build
