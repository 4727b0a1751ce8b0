#!/usr/bin/env bash
# Starts every Voronka service as its own process (logs and pids under .cache), prints where
# each listens, and stops them on Ctrl-C. `services.sh stop` stops what an earlier run left.
# Sign-in: a local Keycloak (keycloak/keycloak.sh) starts first when it can, and the API is then
# closed: people bring its tokens, seed.py and the demo a local key. Without it the API is open.
# VORONKA_KEYCLOAK=off skips it.
set -euo pipefail

# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
uv=${UV:-uv}
services=(leads deals notifications reporting)
declare -A ports=([leads]=8001 [deals]=8002 [notifications]=8003 [reporting]=8004)
keycloak=$here/keycloak/keycloak.sh
door_port=${VORONKA_DASHBOARD_DOOR_PORT:-8014}
signed_in=false

say() { printf 'run: %s\n' "$*" >&2; }

stop_services() {
  stop_pid "dashboard door" "$run/dashboard-door.pid"
  for service in "${services[@]}"; do stop_pid "$service" "$run/$service.pid"; done
}

local_key() { # file: a random key made once, readable by its owner only; prints its SHA-256
  [ -s "$1" ] || (umask 077 && head -c 32 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n' >"$1")
  chmod 600 "$1"
  tr -d '\n' <"$1" | sha256sum | cut -d' ' -f1
}

start_identity() { # Keycloak, then the variables closing the API; or one line and an open API
  if [ "${VORONKA_KEYCLOAK:-on}" = off ]; then say "VORONKA_KEYCLOAK=off: no sign-in, the API is open"; return; fi
  if ! "$keycloak" up; then
    say "Keycloak did not start (see above): going on without sign-in, the API is open"; return
  fi
  eval "$("$keycloak" env)"
  export OIDC_ISSUER OIDC_AUDIENCE OIDC_PERSON_CLAIM
  # Two local keys: every scope for seed.py, the demo and your curl; reading reports for the door.
  API_KEYS=$(printf '[{"id":"local-dev","sha256":"%s","scopes":["*"]},%s]' "$(local_key "$run/api-key")" \
    "$(printf '{"id":"dashboard-door","sha256":"%s","scopes":["reporting:read"]}' "$(local_key "$run/dashboard-key")")")
  export API_KEYS VORONKA_API_KEY_FILE="$run/api-key"
  signed_in=true
}

start_dashboard_door() {
  pid_alive "$run/dashboard-door.pid" && return
  VORONKA_DASHBOARD_KEY_FILE="$run/dashboard-key" VORONKA_DASHBOARD_DOOR_PORT=$door_port \
    VORONKA_DASHBOARD_UPSTREAM="http://127.0.0.1:${ports[reporting]}" \
    setsid $uv run --frozen --no-sync python "$here/keycloak/dashboard_door.py" \
    >>"$logs/dashboard-door.log" 2>&1 </dev/null &
  echo $! >"$run/dashboard-door.pid"
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
  start_identity
  for service in "${services[@]}"; do
    if pid_alive "$run/$service.pid"; then
      say "$service already runs"; continue
    fi
    setsid $uv run --frozen --no-sync python -m "$service" >>"$logs/$service.log" 2>&1 </dev/null &
    echo $! >"$run/$service.pid"
  done
  for service in "${services[@]}"; do wait_ready "$service" "${ports[$service]}"; done
  [ "$signed_in" = true ] && start_dashboard_door
  $uv run --frozen --no-sync python "$here/seed.py" || say "sample data not loaded (see above)"
  echo
  echo "Voronka is running:"
  printf '  %-14s %s\n' "Kafka" "$KAFKA_BOOTSTRAP_SERVERS" "MongoDB" "$MONGODB_URL"
  for service in "${services[@]}"; do
    printf '  %-14s http://127.0.0.1:%s/docs   (ready: /readyz, metrics: /metrics)\n' \
      "$service" "${ports[$service]}"
  done
  if [ "$signed_in" = true ]; then
    printf '  %-14s http://127.0.0.1:%s/dashboard   (local door, no sign-in: reads reports only)\n' \
      "dashboard" "$door_port"
    printf '  %-14s %s   (people and their password: README, "Signing in locally")\n' \
      "Keycloak" "$OIDC_ISSUER"
    echo "  logs           $logs/"
    echo
    echo "Sign-in is on: every API call needs a credential."
    echo "  a person:  curl -H \"Authorization: Bearer \$(make -s token ROLE=manager)\" http://127.0.0.1:8001/v1/leads"
    echo "  all scopes: the local key in $run/api-key (seed.py and 'make demo' send it)"
  else
    printf '  %-14s http://127.0.0.1:%s/dashboard\n' "dashboard" "${ports[reporting]}"
    echo "  logs           $logs/"
    echo
    echo "No sign-in: the API is open (local development only)."
  fi
  echo
  echo "A month of sales, compressed: 'make demo' in another shell."
  echo
  echo "Ctrl-C (or 'make stop' from another shell) stops everything."
}

case "${1:-start}" in
  start)
    mkdir -p "$run"
    echo $$ >"$run/supervisor.pid"
    trap 'stop_services; "$keycloak" down; "$here/infra.sh" down; rm -f "$run/supervisor.pid"; exit 0' INT TERM
    start_services
    while true; do sleep 1 & wait $!; done
    ;;
  stop)
    stop_services
    "$keycloak" down
    if [ -f "$run/supervisor.pid" ]; then  # the `make run` still waiting in its terminal
      kill -TERM "$(cat "$run/supervisor.pid")" 2>/dev/null || true
      rm -f "$run/supervisor.pid"
    fi
    ;;
  *) echo "usage: $0 [start|stop]" >&2; exit 2 ;;
esac
