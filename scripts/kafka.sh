#!/usr/bin/env bash
# A real Apache Kafka broker for the tests: one KRaft node (broker + controller) on loopback.
#
# Usage: scripts/kafka.sh start|stop|status|env|resolve
#   (or `npm run kafka -- start` …)
#   resolve  fetches the pinned broker, Java client and tools jars from Maven Central (through
#            deps/kafka/pom.xml) into the cache folder; later runs need no network.
#   start    resolves, formats a fresh log directory in a temporary folder, makes a throwaway PKI
#            with openssl, starts the JVM, waits until the broker answers ApiVersions and
#            Metadata, creates the test users' ACLs, then prints the environment for the tests
#            on stdout (`export KAFKA_BOOTSTRAP_SERVERS=…` lines; progress goes to stderr):
#              eval "$(scripts/kafka.sh start)"
#            The same lines are kept in $state/env (`scripts/kafka.sh env` prints them).
#   stop     stops the broker (SIGTERM, then SIGKILL after 30 s) and removes its temporary folder.
#   status   says whether it runs, and where.
#
# Listeners (ports picked free at start): PLAINTEXT (the suite's KAFKA_BOOTSTRAP_SERVERS); SSL
# with client certificates required (mTLS); SASL_SSL with PLAIN, SCRAM-SHA-256 and SCRAM-SHA-512;
# SASL_PLAINTEXT with OAUTHBEARER (Kafka's unsecured JWS validator: tokens need no signature).
# StandardAuthorizer: `admin` and the PLAINTEXT listener's ANONYMOUS are super users; `alice` may
# use topics and groups whose names start with "secured" (and the info topics "__info_secured…");
# `mallory` authenticates but may do nothing. The secured listeners are described for the tests
# in a JSON file named by OCTOKAFKA_TEST_SECURED_PROFILES: one entry per listener and mechanism,
# each a set of the KAFKA_* variables an application would be given (configFromEnv's names).
#
# Broker line: OCTOKAFKA_KAFKA_LINE=4 (the default: the pin in deps/kafka/pom.xml) or 3 (the
# previous generation, KRaft mode: deps/kafka/pom-3.x.xml), for the compatibility run:
#   OCTOKAFKA_KAFKA_LINE=3 scripts/kafka.sh start
# Both lines get the same listeners, users and ACLs; what differs is handled here (3.x logs
# through log4j 1.x and keeps AclCommand in the core jar). The 3.x broker keeps its default group
# protocols (classic only: KIP-848 was a preview there), so tests that need KIP-848 skip on it by
# the API versions it advertises.
#
# Cache folder: $OCTOKAFKA_CACHE, else $XDG_CACHE_HOME/octokafka, else ~/.cache/octokafka (as
# scripts/librdkafka.sh). State (pid, run folder, env): $OCTOKAFKA_KAFKA_STATE, else
# <cache>/kafka-broker (line 4) or <cache>/kafka-broker-3 (line 3), so both lines can run at
# once. Heap: $OCTOKAFKA_KAFKA_HEAP (default 768m). A new group's first rebalance waits
# $OCTOKAFKA_KAFKA_GROUP_DELAY_MS for more members (group.initial.rebalance.delay.ms: 0 for
# the tests, which join one member at a time; Kafka's default is 3000, which the benchmark's
# 50-consumer row sets to measure what a production broker does).
set -euo pipefail

tag=kafka
# shellcheck source=scripts/kafka-common.sh
. "$(dirname "${BASH_SOURCE[0]}")/kafka-common.sh"

case "$line" in
  4) default_state="$cache/kafka-broker" ;;
  3) default_state="$cache/kafka-broker-3" ;;
esac
state=${OCTOKAFKA_KAFKA_STATE:-$default_state}
heap=${OCTOKAFKA_KAFKA_HEAP:-768m}
group_delay_ms=${OCTOKAFKA_KAFKA_GROUP_DELAY_MS:-0}

running_pid() {
  [ -f "$state/pid" ] || return 1
  local pid
  pid=$(cat "$state/pid")
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 1
  # The pid must still be our JVM (pids are reused).
  tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q 'kafka.Kafka' || return 1
  echo "$pid"
}

