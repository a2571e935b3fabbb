# Shared by scripts/kafka.sh (one broker) and scripts/kafka-cluster.sh (three nodes): which
# Kafka is pinned, where its jars are cached, resolving them from Maven Central, free ports,
# the JVM options. Sourced, not run; the caller sets `tag` (the log prefix) first.
#
# Broker line: OCTOKAFKA_KAFKA_LINE=4 (the default: deps/kafka/pom.xml) or 3 (deps/kafka/pom-3.x.xml).
# Cache folder: $OCTOKAFKA_CACHE, else $XDG_CACHE_HOME/octokafka, else ~/.cache/octokafka.

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/.." && pwd)

say() { echo "[$tag] $*" >&2; }
die() { echo "[$tag] error: $*" >&2; exit 1; }

line=${OCTOKAFKA_KAFKA_LINE:-4}
cache=${OCTOKAFKA_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/octokafka}
case "$line" in
  4) pom="$root/deps/kafka/pom.xml" ;;
  3) pom="$root/deps/kafka/pom-3.x.xml" ;;
  *) echo "[$tag] error: OCTOKAFKA_KAFKA_LINE must be 4 (the default) or 3, not '$line'" >&2; exit 2 ;;
esac
version=$(sed -n 's:.*<kafka.version>\(.*\)</kafka.version>.*:\1:p' "$pom")
[ -n "$version" ] || die "no <kafka.version> in $pom"
# The pom's content is the cache key: any change to it resolves again.
pom_key=$(sha256sum "$pom" | cut -c1-12)
libs="$cache/kafka-$version-$pom_key/libs"

need() { command -v "$1" >/dev/null 2>&1 || die "$1 is not installed ($2)"; }

resolve() {
  if [ -f "$libs/.complete" ]; then return 0; fi
  need mvn 'Debian: apt-get install maven'
  need java 'Kafka 4 needs Java 17 or newer; Debian: apt-get install openjdk-17-jre-headless'
  say "resolving Kafka $version from Maven Central into $libs"
  local started tmp
  started=$(date +%s)
  tmp="$libs.tmp.$$"
  rm -rf "$tmp"
  mkdir -p "$tmp"
  # A private local repository inside the cache: no ~/.m2 needed, and CI keeps one folder.
  if ! mvn -q -B -f "$pom" -Dmaven.repo.local="$cache/m2" dependency:copy-dependencies \
    -DoutputDirectory="$tmp" -DincludeScope=runtime >"$tmp.log" 2>&1; then
    cat "$tmp.log" >&2
    rm -rf "$tmp" "$tmp.log"
    die "mvn could not resolve Kafka $version"
  fi
  rm -f "$tmp.log"
  rm -rf "$libs"
  mv "$tmp" "$libs"
  touch "$libs/.complete"
  say "resolved in $(($(date +%s) - started)) s ($(ls "$libs" | wc -l) jars)"
}

free_ports() {
  # N distinct free loopback ports (bound to port 0, then released).
  node -e '
    const net = require("node:net");
    const n = Number(process.argv[1]); const ports = []; const servers = [];
    (async () => {
      for (let i = 0; i < n; i++) {
        const s = net.createServer(); servers.push(s);
        await new Promise((r) => s.listen(0, "127.0.0.1", r));
        ports.push(s.address().port);
      }
      for (const s of servers) s.close();
      console.log(ports.join(" "));
    })();' "$1"
}

rand() { head -c "$1" /dev/urandom | od -An -tx1 | tr -d ' \n'; }

# The JVM options, with the heap given ($1).
java_opts() {
  echo "-Xms256m -Xmx$1 -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -Djava.awt.headless=true -XX:-UsePerfData"
}

# A cluster id as Kafka's own `random-uuid` makes (base64url); pass it as --cluster-id=… because
# one that starts with "-" (1 in 64) would otherwise be read as an option.
cluster_id() { head -c16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '='; }

# A log4j2 configuration (Kafka 4) that sends the broker's log to the file $2, written to $1.
write_log4j2() {
  cat >"$1" <<EOT
status = warn
appender.file.type = File
appender.file.name = FILE
appender.file.fileName = $2
appender.file.layout.type = PatternLayout
appender.file.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = INFO
rootLogger.appenderRef.file.ref = FILE
logger.state.name = state.change.logger
logger.state.level = WARN
logger.request.name = kafka.request.logger
logger.request.level = WARN
logger.authorizer.name = kafka.authorizer.logger
logger.authorizer.level = WARN
EOT
}
