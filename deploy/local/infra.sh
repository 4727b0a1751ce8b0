#!/usr/bin/env bash
# Starts and stops Voronka's local infrastructure: Apache Kafka (KRaft, from Maven Central)
# and FerretDB v1 with SQLite (built from the Go module proxy), both on loopback.
# Downloads, builds, data and logs live under $VORONKA_CACHE (default: <repo>/.cache).
# Usage: infra.sh up|down|status|env|artifacts (artifacts: fetch and build only, start nothing;
# `make images` puts them into the Kafka and FerretDB images)
set -euo pipefail

# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
kafka_port=${VORONKA_KAFKA_PORT:-9092}
controller_port=${VORONKA_KAFKA_CONTROLLER_PORT:-9093}
mongo_port=${VORONKA_MONGO_PORT:-27017}
wait_seconds=${VORONKA_INFRA_WAIT_SECONDS:-120}

say() { printf 'infra: %s\n' "$*" >&2; }
die() { say "error: $*"; exit 1; }

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

wait_for_port() { # name port pidfile log
  local deadline=$((SECONDS + wait_seconds))
  until port_open "$2"; do
    if ! pid_alive "$3"; then
      say "$1 exited during start; last lines of $4:"; tail -n 20 "$4" >&2 || true; exit 1
    fi
    [ $SECONDS -lt $deadline ] || die "$1 did not open port $2 within ${wait_seconds}s (log: $4)"
    sleep 0.5
  done
}

need() { command -v "$1" >/dev/null 2>&1 || die "'$1' is not installed: $2"; }

hash_of() { sha256sum "$@" | sha256sum | cut -c1-16; }

ensure_kafka_libs() {
  local stamp=$cache/kafka/lib.stamp want
  want=$(hash_of "$here/kafka/pom.xml")
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then return; fi
  need java "Kafka needs Java 17 (apt-get install openjdk-17-jre-headless)"
  need mvn "Kafka's jars come from Maven Central through Maven (apt-get install maven)"
  say "fetching Apache Kafka from Maven Central"
  rm -rf "$cache/kafka/lib"
  mvn -B -q -f "$here/kafka/pom.xml" -Dmaven.repo.local="$cache/m2" \
    dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory="$cache/kafka/lib" \
    >"$logs/kafka-fetch.log" 2>&1 || { tail -n 30 "$logs/kafka-fetch.log" >&2; die "Maven could not fetch Kafka"; }
  echo "$want" >"$stamp"
}

write_kafka_config() {
  cat >"$cache/kafka/server.properties" <<PROPS
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$controller_port
listeners=PLAINTEXT://127.0.0.1:$kafka_port,CONTROLLER://127.0.0.1:$controller_port
advertised.listeners=PLAINTEXT://127.0.0.1:$kafka_port
controller.listener.names=CONTROLLER
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
inter.broker.listener.name=PLAINTEXT
log.dirs=$cache/kafka/data
num.partitions=3
default.replication.factor=1
min.insync.replicas=1
offsets.topic.replication.factor=1
offsets.topic.num.partitions=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
transaction.state.log.num.partitions=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0
log.cleaner.dedupe.buffer.size=8388608
auto.create.topics.enable=true
delete.topic.enable=true
PROPS
}

kafka_up() {
  local pidfile=$run/kafka.pid log=$logs/kafka.log
  if pid_alive "$pidfile" && port_open "$kafka_port"; then say "Kafka already runs (pid $(cat "$pidfile"))"; return; fi
  if port_open "$kafka_port"; then say "something already listens on 127.0.0.1:$kafka_port; using it as Kafka"; return; fi
  ensure_kafka_libs
  need java "Kafka needs Java 17 (apt-get install openjdk-17-jre-headless)"
  mkdir -p "$cache/kafka/data"
  write_kafka_config
  local cp="$cache/kafka/lib/*"
  if [ ! -f "$cache/kafka/data/meta.properties" ]; then
    local cluster_id
    cluster_id=$(java -cp "$cp" kafka.tools.StorageTool random-uuid 2>>"$log")
    java -cp "$cp" kafka.tools.StorageTool format -t "$cluster_id" \
      -c "$cache/kafka/server.properties" --ignore-formatted >>"$log" 2>&1 \
      || { tail -n 20 "$log" >&2; die "formatting Kafka storage failed"; }
  fi
  say "starting Kafka on 127.0.0.1:$kafka_port (log: $log)"
  KAFKA_HEAP_OPTS= setsid nohup java -Xms256m -Xmx512m -XX:+UseG1GC \
    -Dorg.slf4j.simpleLogger.defaultLogLevel=warn \
    -cp "$cp" kafka.Kafka "$cache/kafka/server.properties" >>"$log" 2>&1 </dev/null &
  echo $! >"$pidfile"
}