make_pki() {
  local d=$1 pass=$2
  need openssl 'Debian: apt-get install openssl'
  (
    cd "$d"
    local ec=(-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes)
    openssl req -x509 "${ec[@]}" -keyout ca.key -out ca.pem -days 2 -subj '/CN=octokafka test CA' \
      -addext 'basicConstraints=critical,CA:TRUE' -addext 'keyUsage=critical,keyCertSign,cRLSign' 2>/dev/null
    openssl req "${ec[@]}" -keyout server.key -out server.csr -subj '/CN=localhost' 2>/dev/null
    printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n' >server.ext
    openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 -extfile server.ext -out server.pem 2>/dev/null
    openssl pkcs12 -export -in server.pem -inkey server.key -certfile ca.pem -name broker \
      -out server.p12 -passout "pass:$pass"
    # The client certificate of the mTLS listener: its principal is its CN (ssl.principal.mapping.rules).
    openssl req "${ec[@]}" -keyout client.key -out client.csr -subj '/CN=alice' 2>/dev/null
    printf 'extendedKeyUsage=clientAuth\n' >client.ext
    openssl x509 -req -in client.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 -extfile client.ext -out client.pem 2>/dev/null
    rm -f ./*.csr ./*.ext ca.srl
  )
}

start() {
  if pid=$(running_pid); then
    say "already running (pid $pid); its environment:"
    cat "$state/env"
    return 0
  fi
  resolve
  need java 'Kafka 4 needs Java 17 or newer; Debian: apt-get install openjdk-17-jre-headless'
  need node 'the readiness probe is a Node script'
  local started run
  started=$(date +%s%N)
  mkdir -p "$state"
  run=$(mktemp -d "${TMPDIR:-/tmp}/octokafka-kafka.XXXXXX")
  mkdir -p "$run/data" "$run/pki"
  local ports plain ssl sasl_ssl sasl_plain controller
  read -r plain ssl sasl_ssl sasl_plain controller <<<"$(free_ports 5)"
  local store_pass admin_pass alice_pass mallory_pass
  store_pass=$(rand 12)
  admin_pass=$(rand 12)
  alice_pass=$(rand 12)
  mallory_pass=$(rand 12)
  make_pki "$run/pki" "$store_pass"

  # The broker's log goes to a file; 4.x reads a log4j2 configuration, 3.x a log4j 1.x one.
  local log_opt
  if [ "$line" = 3 ]; then
    log_opt="-Dlog4j.configuration=file:$run/log4j.properties"
    cat >"$run/log4j.properties" <<EOF
log4j.rootLogger=INFO, FILE
log4j.appender.FILE=org.apache.log4j.FileAppender
log4j.appender.FILE.File=$run/broker.log
log4j.appender.FILE.layout=org.apache.log4j.PatternLayout
log4j.appender.FILE.layout.ConversionPattern=[%d] %p %m (%c)%n
log4j.logger.state.change.logger=WARN
log4j.logger.kafka.request.logger=WARN
log4j.logger.kafka.authorizer.logger=WARN
EOF
  else
    log_opt="-Dlog4j2.configurationFile=$run/log4j2.properties"
    write_log4j2 "$run/log4j2.properties" "$run/broker.log"
  fi

  local jaas_plain="org.apache.kafka.common.security.plain.PlainLoginModule required user_admin=\"$admin_pass\" user_alice=\"$alice_pass\" user_mallory=\"$mallory_pass\";"
  cat >"$run/server.properties" <<EOF
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$controller
controller.listener.names=CONTROLLER
listeners=PLAINTEXT://127.0.0.1:$plain,SSL://127.0.0.1:$ssl,SASL_SSL://127.0.0.1:$sasl_ssl,SASL_PLAINTEXT://127.0.0.1:$sasl_plain,CONTROLLER://127.0.0.1:$controller
advertised.listeners=PLAINTEXT://127.0.0.1:$plain,SSL://127.0.0.1:$ssl,SASL_SSL://127.0.0.1:$sasl_ssl,SASL_PLAINTEXT://127.0.0.1:$sasl_plain
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,SSL:SSL,SASL_SSL:SASL_SSL,SASL_PLAINTEXT:SASL_PLAINTEXT,CONTROLLER:PLAINTEXT
inter.broker.listener.name=PLAINTEXT
log.dirs=$run/data

# One node: everything replicated once.
num.partitions=1
default.replication.factor=1
min.insync.replicas=1
offsets.topic.replication.factor=1
offsets.topic.num.partitions=10
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
transaction.state.log.num.partitions=10
$([ "$line" = 3 ] || printf 'share.coordinator.state.topic.replication.factor=1\nshare.coordinator.state.topic.min.isr=1')
group.initial.rebalance.delay.ms=$group_delay_ms
auto.create.topics.enable=true
delete.topic.enable=true
log.flush.interval.messages=9223372036854775807
log.segment.bytes=33554432
log.retention.check.interval.ms=60000
num.network.threads=2
num.io.threads=4
# Tests use short session timeouts (librdkafka's 6 s and less).
group.min.session.timeout.ms=1000

# TLS (a throwaway PKI made at start): the SSL listener requires client certificates.
ssl.keystore.type=PKCS12
ssl.keystore.location=$run/pki/server.p12
ssl.keystore.password=$store_pass
ssl.key.password=$store_pass
ssl.truststore.type=PEM
ssl.truststore.location=$run/pki/ca.pem
listener.name.ssl.ssl.client.auth=required
ssl.principal.mapping.rules=RULE:^CN=([^,]+)\$/\$1/,DEFAULT

# SASL_SSL: PLAIN (users in the JAAS line) and SCRAM (users created at format time).
listener.name.sasl_ssl.sasl.enabled.mechanisms=PLAIN,SCRAM-SHA-256,SCRAM-SHA-512
listener.name.sasl_ssl.plain.sasl.jaas.config=$jaas_plain
listener.name.sasl_ssl.scram-sha-256.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;
listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;
# SASL_PLAINTEXT: OAUTHBEARER with Kafka's unsecured token validator (the default handler).
listener.name.sasl_plaintext.sasl.enabled.mechanisms=OAUTHBEARER
listener.name.sasl_plaintext.oauthbearer.sasl.jaas.config=org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required unsecuredLoginStringClaim_sub="admin";

# Authorization.
authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer
super.users=User:admin;User:ANONYMOUS
allow.everyone.if.no.acl.found=false
EOF

  local cp="$libs/*"
  local cluster_id
  cluster_id=$(cluster_id)
  # shellcheck disable=SC2046
  if ! java $(java_opts "$heap") "$log_opt" -cp "$cp" kafka.tools.StorageTool format \
    --cluster-id="$cluster_id" -c "$run/server.properties" \
    --add-scram "SCRAM-SHA-256=[name=admin,password=$admin_pass]" \
    --add-scram "SCRAM-SHA-512=[name=admin,password=$admin_pass]" \
    --add-scram "SCRAM-SHA-256=[name=alice,password=$alice_pass]" \
    --add-scram "SCRAM-SHA-512=[name=alice,password=$alice_pass]" \
    --add-scram "SCRAM-SHA-256=[name=mallory,password=$mallory_pass]" \
    --add-scram "SCRAM-SHA-512=[name=mallory,password=$mallory_pass]" >"$run/format.log" 2>&1; then
    cat "$run/format.log" >&2
    die "formatting the log directory failed (folder kept: $run)"
  fi
  local formatted
  formatted=$(date +%s%N)

  # shellcheck disable=SC2046
  setsid java $(java_opts "$heap") "$log_opt" -Dkafka.logs.dir="$run" \
    -cp "$cp" kafka.Kafka "$run/server.properties" >"$run/stdout.log" 2>&1 </dev/null &
  local pid=$!
  echo "$pid" >"$state/pid"
  echo "$run" >"$state/run"

  local deadline=$(($(date +%s) + ${OCTOKAFKA_KAFKA_START_TIMEOUT:-120}))
  until node "$here/kafka-probe.mjs" "127.0.0.1:$plain" 2000; do
    if ! kill -0 "$pid" 2>/dev/null; then
      tail -n 40 "$run/stdout.log" "$run/broker.log" >&2 || true
      rm -f "$state/pid"
      die "the broker exited during start-up (folder kept: $run)"
    fi
    if [ "$(date +%s)" -ge "$deadline" ]; then
      tail -n 40 "$run/broker.log" >&2 || true
      kill "$pid" 2>/dev/null || true
      rm -f "$state/pid"
      die "the broker did not answer within ${OCTOKAFKA_KAFKA_START_TIMEOUT:-120} s (folder kept: $run)"
    fi
    sleep 0.2
  done
  local ready
  ready=$(date +%s%N)

  # ACLs for alice (the secured tests' user) through the PLAINTEXT listener (a super user).
  # The tool moved from the core jar (kafka.admin) to the tools module in 4.0.
  local acl_command=org.apache.kafka.tools.AclCommand
  [ "$line" = 3 ] && acl_command=kafka.admin.AclCommand
  # shellcheck disable=SC2046
  if ! java $(java_opts "$heap") "$log_opt" -cp "$cp" "$acl_command" \
    --bootstrap-server "127.0.0.1:$plain" --add --allow-principal User:alice --operation All \
    --topic secured --topic __info_secured --group secured --transactional-id secured \
    --resource-pattern-type prefixed >"$run/acls.log" 2>&1; then
    cat "$run/acls.log" >&2
    die "creating the ACLs failed"
  fi

  local ca client_cert client_key
  ca=$(base64 -w0 "$run/pki/ca.pem")
  client_cert=$(base64 -w0 "$run/pki/client.pem")
  client_key=$(base64 -w0 "$run/pki/client.key")
  local ssl_common="\"KAFKA_CA_CERT\": \"$ca\""
  cat >"$run/profiles.json" <<EOF
{
  "ssl-mtls": { "KAFKA_BOOTSTRAP_SERVERS": "127.0.0.1:$ssl", "KAFKA_SECURITY_PROTOCOL": "SSL", $ssl_common, "KAFKA_CLIENT_CERT": "$client_cert", "KAFKA_CLIENT_KEY": "$client_key" },
  "sasl-ssl-plain": { "KAFKA_BOOTSTRAP_SERVERS": "127.0.0.1:$sasl_ssl", "KAFKA_SECURITY_PROTOCOL": "SASL_SSL", "KAFKA_SASL_MECHANISM": "PLAIN", "KAFKA_SASL_USERNAME": "alice", "KAFKA_SASL_PASSWORD": "$alice_pass", $ssl_common },
  "sasl-ssl-scram-sha-256": { "KAFKA_BOOTSTRAP_SERVERS": "127.0.0.1:$sasl_ssl", "KAFKA_SECURITY_PROTOCOL": "SASL_SSL", "KAFKA_SASL_MECHANISM": "SCRAM-SHA-256", "KAFKA_SASL_USERNAME": "alice", "KAFKA_SASL_PASSWORD": "$alice_pass", $ssl_common },
  "sasl-ssl-scram-sha-512": { "KAFKA_BOOTSTRAP_SERVERS": "127.0.0.1:$sasl_ssl", "KAFKA_SECURITY_PROTOCOL": "SASL_SSL", "KAFKA_SASL_MECHANISM": "SCRAM-SHA-512", "KAFKA_SASL_USERNAME": "alice", "KAFKA_SASL_PASSWORD": "$alice_pass", $ssl_common },
  "sasl-plaintext-oauthbearer": { "KAFKA_BOOTSTRAP_SERVERS": "127.0.0.1:$sasl_plain", "KAFKA_SECURITY_PROTOCOL": "SASL_PLAINTEXT", "KAFKA_SASL_MECHANISM": "OAUTHBEARER", "OAUTHBEARER_UNSECURED_PRINCIPAL": "alice" },
  "sasl-ssl-scram-sha-512-unauthorized": { "KAFKA_BOOTSTRAP_SERVERS": "127.0.0.1:$sasl_ssl", "KAFKA_SECURITY_PROTOCOL": "SASL_SSL", "KAFKA_SASL_MECHANISM": "SCRAM-SHA-512", "KAFKA_SASL_USERNAME": "mallory", "KAFKA_SASL_PASSWORD": "$mallory_pass", $ssl_common }
}
EOF
  chmod 600 "$run/profiles.json"

  {
    echo "export KAFKA_BOOTSTRAP_SERVERS=127.0.0.1:$plain"
    echo "export OCTOKAFKA_TEST_SECURED_PROFILES=$run/profiles.json"
    echo "export OCTOKAFKA_KAFKA_VERSION=$version"
    echo "export OCTOKAFKA_KAFKA_LINE=$line"
    echo "export OCTOKAFKA_KAFKA_CLASSPATH='$libs/*'"
  } >"$state/env"
  local ms_format=$(((formatted - started) / 1000000)) ms_ready=$(((ready - formatted) / 1000000)) ms_total=$((($(date +%s%N) - started) / 1000000))
  say "Kafka $version ready (pid $pid, folder $run): format ${ms_format} ms, JVM start to ready ${ms_ready} ms, total ${ms_total} ms"
  say "PLAINTEXT 127.0.0.1:$plain, SSL (mTLS) 127.0.0.1:$ssl, SASL_SSL 127.0.0.1:$sasl_ssl, SASL_PLAINTEXT (OAUTHBEARER) 127.0.0.1:$sasl_plain"
  cat "$state/env"
}

stop() {
  local pid run
  run=$(cat "$state/run" 2>/dev/null || true)
  if pid=$(running_pid); then
    say "stopping pid $pid"
    kill -TERM "$pid" 2>/dev/null || true
    local deadline=$(($(date +%s) + 30))
    while kill -0 "$pid" 2>/dev/null; do
      if [ "$(date +%s)" -ge "$deadline" ]; then
        say "no exit after 30 s: SIGKILL"
        kill -KILL "$pid" 2>/dev/null || true
        break
      fi
      sleep 0.2
    done
    say "stopped"
  else
    say "not running"
  fi
  rm -f "$state/pid" "$state/env" "$state/run"
  if [ -n "$run" ] && [ -d "$run" ] && [ -z "${OCTOKAFKA_KAFKA_KEEP:-}" ]; then
    case "$run" in */octokafka-kafka.*) rm -rf "$run" ;; esac
  fi
}

status() {
  local pid
  if pid=$(running_pid); then
    echo "running: Kafka $version, pid $pid, folder $(cat "$state/run" 2>/dev/null)"
    cat "$state/env"
  else
    echo "not running (Kafka $version pinned by ${pom#"$root"/})"
    return 3
  fi
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) status ;;
  env) [ -f "$state/env" ] && running_pid >/dev/null || die "not running"; cat "$state/env" ;;
  resolve) resolve; echo "$libs" ;;
  *) echo "usage: $0 start|stop|status|env|resolve" >&2; exit 2 ;;
esac
