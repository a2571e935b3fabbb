#!/usr/bin/env bash
# Three real Apache Kafka nodes for the fault suite (test/faults-cluster/): KRaft, each node
# broker + controller (a three-voter quorum), replication factor 3 and min.insync.replicas=2 by
# default, the broker pinned by deps/kafka/pom.xml (resolved as scripts/kafka.sh does).
#
# Usage: scripts/kafka-cluster.sh COMMAND
#   start          creates the network, formats and starts the three nodes, waits until each
#                  answers ApiVersions and Metadata, prints the environment for the tests on
#                  stdout (`export OCTOKAFKA_CLUSTER_BOOTSTRAP_SERVERS=…`; progress on stderr):
#                    eval "$(scripts/kafka-cluster.sh start)"
#   stop           stops every node (SIGCONT first, links up, SIGTERM, SIGKILL after 10 s) and
#                  removes the network and the run folder
#   status | env   whether it runs, and the environment lines
#   kill N         SIGKILL node N (a crash), and waits until it is gone
#   stop-node N    SIGTERM node N (a clean, controlled shutdown), waits up to 60 s, then SIGKILL
#   start-node N   starts node N again on its log directory, waits until it answers
#   freeze N       SIGSTOP node N (a hung process: its sockets stay open, nothing answers)
#   thaw N         SIGCONT node N
#   cut N          takes node N's network link down: the node can reach neither the other
#                  nodes nor the clients, and packets to it are dropped (no reset)
#   heal N         brings node N's link up again
#   pid N          the pid of node N's JVM (exit 1 when it does not run)
#   controller     the node id of the active controller (the KRaft quorum's leader), as Kafka's
#                  metadata-quorum tool reports it (DescribeCluster names a random broker instead)
#
# The network: each node runs in its own network namespace (`ip netns`, so this needs root),
# joined by a veth pair to a bridge in the caller's namespace that the tests reach it through
# (addresses 10.231.X.11-13, X from the state folder's hash). A network cut is then a real one:
# the node's link goes down. A user-space TCP proxy could only cut client traffic that passes
# through it, and inter-node replication and quorum traffic would need proxies of their own.
#
# State (pids, run folder, env): $OCTOKAFKA_CLUSTER_STATE, else <cache>/kafka-cluster; the network
# names come from its path, so two state folders are two independent clusters. Heap per node:
# $OCTOKAFKA_CLUSTER_HEAP (default 512m). Only JVMs whose command line names this cluster's
# run folder are ever signalled.
set -euo pipefail

tag=kafka-cluster
# shellcheck source=scripts/kafka-common.sh
. "$(dirname "${BASH_SOURCE[0]}")/kafka-common.sh"

[ "$line" = 4 ] || die "the cluster runs the pinned Kafka 4 line only (OCTOKAFKA_KAFKA_LINE=$line)"
state=${OCTOKAFKA_CLUSTER_STATE:-$cache/kafka-cluster}
heap=${OCTOKAFKA_CLUSTER_HEAP:-512m}
nodes=(1 2 3)

# Network names from the state folder: interface names are at most 15 characters.
id=$(printf '%s' "$(realpath -m "$state")" | sha256sum | cut -c1-4)
octet=$((16#${id:0:2}))
subnet="10.231.$octet"
bridge="okc${id}b"
ns() { echo "octokafka-$id-$1"; }
veth() { echo "okc${id}v$1"; }
peer() { echo "okc${id}p$1"; }
addr() { echo "$subnet.1$1"; }

run_dir() { cat "$state/run" 2>/dev/null || true; }

node_arg() {
  case "${1:-}" in 1 | 2 | 3) ;; *) die "a node number (1, 2 or 3) is needed, not '${1:-}'" ;; esac
}

running_pid() {
  local n=$1 pid run
  run=$(run_dir)
  [ -n "$run" ] && [ -f "$state/pid.$n" ] || return 1
  pid=$(cat "$state/pid.$n")
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 1
  # The pid must still be this cluster's JVM (pids are reused).
  tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF "$run/node$n/server.properties" || return 1
  echo "$pid"
}

