#!/usr/bin/env bash
# Runs tests against an AddressSanitizer build of the addon (and of librdkafka), built in a
# separate folder so that build/Release and prebuilds/ stay as they are.
#
#   bash scripts/asan.sh                                  # the lifecycle fuzz under ASan
#   bash scripts/asan.sh test/lifecycle.test.ts test/workers.test.ts
#   ASAN_LEAKS=1 bash scripts/asan.sh                     # LeakSanitizer over the lifecycle fuzz script
#                                                         # (leaks sorted by scripts/asan-leaks.mjs)
#   FUZZ_STEPS=3000 bash scripts/asan.sh                  # more lifecycle-fuzz steps
#
# How: binding.gyp is copied without the static C++ runtime and the version script (ASan's
# runtime must be shared and its interceptors visible), built with -fsanitize=address into
# $ASAN_DIR (default .asan/), and loaded by node-gyp-build through OCTOKAFKA_PREBUILD.
# libasan is preloaded into node, which is not instrumented itself. librdkafka is built with
# ASan too, in a cache of its own under $ASAN_DIR (ASAN_LIBRDKAFKA=0: use the normal one).
# Any ASan report aborts the process with its stack on stderr, which fails the test run.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
out=${ASAN_DIR:-$root/.asan}
libasan=$(gcc -print-file-name=libasan.so)
[ -f "$libasan" ] || { echo "asan.sh: libasan.so not found (apt-get install gcc)" >&2; exit 1; }
mkdir -p "$out"

asan_flags="-fsanitize=address -fno-omit-frame-pointer -g"
if [ "${ASAN_LIBRDKAFKA:-1}" = 1 ]; then
  # A separate cache: the flags are not part of librdkafka.sh's cache key.
  export OCTOKAFKA_CACHE="$out/cache"
  mkdir -p "$OCTOKAFKA_CACHE"
  . "$root/deps/librdkafka.pin"
  normal_cache=${XDG_CACHE_HOME:-$HOME/.cache}/octokafka
  if [ ! -f "$OCTOKAFKA_CACHE/$LIBRDKAFKA_TARBALL_NAME" ] && [ -f "$normal_cache/$LIBRDKAFKA_TARBALL_NAME" ]; then
    export LIBRDKAFKA_TARBALL="$normal_cache/$LIBRDKAFKA_TARBALL_NAME"
  fi
  CFLAGS="$asan_flags" LDFLAGS="-fsanitize=address" bash "$root/scripts/librdkafka.sh" >&2
fi

# The addon's sources, seen from the copy of binding.gyp.
for entry in native scripts deps node_modules; do ln -sfn "$root/$entry" "$out/$entry"; done
grep -v -e '-static-libstdc++' -e '-static-libgcc' -e 'version-script' "$root/binding.gyp" >"$out/binding.gyp"
if [ ! -f "$out/build/Release/octokafka.node" ] || [ -n "$(find "$root/native" "$root/binding.gyp" -newer "$out/build/Release/octokafka.node" -print -quit)" ]; then
  echo "asan.sh: building the ASan addon in $out" >&2
  # Through npm, which passes the npm configuration (e.g. nodedir) on to node-gyp.
  (cd "$out" && CXXFLAGS="$asan_flags" LDFLAGS="-fsanitize=address" npx --no-install node-gyp rebuild >&2)
fi

[ -f "$root/dist/cjs/index.js" ] || (cd "$root" && npm run build:ts >&2)

leaks_dir="$out/leaks"
if [ "${ASAN_LEAKS:-0}" = 1 ]; then
  # Reports go to files, one per process, and are sorted afterwards (scripts/asan-leaks.mjs):
  # node itself leaks at exit, so the leak check must not fail the processes.
  rm -rf "$leaks_dir" && mkdir -p "$leaks_dir"
  export ASAN_OPTIONS="detect_leaks=1:log_path=$leaks_dir/log:${ASAN_OPTIONS:-}"
  export LSAN_OPTIONS="exitcode=0:${LSAN_OPTIONS:-}"
else
  export ASAN_OPTIONS="detect_leaks=0:${ASAN_OPTIONS:-}"
fi
export OCTOKAFKA_PREBUILD="$out"

# The addon node-gyp-build will load must be the ASan one.
loaded=$(LD_PRELOAD="$libasan" node -e "console.log(require('$root/node_modules/node-gyp-build').path('$root'))")
case "$loaded" in
  "$out"/*) echo "asan.sh: addon $loaded" >&2 ;;
  *) echo "asan.sh: node-gyp-build would load $loaded, not the ASan build" >&2; exit 1 ;;
esac

cd "$root"
status=0
if [ "${ASAN_LEAKS:-0}" = 1 ]; then
  # LeakSanitizer checks at exit, which vitest's worker processes never reach (they are
  # killed): the leak run is the lifecycle fuzz script, one process that exits by itself.
  LD_PRELOAD="$libasan" node scripts/fuzz-lifecycle.mjs --steps "${FUZZ_STEPS:-1000}" --workers 2 ${FUZZ_SEED:+--seed "$FUZZ_SEED"} "$@" || status=$?
  node scripts/asan-leaks.mjs "$leaks_dir" || status=1
else
  [ $# -gt 0 ] || set -- test/lifecycle-fuzz.test.ts
  LD_PRELOAD="$libasan" node node_modules/vitest/vitest.mjs run "$@" || status=$?
fi
exit $status
