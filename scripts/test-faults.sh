#!/usr/bin/env bash
# `npm run test:faults`: starts the three-node cluster (scripts/kafka-cluster.sh), runs the
# cluster fault suite (test/faults-cluster/) one file at a time, and stops the cluster, also
# when a test fails or the run is interrupted. Arguments go to vitest, e.g. the CI subset:
#   npm run test:faults -- test/faults-cluster/leader-kill.test.ts test/faults-cluster/rolling-restart.test.ts
# With OCTOKAFKA_CLUSTER_BOOTSTRAP_SERVERS already set (a cluster you started), that one is used
# and left running.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/.." && pwd)
cd "$root"
started=$(date +%s)
if [ -z "${OCTOKAFKA_CLUSTER_BOOTSTRAP_SERVERS:-}" ]; then
  trap 'bash "$here/kafka-cluster.sh" stop' EXIT
  trap 'exit 130' INT TERM
  env_lines=$(bash "$here/kafka-cluster.sh" start)
  eval "$env_lines"
fi
files=()
[ $# -gt 0 ] || files=(test/faults-cluster/)
status=0
node scripts/run-tests.mjs --fileParallelism=false "${files[@]}" "$@" || status=$?
echo "[test-faults] ${SECONDS}s in all (cluster start included; started $(date -u -d "@$started" +%H:%M:%S) UTC)" >&2
exit "$status"