net_up() {
  ip netns list | grep -q "^$(ns 1)\b" && die "network $(ns 1) exists already (a cluster with this state folder was not stopped: run stop)"
  ip -4 addr | grep -q "inet $subnet\." && die "$subnet.0/24 is in use on this machine"
  ip link add "$bridge" type bridge
  ip addr add "$subnet.1/24" dev "$bridge"
  ip link set "$bridge" up
  local n
  for n in "${nodes[@]}"; do
    ip netns add "$(ns "$n")"
    ip link add "$(veth "$n")" type veth peer name "$(peer "$n")"
    ip link set "$(peer "$n")" netns "$(ns "$n")"
    ip link set "$(veth "$n")" master "$bridge" up
    ip netns exec "$(ns "$n")" ip addr add "$(addr "$n")/24" dev "$(peer "$n")"
    ip netns exec "$(ns "$n")" ip link set "$(peer "$n")" up
    ip netns exec "$(ns "$n")" ip link set lo up
  done
}

net_down() {
  local n
  for n in "${nodes[@]}"; do
    ip link del "$(veth "$n")" 2>/dev/null || true
    ip netns del "$(ns "$n")" 2>/dev/null || true
  done
  ip link del "$bridge" 2>/dev/null || true
}

start_jvm() {
  local n=$1 run
  run=$(run_dir)
  # shellcheck disable=SC2046
  setsid ip netns exec "$(ns "$n")" java $(java_opts "$heap") -XX:TieredStopAtLevel=1 \
    -Dlog4j2.configurationFile="$run/node$n/log4j2.properties" -Dkafka.logs.dir="$run/node$n" \
    -cp "$libs/*" kafka.Kafka "$run/node$n/server.properties" >>"$run/node$n/stdout.log" 2>&1 </dev/null &
  echo $! >"$state/pid.$n"
}

wait_ready() {
  local n=$1 run port deadline
  run=$(run_dir)
  port=$(cat "$run/node$n/port")
  deadline=$(($(date +%s) + ${OCTOKAFKA_KAFKA_START_TIMEOUT:-120}))
  until node "$here/kafka-probe.mjs" "$(addr "$n"):$port" 2000 2>/dev/null; do
    if ! running_pid "$n" >/dev/null; then
      tail -n 30 "$run/node$n/stdout.log" "$run/node$n/server.log" >&2 || true
      die "node $n exited during start-up (folder $run/node$n)"
    fi
    [ "$(date +%s)" -lt "$deadline" ] || die "node $n did not answer within ${OCTOKAFKA_KAFKA_START_TIMEOUT:-120} s (folder $run/node$n)"
    sleep 0.2
  done
}

wait_gone() {
  local pid=$1 seconds=$2 deadline
  deadline=$(($(date +%s) + seconds))
  while kill -0 "$pid" 2>/dev/null; do
    [ "$(date +%s)" -lt "$deadline" ] || return 1
    sleep 0.1
  done
}

