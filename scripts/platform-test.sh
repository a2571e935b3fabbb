#!/usr/bin/env bash
# The user's first minutes on one target, from the packed release (npm run release:build):
# a fresh project installs octokafka's tarball and the target's platform package with install
# scripts off and no compiler on PATH, reports the installed size, then runs
# scripts/platform-smoke.mjs (README quick start, topic-layer round trip, worker_threads) under
# a runtime of the target (scripts/platform-runtime.sh: emulated for arm64, Bun for musl).
#
# Usage: scripts/platform-test.sh TARGET [RELEASE_DIR]     (default RELEASE_DIR: release/)
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
target=${1:?usage: scripts/platform-test.sh TARGET [RELEASE_DIR]}
rel=$(cd "${2:-$root/release}" && pwd)
case "$target" in
  linux-x64-glibc) cpu=x64 libc=glibc pkg=octokafka-linux-x64-gnu ;;
  linux-x64-musl) cpu=x64 libc=musl pkg=octokafka-linux-x64-musl ;;
  linux-arm64-glibc) cpu=arm64 libc=glibc pkg=octokafka-linux-arm64-gnu ;;
  linux-arm64-musl) cpu=arm64 libc=musl pkg=octokafka-linux-arm64-musl ;;
  *) echo "platform-test: unknown target $target" >&2; exit 2 ;;
esac
version=$(node -p "require('$root/package.json').version")
main_tgz="$rel/octokafka-$version.tgz"
plat_tgz="$rel/$pkg-$version.tgz"
for f in "$main_tgz" "$plat_tgz"; do
  [ -f "$f" ] || { echo "platform-test: $f is missing (npm run release:build)" >&2; exit 1; }
done
runtime=$(bash "$root/scripts/platform-runtime.sh" "$target")

app=$(mktemp -d)
trap 'rm -rf "$app"' EXIT
# PATH with node and npm only: no cc, c++, make or python for a source build to find.
mkdir "$app/bin"
ln -s "$(command -v node)" "$app/bin/node"
ln -s "$(command -v npm)" "$app/bin/npm"
if PATH="$app/bin" command -v cc c++ gcc g++ make >/dev/null 2>&1; then echo "platform-test: a compiler is on the test PATH" >&2; exit 1; fi
mkdir "$app/project"
cd "$app/project"
echo '{ "name": "quick-start", "version": "1.0.0", "private": true }' >package.json
echo "platform-test: npm install --ignore-scripts (os linux, cpu $cpu, libc $libc) of $(basename "$main_tgz") and $(basename "$plat_tgz")"
start=$(date +%s)
# On a machine of another platform npm refuses the target's package (its os/cpu/libc fields do
# not match this machine: the check users rely on), and --cpu/--libc do not change that for a
# package named on the command line: --force stands in for being on the target.
force=()
host_libc=$(node -p 'process.report.getReport().header.glibcVersionRuntime ? "glibc" : "musl"')
[ "$(node -p process.arch)" = "$cpu" ] && [ "$host_libc" = "$libc" ] || force=(--force)
PATH="$app/bin" npm install --ignore-scripts --no-audit --no-fund "${force[@]}" --os linux --cpu "$cpu" --libc "$libc" "$main_tgz" "$plat_tgz" >"$app/install.log" 2>&1 ||
  { cat "$app/install.log" >&2; exit 1; }
echo "platform-test: installed in $(( $(date +%s) - start )) s"
[ ! -e node_modules/octokafka/build ] || { echo "platform-test: something was built" >&2; exit 1; }
others=$(find node_modules -maxdepth 1 -name 'octokafka-*' ! -name "$pkg" | wc -l)
kb() { du -sk "$1" | cut -f1; }
echo "platform-test: install size: octokafka $(kb node_modules/octokafka) KB + $pkg $(kb "node_modules/$pkg") KB;" \
  "all of node_modules $(kb node_modules) KB; other platform packages installed: $others"
[ "$others" = 0 ] || { echo "platform-test: another platform's package was installed" >&2; exit 1; }

echo "platform-test: $target under: $runtime"
# shellcheck disable=SC2086 # the runtime is a command line
PATH="$app/bin" $runtime "$root/scripts/platform-smoke.mjs"
