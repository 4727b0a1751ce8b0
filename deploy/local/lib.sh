# Shared by infra.sh and services.sh (sourced, not run): folders under the cache, and stopping
# a process recorded in a pid file.

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
cache=${VORONKA_CACHE:-$root/.cache}
logs=$cache/logs
run=$cache/run

pid_alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

stop_pid() { # name pidfile: SIGTERM, up to 30 s for a clean exit, then SIGKILL
  local pidfile=$2
  pid_alive "$pidfile" || { rm -f "$pidfile"; return 0; }
  local pid; pid=$(cat "$pidfile")
  say "stopping $1 (pid $pid)"
  kill -TERM "$pid" 2>/dev/null || true
  local deadline=$((SECONDS + 30))
  while kill -0 "$pid" 2>/dev/null && [ $SECONDS -lt $deadline ]; do sleep 0.2; done
  kill -0 "$pid" 2>/dev/null && { say "$1 ignored SIGTERM; killing"; kill -KILL "$pid" 2>/dev/null || true; }
  rm -f "$pidfile"
}