start() {
  if [ -f "$state/env" ] && running_pid 1 >/dev/null; then
    say "already running; its environment:"
    cat "$state/env"
    return 0
  fi
  resolve
  need java 'Kafka 4 needs Java 17 or newer; Debian: apt-get install openjdk-17-jre-headless'
  need node 'the readiness probe is a Node script'
  need ip 'Debian: apt-get install iproute2'
  [ "$(id -u)" = 0 ] || die "network namespaces need root"
  local started run
  started=$(date +%s%N)
  mkdir -p "$state"
  rm -f "$state"/pid.* "$state/env"
  run=$(mktemp -d "${TMPDIR:-/tmp}/octokafka-cluster.XXXXXX")
  echo "$run" >"$state/run"
  # Anything that fails from here on takes down what was started.
  trap 'say "start failed: cleaning up"; stop' ERR EXIT
  net_up

  local ports=() voters="" bootstrap="" n
  read -r -a ports <<<"$(free_ports 6)"
  for n in "${nodes[@]}"; do
    voters+="${voters:+,}$n@$(addr "$n"):${ports[$((n + 2))]}"
    bootstrap+="${bootstrap:+,}$(addr "$n"):${ports[$((n - 1))]}"
  done
  local cid
  cid=$(cluster_id)
  for n in "${nodes[@]}"; do
    local d="$run/node$n" plain=${ports[$((n - 1))]} controller=${ports[$((n + 2))]}
    mkdir -p "$d/data"
    echo "$plain" >"$d/port"
    write_log4j2 "$d/log4j2.properties" "$d/server.log"
    cat >"$d/server.properties" <<EOF
process.roles=broker,controller
node.id=$n
controller.quorum.voters=$voters
controller.listener.names=CONTROLLER
listeners=PLAINTEXT://$(addr "$n"):$plain,CONTROLLER://$(addr "$n"):$controller
advertised.listeners=PLAINTEXT://$(addr "$n"):$plain
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
inter.broker.listener.name=PLAINTEXT
log.dirs=$d/data

# Everything on all three nodes; an acks=all write needs two in sync.
num.partitions=3
default.replication.factor=3
min.insync.replicas=2
offsets.topic.replication.factor=3
offsets.topic.num.partitions=6
transaction.state.log.replication.factor=3
transaction.state.log.min.isr=2
transaction.state.log.num.partitions=6
share.coordinator.state.topic.replication.factor=3
share.coordinator.state.topic.min.isr=2
unclean.leader.election.enable=false
# A follower that stops fetching leaves the ISR after 10 s (default 30 s): the frozen and cut
# scenarios then see acks=all writes resume within the test's bounds.
replica.lag.time.max.ms=10000
group.initial.rebalance.delay.ms=0
group.min.session.timeout.ms=1000
auto.create.topics.enable=false
delete.topic.enable=true
log.segment.bytes=33554432
num.network.threads=2
num.io.threads=2
num.replica.fetchers=1
background.threads=2
EOF
    # shellcheck disable=SC2046
    if ! java $(java_opts 256m) -Dlog4j2.configurationFile="$d/log4j2.properties" -cp "$libs/*" kafka.tools.StorageTool format \
      --cluster-id="$cid" -c "$d/server.properties" >"$d/format.log" 2>&1; then
      cat "$d/format.log" >&2
      die "formatting node $n's log directory failed"
    fi
  done
  local formatted
  formatted=$(date +%s%N)
  for n in "${nodes[@]}"; do start_jvm "$n"; done
  for n in "${nodes[@]}"; do wait_ready "$n"; done
  trap - ERR EXIT
  {
    echo "export OCTOKAFKA_CLUSTER_BOOTSTRAP_SERVERS=$bootstrap"
    echo "export OCTOKAFKA_CLUSTER_STATE=$(realpath -m "$state")"
    echo "export OCTOKAFKA_CLUSTER_SCRIPT=$here/kafka-cluster.sh"
    echo "export OCTOKAFKA_KAFKA_VERSION=$version"
  } >"$state/env"
  say "Kafka $version, 3 nodes ready (folder $run): format $(((formatted - started) / 1000000)) ms, total $((($(date +%s%N) - started) / 1000000)) ms"
  say "nodes: $bootstrap (pids $(cat "$state/pid.1") $(cat "$state/pid.2") $(cat "$state/pid.3"))"
  cat "$state/env"
}

