#!/usr/bin/env bash
# `make compose-up`, `make compose-down`, `make compose-smoke`: deploy/compose/podman.yml
# under podman-compose (from PyPI, run by uv as a tool; not a project dependency), with the
# runtime and rlimits of deploy/images/podman.sh (ADR 0038).
#   up     start the stack from the images `make images` built; wait until every service's
#          /readyz answers 200 (VORONKA_COMPOSE_WAIT_SECONDS, default 240)
#   down   remove every container, volume and network of the stack, then check that none is
#          left and that nothing listens on its ports
#   smoke  up, tests/compose against it, down (whatever the tests said); exit 1 if any failed
set -euo pipefail
say_as=compose
# shellcheck source=deploy/images/podman.sh
source "$(dirname "${BASH_SOURCE[0]}")/../images/podman.sh"
file=$root/deploy/compose/podman.yml
project=voronka
wait_seconds=${VORONKA_COMPOSE_WAIT_SECONDS:-240}
compose_version=${VORONKA_PODMAN_COMPOSE_VERSION:-1.6.0}
port_base=${VORONKA_COMPOSE_PORT_BASE:-8000}
export VORONKA_COMPOSE_PORT_LEADS=$((port_base + 1)) VORONKA_COMPOSE_PORT_DEALS=$((port_base + 2))
export VORONKA_COMPOSE_PORT_NOTIFICATIONS=$((port_base + 3)) VORONKA_COMPOSE_PORT_REPORTING=$((port_base + 4))
export VORONKA_COMPOSE_KAFKA_PORT=${VORONKA_COMPOSE_KAFKA_PORT:-29092}
ports=("$VORONKA_COMPOSE_PORT_LEADS" "$VORONKA_COMPOSE_PORT_DEALS" "$VORONKA_COMPOSE_PORT_NOTIFICATIONS"
  "$VORONKA_COMPOSE_PORT_REPORTING" "$VORONKA_COMPOSE_KAFKA_PORT")
services=(leads deals notifications reporting)

uv_cmd() { if command -v uv >/dev/null 2>&1; then uv "$@"; else python3 -m uv "$@"; fi; }

compose() {
  uv_cmd tool run --quiet --from "podman-compose==$compose_version" podman-compose \
    --project-name "$project" -f "$file" "$@"
}

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

need_images() {
  local image missing=()
  for image in localhost/voronka-kafka:local localhost/voronka-ferretdb:local "$base_image" \
    voronka/leads:local voronka/deals:local voronka/notifications:local voronka/reporting:local; do
    podman image exists "$image" || missing+=("$image")
  done
  [ ${#missing[@]} -eq 0 ] || die "missing image(s): ${missing[*]}; run: make images"
}

leftovers() { # prints what of the stack is still there, one line each
  podman ps -a --filter "label=io.podman.compose.project=$project" --format 'container {{.Names}}'
  podman volume ls --filter "label=io.podman.compose.project=$project" --format 'volume {{.Name}}'
  podman network ls --format '{{.Name}}' | grep -x "${project}_default" | sed 's/^/network /' || true
  local port
  for port in "${ports[@]}"; do port_open "$port" && echo "listener 127.0.0.1:$port"; done
  return 0
}

cmd_up() {
  need_podman
  need_images
  local port busy=()
  for port in "${ports[@]}"; do port_open "$port" && busy+=("$port"); done
  [ ${#busy[@]} -eq 0 ] || die "127.0.0.1 port(s) ${busy[*]} already in use (make stop, make compose-down, or VORONKA_COMPOSE_PORT_BASE=8100)"
  local start=$SECONDS log=$images_cache/compose-up.log
  say "starting deploy/compose/podman.yml (log: $log)"
  compose up -d --no-build >"$log" 2>&1 \
    || { tail -n 30 "$log" >&2; die "podman-compose up failed; see $log, then: make compose-down"; }
  local deadline=$((SECONDS + wait_seconds)) pending=("${services[@]}") i
  while [ ${#pending[@]} -gt 0 ]; do
    local still=()
    for i in "${!services[@]}"; do
      [[ " ${pending[*]} " == *" ${services[$i]} "* ]] || continue
      local p=$((port_base + i + 1))
      python3 -c "import sys,urllib.request; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:$p/readyz', timeout=3).status == 200 else 1)" \
        >/dev/null 2>&1 || still+=("${services[$i]}")
    done
    pending=("${still[@]+"${still[@]}"}")
    [ ${#pending[@]} -eq 0 ] && break
    if [ $SECONDS -ge $deadline ]; then
      for i in "${pending[@]}"; do say "last lines of $i:"; podman logs --tail 15 "${project}_${i}_1" >&2 || true; done
      die "not ready within ${wait_seconds}s: ${pending[*]}; run: make compose-down"
    fi
    sleep 2
  done
  say "ready in $((SECONDS - start)) s: leads :$VORONKA_COMPOSE_PORT_LEADS, deals :$VORONKA_COMPOSE_PORT_DEALS, notifications :$VORONKA_COMPOSE_PORT_NOTIFICATIONS, reporting :$VORONKA_COMPOSE_PORT_REPORTING, Kafka 127.0.0.1:$VORONKA_COMPOSE_KAFKA_PORT"
}

cmd_down() {
  need_podman
  local start=$SECONDS log=$images_cache/compose-down.log
  compose down -v -t 20 >"$log" 2>&1 || { tail -n 20 "$log" >&2; say "podman-compose down failed; removing by label"; }
  # Whatever podman-compose did not remove (a container it no longer knows of), by label.
  podman ps -aq --filter "label=io.podman.compose.project=$project" | xargs -r podman rm -f -t 10 >/dev/null
  podman volume ls -q --filter "label=io.podman.compose.project=$project" | xargs -r podman volume rm -f >/dev/null
  podman network exists "${project}_default" && podman network rm -f "${project}_default" >/dev/null
  local left
  left=$(leftovers)
  [ -z "$left" ] || die "left behind after down: $(echo "$left" | paste -sd, -)"
  say "down in $((SECONDS - start)) s: no container, volume, network or listener of the stack is left"
}

cmd_smoke() {
  local rc=0 start=$SECONDS
  cmd_up || { cmd_down || true; exit 1; }
  VORONKA_COMPOSE_PORT_BASE=$port_base \
    uv_cmd run --frozen --no-sync pytest -p no:cacheprovider "$root/tests/compose" || rc=$?
  cmd_down || rc=1
  say "smoke took $((SECONDS - start)) s (up, tests, down); exit $rc"
  return $rc
}

case "${1:-}" in
  up) cmd_up ;;
  down) cmd_down ;;
  smoke) cmd_smoke ;;
  status) need_podman; compose ps ;;
  *) echo "usage: $0 up|down|smoke|status" >&2; exit 2 ;;
esac