ensure_ferretdb_binary() {
  local bin=$cache/ferretdb/voronka-ferretdb stamp=$cache/ferretdb/bin.stamp want
  local patch=$here/ferretdb/sqlite-pushdown.patch build=$cache/ferretdb/build
  want=$(hash_of "$here/ferretdb/go.mod" "$here/ferretdb/go.sum" "$here"/ferretdb/*.go "$patch")
  if [ -x "$bin" ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then return; fi
  need go "FerretDB is built from the Go module proxy (Go >= 1.24)"
  say "building FerretDB v1 (first time only, about a minute)"
  # Built from a vendored copy so one file can carry our patch; the module cache stays untouched.
  rm -rf "$build" && mkdir -p "$build" && cp "$here"/ferretdb/{go.mod,go.sum,*.go} "$build/"
  (cd "$build" && export GOFLAGS=-modcacherw GOMODCACHE="$cache/gomod" GOCACHE="$cache/gocache" \
    && go mod vendor \
    && patch --quiet -p1 -d vendor/github.com/FerretDB/FerretDB <"$patch" \
    && go build -mod=vendor -trimpath -o "$bin" .) >"$logs/ferretdb-build.log" 2>&1 \
    || { tail -n 30 "$logs/ferretdb-build.log" >&2; die "building FerretDB failed"; }
  echo "$want" >"$stamp"
}

ferretdb_up() {
  local pidfile=$run/ferretdb.pid log=$logs/ferretdb.log
  if pid_alive "$pidfile" && port_open "$mongo_port"; then say "FerretDB already runs (pid $(cat "$pidfile"))"; return; fi
  if port_open "$mongo_port"; then say "something already listens on 127.0.0.1:$mongo_port; using it as MongoDB"; return; fi
  ensure_ferretdb_binary
  mkdir -p "$cache/ferretdb/data"
  say "starting FerretDB on 127.0.0.1:$mongo_port (log: $log)"
  setsid nohup "$cache/ferretdb/voronka-ferretdb" --listen-addr="127.0.0.1:$mongo_port" \
    --sqlite-url="file:$cache/ferretdb/data/?_pragma=synchronous(normal)" \
    ${VORONKA_FERRETDB_STATS:+--stats-every="$VORONKA_FERRETDB_STATS"} >>"$log" 2>&1 </dev/null &
  echo $! >"$pidfile"
}

docker_answers() { command -v docker >/dev/null 2>&1 && timeout 5 docker info >/dev/null 2>&1; }

cmd_up() {
  mkdir -p "$logs" "$run" "$cache/kafka" "$cache/ferretdb"
  if [ "${VORONKA_INFRA:-auto}" != local ] && docker_answers; then
    say "a Docker engine answers: starting deploy/compose/infra.yml"
    docker compose -f "$root/deploy/compose/infra.yml" up -d --wait
    cmd_env; return
  fi
  kafka_up
  ferretdb_up
  [ -f "$run/kafka.pid" ] && wait_for_port Kafka "$kafka_port" "$run/kafka.pid" "$logs/kafka.log"
  [ -f "$run/ferretdb.pid" ] && wait_for_port FerretDB "$mongo_port" "$run/ferretdb.pid" "$logs/ferretdb.log"
  say "ready: Kafka 127.0.0.1:$kafka_port, MongoDB protocol 127.0.0.1:$mongo_port; logs in $logs"
  cmd_env
}

cmd_down() {
  if [ "${VORONKA_INFRA:-auto}" != local ] && docker_answers && [ -f "$root/deploy/compose/infra.yml" ]; then
    docker compose -f "$root/deploy/compose/infra.yml" down || true
  fi
  stop_pid FerretDB "$run/ferretdb.pid"
  stop_pid Kafka "$run/kafka.pid"
}

cmd_status() {
  for name in kafka ferretdb; do
    if pid_alive "$run/$name.pid"; then echo "$name: running (pid $(cat "$run/$name.pid"))"; else echo "$name: stopped"; fi
  done
}

cmd_env() {
  echo "KAFKA_BOOTSTRAP_SERVERS=127.0.0.1:$kafka_port"
  echo "MONGODB_URL=mongodb://127.0.0.1:$mongo_port/"
}

case "${1:-}" in
  up) cmd_up ;;
  down) cmd_down ;;
  status) cmd_status ;;
  env) cmd_env ;;
  artifacts) mkdir -p "$logs" "$cache/kafka" "$cache/ferretdb"; ensure_kafka_libs; ensure_ferretdb_binary ;;
  *) echo "usage: $0 up|down|status|env|artifacts" >&2; exit 2 ;;
esac
