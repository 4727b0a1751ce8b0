#!/bin/sh
# Reads the broker's settings the way the apache/kafka image does: every KAFKA_FOO_BAR
# variable becomes foo.bar in server.properties (KAFKA_HEAP_OPTS and CLUSTER_ID aside),
# formats the storage on the first start, then runs the broker as PID 1.
set -eu
data=${KAFKA_LOG_DIRS:-/var/lib/kafka/data}
conf=/tmp/server.properties
: >"$conf"
env | grep '^KAFKA_' | while IFS='=' read -r name value; do
  case "$name" in KAFKA_HEAP_OPTS|KAFKA_LOG_DIRS) continue ;; esac
  key=$(printf '%s' "${name#KAFKA_}" | tr '[:upper:]' '[:lower:]' | sed 's/___/-/g; s/__/@/g; s/_/./g; s/@/_/g')
  printf '%s=%s\n' "$key" "$value" >>"$conf"
done
echo "log.dirs=$data" >>"$conf"
cp='/opt/kafka/lib/*'
if [ ! -f "$data/meta.properties" ]; then
  java -cp "$cp" kafka.tools.StorageTool format -t "${CLUSTER_ID:-$(java -cp "$cp" kafka.tools.StorageTool random-uuid)}" \
    -c "$conf" --ignore-formatted
fi
# shellcheck disable=SC2086
exec java ${KAFKA_HEAP_OPTS:--Xms256m -Xmx512m} -XX:+UseG1GC -cp "$cp" kafka.Kafka "$conf"
