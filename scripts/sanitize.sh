#!/usr/bin/env bash
# Runs tests against a sanitizer build of the addon (and of librdkafka), built in a separate
# folder so that build/Release and prebuilds/ stay as they are.
#
#   bash scripts/sanitize.sh                                # the lifecycle fuzz under ASan
#   bash scripts/sanitize.sh test/native/lifecycle.test.ts test/app/workers.test.ts
#   SANITIZER=thread bash scripts/sanitize.sh test/x.test.ts  # ThreadSanitizer instead
#   ASAN_LEAKS=1 bash scripts/sanitize.sh                   # LeakSanitizer over the lifecycle fuzz script
#                                                           # (leaks sorted by scripts/asan-leaks.mjs)
#   FUZZ_STEPS=3000 bash scripts/sanitize.sh                # more lifecycle-fuzz steps
#
# How: binding.gyp is copied without the static C++ runtime and the version script (the
# sanitizer's runtime must be shared and its interceptors visible), built with
# -fsanitize=address (or thread) into $SANITIZE_DIR (default .asan/ or .tsan/), and loaded by
# node-gyp-build through OCTOKAFKA_PREBUILD. The runtime is preloaded into node, which is not
# instrumented itself. librdkafka is built with the same sanitizer, in a cache of its own
# (ASAN_LIBRDKAFKA=0: use the normal one under ASan): under TSan its atomics (reference
# counts handing buffers between its threads and the addon's) must be seen, or every buffer
# it frees looks racy. Any report fails the run: ASan aborts the process; TSan exits with
# code 66 (halt_on_error) and its report on stderr.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
sanitizer=${SANITIZER:-address}
case "$sanitizer" in
  address) short=asan ;;
  thread) short=tsan ;;
  *) echo "sanitize.sh: SANITIZER must be address or thread, not '$sanitizer'" >&2; exit 2 ;;
esac
out=${SANITIZE_DIR:-${ASAN_DIR:-$root/.$short}}
runtime=$(gcc -print-file-name=lib$short.so)
[ -f "$runtime" ] || { echo "sanitize.sh: lib$short.so not found (apt-get install gcc)" >&2; exit 1; }
mkdir -p "$out"

asan_flags="-fsanitize=$sanitizer -fno-omit-frame-pointer -g"
rdkafka_flags=$asan_flags
if [ "$sanitizer" = thread ]; then
  # gcc 12's TSan runtime crashes when a thread first touches thread-local storage of a
  # dlopen()ed library (its __tls_get_addr interceptor allocates before the thread is set
  # up). With the initial-exec model neither librdkafka's nor the addon's thread-locals go
  # through __tls_get_addr; they fit in glibc's static TLS reserve for dlopen.
  # And glibc's C11 threads (which librdkafka prefers) start threads TSan does not see
  # created: hiding <threads.h> makes librdkafka use its own pthread-based threads.
  asan_flags="$asan_flags -ftls-model=initial-exec"
  rdkafka_flags="$asan_flags -D_THREADS_H"
fi
if { [ "$sanitizer" = address ] && [ "${ASAN_LIBRDKAFKA:-1}" = 1 ]; } || [ "$sanitizer" = thread ]; then
  # A separate cache: the flags are not part of librdkafka.sh's cache key.
  export OCTOKAFKA_CACHE="$out/cache"
  mkdir -p "$OCTOKAFKA_CACHE"
  . "$root/deps/librdkafka.pin"
  normal_cache=${XDG_CACHE_HOME:-$HOME/.cache}/octokafka
  if [ ! -f "$OCTOKAFKA_CACHE/$LIBRDKAFKA_TARBALL_NAME" ] && [ -f "$normal_cache/$LIBRDKAFKA_TARBALL_NAME" ]; then
    export LIBRDKAFKA_TARBALL="$normal_cache/$LIBRDKAFKA_TARBALL_NAME"
  fi
  if [ "$sanitizer" = address ]; then
    CFLAGS="$rdkafka_flags" LDFLAGS="-fsanitize=address" bash "$root/scripts/librdkafka.sh" >&2
  else
    CFLAGS="$rdkafka_flags" LDFLAGS="-fsanitize=thread" bash "$root/scripts/librdkafka.sh" >&2
  fi
fi

# The addon's sources, seen from the copy of binding.gyp.
for entry in native scripts deps node_modules; do ln -sfn "$root/$entry" "$out/$entry"; done
grep -v -e '-static-libstdc++' -e '-static-libgcc' -e 'version-script' "$root/binding.gyp" >"$out/binding.gyp"
if [ ! -f "$out/build/Release/octokafka.node" ] || [ -n "$(find "$root/native" "$root/binding.gyp" -newer "$out/build/Release/octokafka.node" -print -quit)" ]; then
  echo "sanitize.sh: building the $sanitizer-sanitized addon in $out" >&2
  # Through npm, which passes the npm configuration (e.g. nodedir) on to node-gyp.
  (cd "$out" && CXXFLAGS="$asan_flags" LDFLAGS="-fsanitize=$sanitizer" npx --no-install node-gyp rebuild >&2)
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
# Reports only about the addon's own code: node, V8 and libuv are not instrumented, so a
# race TSan "sees" through them is noise (scripts/tsan.supp says which).
# The node binary's own frames are matched by its path, written next to the fixed list.
{ cat "$root/scripts/tsan.supp"; echo "race:$(readlink -f "$(command -v node)")"; } >"$out/tsan.supp"
export TSAN_OPTIONS="halt_on_error=1:exitcode=66:report_signal_unsafe=0:ignore_noninstrumented_modules=1:suppressions=$out/tsan.supp:${TSAN_OPTIONS:-}"
export OCTOKAFKA_PREBUILD="$out"
# TSan needs the address layout it expects: without randomisation (newer kernels randomise
# more bits than gcc 12's TSan handles).
norandom=()
if [ "$sanitizer" = thread ]; then
  command -v setarch >/dev/null && norandom=(setarch "$(uname -m)" -R)
  # The initial-exec thread-locals need more of glibc's static TLS reserve than it keeps
  # (512 bytes) for libraries loaded later.
  export GLIBC_TUNABLES=glibc.rtld.optional_static_tls=16384
fi

# The addon node-gyp-build will load must be the sanitized one.
loaded=$(LD_PRELOAD="$runtime" "${norandom[@]}" node -e "console.log(require('$root/node_modules/node-gyp-build').path('$root'))")
case "$loaded" in
  "$out"/*) echo "sanitize.sh: addon $loaded" >&2 ;;
  *) echo "sanitize.sh: node-gyp-build would load $loaded, not the $sanitizer build" >&2; exit 1 ;;
esac

cd "$root"
status=0
if [ "${ASAN_LEAKS:-0}" = 1 ]; then
  # LeakSanitizer checks at exit, which vitest's worker processes never reach (they are
  # killed): the leak run is the lifecycle fuzz script, one process that exits by itself.
  LD_PRELOAD="$runtime" node scripts/fuzz-lifecycle.mjs --steps "${FUZZ_STEPS:-1000}" --workers 2 ${FUZZ_SEED:+--seed "$FUZZ_SEED"} "$@" || status=$?
  node scripts/asan-leaks.mjs "$leaks_dir" || status=1
else
  [ $# -gt 0 ] || set -- test/native/lifecycle-fuzz.test.ts
  LD_PRELOAD="$runtime" "${norandom[@]}" node node_modules/vitest/vitest.mjs run "$@" || status=$?
fi
exit $status
