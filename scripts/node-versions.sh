#!/usr/bin/env bash
# Runs the round-trip, lifecycle and worker_threads tests under each supported Node.js major
# (official binaries, from the npm registry's node-linux-<arch> packages), against the one
# Node-API prebuild in prebuilds/ (PREBUILDS_ONLY: build/Release is not looked at).
#
# Usage: scripts/node-versions.sh [test files...]     (npm run test:node-versions)
#   NODE_VERSIONS   majors (or exact versions) to run, default "22 24 26".
#        scripts/node-versions.sh --fetch VERSION
#   fetches one Node.js (a major or exact version) and prints its bin/ folder; runs nothing.
# The Node.js packages are kept in the cache ($OCTOKAFKA_CACHE, else
# $XDG_CACHE_HOME/octokafka, else ~/.cache/octokafka), folder node/.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
cache=${OCTOKAFKA_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/octokafka}/node
mkdir -p "$cache"
versions=${NODE_VERSIONS:-22 24 26}
tests=("$@")
[ ${#tests[@]} -gt 0 ] || tests=(test/client/roundtrip.test.ts test/native/lifecycle.test.ts test/app/workers.test.ts)
case "$(uname -m)" in
  x86_64) arch=x64 ;;
  aarch64) arch=arm64 ;;
  *) echo "node-versions: no node-linux package for $(uname -m)" >&2; exit 1 ;;
esac

# Prints the bin/ folder of the Node.js release that matches $1 (a major or exact version),
# fetched into the cache once.
node_home() {
  local file version dir
  # npm resolves a major to its newest release; the packed file names the exact version.
  file=$(cd "$cache" && npm pack --silent --prefer-offline "node-$(uname -s | tr 'A-Z' 'a-z')-$arch@$1" | tail -1)
  version=${file#node-linux-"$arch"-}; version=${version%.tgz}
  dir="$cache/$version"
  if [ ! -x "$dir/package/bin/node" ]; then
    rm -rf "$dir" && mkdir -p "$dir"
    tar -xzf "$cache/$file" -C "$dir"
  fi
  # npm's own cache keeps the package; the unpacked folder is all this script needs.
  rm -f "$cache/$file"
  echo "$dir/package/bin"
}
if [ "${1:-}" = --fetch ]; then
  node_home "${2:?usage: scripts/node-versions.sh --fetch VERSION}"
  exit 0
fi

# The tests load dist/ and the prebuild; make both current (the prebuild step reuses a current
# build/Release, so this compiles nothing after npm install).
npm run -s build:ts
npm run -s prebuild

summary=()
status=0
for want in $versions; do
  bin=$(node_home "$want")
  version=$("$bin/node" -p 'process.versions.node')
  node_bin="$bin/node"
  echo "node-versions: Node.js $("$node_bin" -p 'process.version + " (ABI " + process.versions.modules + ", Node-API " + process.versions.napi + ")"')"
  start=$(date +%s)
  # vitest's workers are forked from process.execPath: every test runs under this binary.
  if PATH="$bin:$PATH" PREBUILDS_ONLY=1 "$node_bin" node_modules/vitest/vitest.mjs run "${tests[@]}"; then
    summary+=("Node.js $version: passed ($(( $(date +%s) - start )) s)")
  else
    summary+=("Node.js $version: FAILED")
    status=1
  fi
done
echo "node-versions: summary (${tests[*]})"
printf '  %s\n' "${summary[@]}"
exit "$status"