stop() {
  trap - ERR EXIT
  local run n pid pids=()
  run=$(run_dir)
  for n in "${nodes[@]}"; do
    ip link set "$(veth "$n")" up 2>/dev/null || true
    if pid=$(running_pid "$n"); then
      kill -CONT "$pid" 2>/dev/null || true
      kill -TERM "$pid" 2>/dev/null || true
      pids+=("$pid")
    fi
  done
  if [ ${#pids[@]} -gt 0 ]; then
    say "stopping pids ${pids[*]}"
    for pid in "${pids[@]}"; do
      if ! wait_gone "$pid" 10; then
        say "pid $pid: no exit after 10 s: SIGKILL"
        kill -KILL "$pid" 2>/dev/null || true
        wait_gone "$pid" 10 || true
      fi
    done
    say "stopped"
  else
    say "not running"
  fi
  net_down
  rm -f "$state"/pid.* "$state/env" "$state/run"
  if [ -n "$run" ] && [ -d "$run" ] && [ -z "${OCTOKAFKA_KAFKA_KEEP:-}" ]; then
    case "$run" in */octokafka-cluster.*) rm -rf "$run" ;; esac
  fi
}

status() {
  local n pid any=0
  for n in "${nodes[@]}"; do
    if pid=$(running_pid "$n"); then
      any=1
      local st
      st=$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null)
      echo "node $n: pid $pid ($( [ "$st" = T ] && echo frozen || echo running)), link $(ip -br link show "$(veth "$n")" 2>/dev/null | awk '{print $2}')"
    else
      echo "node $n: not running"
    fi
  done
  if [ "$any" = 1 ]; then
    echo "folder $(run_dir)"
    cat "$state/env" 2>/dev/null || true
  else
    echo "not running (Kafka $version pinned by ${pom#"$root"/})"
    return 3
  fi
}

need_pid() {
  running_pid "$1" || die "node $1 does not run"
}

cmd=${1:-}
case "$cmd" in
  kill | stop-node | start-node | freeze | thaw | cut | heal | pid) node_arg "${2:-}" ;;
esac
n=${2:-}
case "$cmd" in
  start) start ;;
  stop) stop ;;
  status) status ;;
  env) [ -f "$state/env" ] || die "not running"; cat "$state/env" ;;
  kill)
    pid=$(need_pid "$n")
    kill -KILL "$pid"
    wait_gone "$pid" 30 || die "node $n (pid $pid) did not die"
    say "node $n killed (pid $pid)"
    ;;
  stop-node)
    pid=$(need_pid "$n")
    kill -TERM "$pid"
    if ! wait_gone "$pid" 60; then
      say "node $n: no exit 60 s after SIGTERM: SIGKILL"
      kill -KILL "$pid"
      wait_gone "$pid" 30 || true
    fi
    say "node $n stopped (pid $pid)"
    ;;
  start-node)
    if pid=$(running_pid "$n"); then die "node $n runs already (pid $pid)"; fi
    [ -n "$(run_dir)" ] || die "the cluster was not started"
    start_jvm "$n"
    wait_ready "$n"
    say "node $n started (pid $(cat "$state/pid.$n"))"
    ;;
  freeze) kill -STOP "$(need_pid "$n")"; say "node $n frozen" ;;
  thaw) kill -CONT "$(need_pid "$n")"; say "node $n thawed" ;;
  cut) ip link set "$(veth "$n")" down; say "node $n cut off" ;;
  heal) ip link set "$(veth "$n")" up; say "node $n linked again" ;;
  pid) need_pid "$n" ;;
  controller)
    [ -f "$state/env" ] || die "not running"
    bootstrap=$(sed -n 's/^export OCTOKAFKA_CLUSTER_BOOTSTRAP_SERVERS=//p' "$state/env")
    # shellcheck disable=SC2046
    out=$(java $(java_opts 256m) -XX:TieredStopAtLevel=1 -Dlog4j2.configurationFile="$(run_dir)/node1/log4j2.properties" -cp "$libs/*" \
      org.apache.kafka.tools.MetadataQuorumCommand --bootstrap-server "$bootstrap" describe --status 2>&1) || die "metadata-quorum: $out"
    echo "$out" | sed -n 's/^LeaderId:[[:space:]]*//p'
    ;;
  *) echo "usage: $0 start|stop|status|env|kill N|stop-node N|start-node N|freeze N|thaw N|cut N|heal N|pid N|controller" >&2; exit 2 ;;
esac
