#!/usr/bin/env bash
# Starts every Voronka service as its own process (logs and pids under .cache), prints where
# each listens, and stops them on Ctrl-C. `services.sh stop` stops what an earlier run left.
set -euo pipefail

# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
uv=${UV:-uv}
services=(leads deals notifications reporting)
declare -A ports=([leads]=8001 [deals]=8002 [notifications]=8003 [reporting]=8004)

say() { printf 'run: %s\n' "$*" >&2; }

stop_services() {
  for service in "${services[@]}"; do stop_pid "$service" "$run/$service.pid"; done
}

wait_ready() { # service port
  local deadline=$((SECONDS + 60))
  until curl -fsS "http://127.0.0.1:$2/readyz" >/dev/null 2>&1; do
    if ! kill -0 "$(cat "$run/$1.pid")" 2>/dev/null; then
      say "$1 exited; last lines of $logs/$1.log:"; tail -n 20 "$logs/$1.log" >&2; return 1
    fi
    [ $SECONDS -lt $deadline ] || { say "$1 not ready after 60s (log: $logs/$1.log)"; return 1; }
    sleep 0.3
  done
}

start_services() {
  mkdir -p "$run" "$logs"
  eval "$("$here/infra.sh" env)"
  export KAFKA_BOOTSTRAP_SERVERS MONGODB_URL
  # `make demo` compresses a month by moving this local run's clock forward (seconds of offset).
  export VORONKA_CLOCK_OFFSET_FILE="$run/clock-offset"
  # A developer's webhook receiver listens on this machine; deployments keep this off.
  export NOTIFICATIONS_WEBHOOK_PRIVATE_TARGETS="${NOTIFICATIONS_WEBHOOK_PRIVATE_TARGETS:-true}"
  [ -f "$VORONKA_CLOCK_OFFSET_FILE" ] || echo 0 >"$VORONKA_CLOCK_OFFSET_FILE"
  for service in "${services[@]}"; do
    if pid_alive "$run/$service.pid"; then
      say "$service already runs"; continue
    fi
    setsid $uv run --frozen --no-sync python -m "$service" >>"$logs/$service.log" 2>&1 </dev/null &
    echo $! >"$run/$service.pid"
  done
  for service in "${services[@]}"; do wait_ready "$service" "${ports[$service]}"; done
  $uv run --frozen --no-sync python "$here/seed.py" || say "sample data not loaded (see above)"
  echo
  echo "Voronka is running:"
  printf '  %-14s %s\n' "Kafka" "$KAFKA_BOOTSTRAP_SERVERS" "MongoDB" "$MONGODB_URL"
  for service in "${services[@]}"; do
    printf '  %-14s http://127.0.0.1:%s/docs   (ready: /readyz, metrics: /metrics)\n' \
      "$service" "${ports[$service]}"
  done
  printf '  %-14s http://127.0.0.1:%s/dashboard\n' "dashboard" "${ports[reporting]}"
  echo "  logs           $logs/"
  echo
  echo "A month of sales, compressed: 'make demo' in another shell."
  echo
  echo "Ctrl-C (or 'make stop' from another shell) stops everything."
}

case "${1:-start}" in
  start)
    mkdir -p "$run"
    echo $$ >"$run/supervisor.pid"
    trap 'stop_services; "$here/infra.sh" down; rm -f "$run/supervisor.pid"; exit 0' INT TERM
    start_services
    while true; do sleep 1 & wait $!; done
    ;;
  stop)
    stop_services
    if [ -f "$run/supervisor.pid" ]; then  # the `make run` still waiting in its terminal
      kill -TERM "$(cat "$run/supervisor.pid")" 2>/dev/null || true
      rm -f "$run/supervisor.pid"
    fi
    ;;
  *) echo "usage: $0 [start|stop]" >&2; exit 2 ;;
esac
