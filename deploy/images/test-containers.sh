#!/usr/bin/env bash
# `make test-containers`: the test suite with its Kafka and MongoDB-protocol server started by
# testcontainers through Podman's Docker-compatible socket (`podman system service`), ADR 0039.
# No registry is reachable here, so the containers are the Kafka and FerretDB images
# `make images` builds (built here first if missing; cached layers make that seconds after).
# Arguments go to pytest (default: the whole suite, as `make test` runs it). Afterwards the
# socket's service is stopped, and a container left behind is removed and fails the run.
set -euo pipefail
say_as=test-containers
# shellcheck source=deploy/images/podman.sh
source "$(dirname "${BASH_SOURCE[0]}")/podman.sh"
sock=$cache/run/podman-test.sock
service_log=$cache/logs/podman-service.log
service_pid=

read -ra uv <<<"${UV:-uv}" # the Makefile's: uv, or python3 -m uv

leftovers() { podman ps -aq --filter label=org.testcontainers=true; }

# shellcheck disable=SC2317 # called by the EXIT trap
stop_service() {
  [ -n "$service_pid" ] && kill "$service_pid" 2>/dev/null && wait "$service_pid" 2>/dev/null
  rm -f "$sock"
}

start_service() {
  mkdir -p "$(dirname "$sock")" "$(dirname "$service_log")"
  rm -f "$sock"
  say "podman system service on unix://$sock (log: $service_log)"
  podman system service --time=0 "unix://$sock" >"$service_log" 2>&1 &
  service_pid=$!
  local deadline=$((SECONDS + 30))
  until [ "$(curl -s --max-time 2 --unix-socket "$sock" http://podman/_ping 2>/dev/null)" = OK ]; do
    kill -0 "$service_pid" 2>/dev/null || { tail -n 20 "$service_log" >&2; die "podman system service exited"; }
    [ $SECONDS -lt $deadline ] || die "podman's socket did not answer within 30 s (log: $service_log)"
    sleep 0.2
  done
}

need_podman
command -v curl >/dev/null 2>&1 || die "curl is not installed: apt-get install -y curl"
bash "$root/deploy/local/infra.sh" artifacts
bash "$here_images/build.sh" base
bash "$here_images/build.sh" kafka
bash "$here_images/build.sh" ferretdb
[ -z "$(leftovers)" ] || die "testcontainers' containers from an earlier run are still there: podman rm -f \$(podman ps -aq --filter label=org.testcontainers=true)"
trap stop_service EXIT
start_service
start=$SECONDS
status=0
# Ryuk (testcontainers' reaper) is an image from a registry: off; this script reaps instead.
# /.dockerenv exists on this kind of machine, which would make testcontainers dial a gateway.
env -u KAFKA_BOOTSTRAP_SERVERS -u MONGODB_URL \
  DOCKER_HOST="unix://$sock" TESTCONTAINERS_RYUK_DISABLED=true \
  TESTCONTAINERS_CONNECTION_MODE=docker_host VORONKA_INFRA=containers \
  VORONKA_TEST_KAFKA_IMAGE=localhost/voronka-kafka:local \
  VORONKA_TEST_MONGO_IMAGE=localhost/voronka-ferretdb:local \
  "${uv[@]}" run --frozen --no-sync pytest "$@" || status=$?
say "pytest took $((SECONDS - start)) s (exit $status)"
left=$(leftovers)
if [ -n "$left" ]; then
  # shellcheck disable=SC2086 # one id a word
  podman rm -f -v $left >/dev/null
  die "testcontainers left container(s) behind (removed now): $(echo "$left" | tr '\n' ' ')"
fi
exit "$status"
