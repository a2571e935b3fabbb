#!/usr/bin/env bash
# The whole benchmark (`npm run bench`): octokafka against the C limit (bench/run.mjs), then
# against the other Node.js clients on the mock cluster and on a real Kafka broker
# (bench/peers.mjs), the growing workloads on the mock (more partitions, keys and headers,
# compression, 50 clients in one process), then the charts. Takes a few hours on a 2-core
# machine.
#
#   npm run bench                      # everything
#   BENCH_STAGES="peers-mock" npm run bench    # some stages: native, peers-mock, peers-real, growth-mock, charts
#   extra arguments go to bench/peers.mjs: npm run bench -- --sizes 100 --repeat 1
#
# The real-broker stage uses $KAFKA_BOOTSTRAP_SERVERS when set; otherwise it starts a broker of
# its own with scripts/kafka.sh (state in a temporary folder) and stops it afterwards.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
stages=${BENCH_STAGES:-native peers-mock peers-real growth-mock charts}
has() { [[ " $stages " == *" $1 "* ]]; }

if has native; then node bench/run.mjs; fi
if has peers-mock; then node bench/peers.mjs --broker mock --out bench/peers-mock.md "$@"; fi
if has peers-real; then
  if [ -z "${KAFKA_BOOTSTRAP_SERVERS:-}" ]; then
    export OCTOKAFKA_KAFKA_STATE
    OCTOKAFKA_KAFKA_STATE=$(mktemp -d)
    trap 'bash scripts/kafka.sh stop >&2 || true; rm -rf "$OCTOKAFKA_KAFKA_STATE"' EXIT
    eval "$(bash scripts/kafka.sh start)"
  fi
  node bench/peers.mjs --broker real --out bench/peers-real.md "$@"
fi
if has growth-mock; then
  node bench/peers.mjs --broker mock --workloads base,p16,p64,keyed,lz4,zstd,x50 --sizes 100 --count 300000 --out bench/peers-growth-mock.md "$@"
fi
if has charts; then
  node scripts/bench-chart.mjs
  node scripts/bench-peers-chart.mjs
fi
