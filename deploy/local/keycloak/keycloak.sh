#!/usr/bin/env bash
# Starts and stops a local Keycloak (from Maven Central) that signs people in for `make run`:
# realm `voronka` from voronka-realm.json (the sample team, its roles, the client `voronka-cli`).
# Local development only: the users' password is in the realm file and the README.
# Download, data (dev-file storage) and log live under $VORONKA_CACHE (default: <repo>/.cache).
# Usage: keycloak.sh up|down|status|env
set -euo pipefail

# shellcheck source=SCRIPTDIR/../lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
version=26.7.3
sha256=77657f30b7e90d70f727712ce1c967f430fd6a5e9f458d32d8c6df0635345f47  # the .tar.gz
port=${VORONKA_KEYCLOAK_PORT:-8180}
wait_seconds=${VORONKA_KEYCLOAK_WAIT_SECONDS:-120}
home=$cache/keycloak/keycloak-$version
realm_file=$here/keycloak/voronka-realm.json
pidfile=$run/keycloak.pid
log=$logs/keycloak.log
issuer=http://127.0.0.1:$port/realms/voronka

say() { printf 'keycloak: %s\n' "$*" >&2; }

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

realm_answers() { curl -fsS -o /dev/null --max-time 2 "$issuer/.well-known/openid-configuration" 2>/dev/null; }

java_feature() { # java binary: its feature release (17, 21, 25…), or nothing
  "$1" -XshowSettings:properties -version 2>&1 \
    | sed -n 's/^ *java\.specification\.version = \([0-9]*\).*/\1/p' | head -n 1
}

find_java_home() { # prints a Java home >= 21: VORONKA_KEYCLOAK_JAVA_HOME, JAVA_HOME, /usr/lib/jvm, PATH
  local candidates=() candidate feature on_path
  [ -n "${VORONKA_KEYCLOAK_JAVA_HOME:-}" ] && candidates+=("$VORONKA_KEYCLOAK_JAVA_HOME")
  [ -n "${JAVA_HOME:-}" ] && candidates+=("$JAVA_HOME")
  candidates+=(/usr/lib/jvm/temurin-25-jdk-amd64)
  while IFS= read -r candidate; do candidates+=("$candidate"); done \
    < <(find /usr/lib/jvm -mindepth 1 -maxdepth 1 -type d 2>/dev/null | sort -rV)
  if on_path=$(command -v java 2>/dev/null); then
    candidates+=("$(dirname "$(dirname "$(readlink -f "$on_path")")")")
  fi
  for candidate in "${candidates[@]}"; do
    [ -x "$candidate/bin/java" ] || continue
    feature=$(java_feature "$candidate/bin/java")
    if [ -n "$feature" ] && [ "$feature" -ge 21 ]; then echo "$candidate"; return 0; fi
  done
  return 1
}

ensure_keycloak() { # the distribution, once: Maven (strict checksums), then the pinned SHA-256
  local stamp=$cache/keycloak/dist.stamp want="$version $sha256" download=$cache/keycloak/download
  if [ -x "$home/bin/kc.sh" ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then return; fi
  command -v mvn >/dev/null 2>&1 || { say "Maven is needed to fetch Keycloak (apt-get install maven)"; return 1; }
  say "fetching Keycloak $version from Maven Central (first time only, 176 MB)"
  rm -rf "$download" "$home" && mkdir -p "$download"
  if ! mvn -B -q -C -Dmaven.repo.local="$cache/m2" dependency:copy \
      -Dartifact="org.keycloak:keycloak-quarkus-dist:$version:tar.gz" -DoutputDirectory="$download" \
      >"$logs/keycloak-fetch.log" 2>&1; then
    tail -n 20 "$logs/keycloak-fetch.log" >&2; say "Maven could not fetch Keycloak"; return 1
  fi
  local archive=$download/keycloak-quarkus-dist-$version.tar.gz
  if ! echo "$sha256  $archive" | sha256sum --check --quiet - >/dev/null 2>&1; then
    rm -rf "$download" "$cache/m2/org/keycloak/keycloak-quarkus-dist/$version"
    say "the downloaded Keycloak is not the one pinned here (SHA-256 differs); removed it"; return 1
  fi
  tar -xzf "$archive" -C "$cache/keycloak" || { say "unpacking Keycloak failed"; return 1; }
  rm -rf "$download"  # Maven's copy under m2/ stays as the download cache
  echo "$want" >"$stamp"
}

install_realm() { # Keycloak imports a realm only if it is missing: a changed file starts afresh
  local stamp=$home/data/realm.stamp want
  want=$(sha256sum "$realm_file" | cut -c1-16)
  mkdir -p "$home/data/import"
  cp "$realm_file" "$home/data/import/voronka-realm.json"
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then return; fi
  [ -d "$home/data/h2" ] && say "voronka-realm.json changed: Keycloak's local data starts afresh"
  rm -rf "$home/data/h2"
  echo "$want" >"$stamp"
}

cmd_up() { # exit 0 once the realm answers; 1 with one line saying why not
  mkdir -p "$logs" "$run" "$cache/keycloak"
  if pid_alive "$pidfile" && realm_answers; then say "Keycloak already runs (pid $(cat "$pidfile"))"; return; fi
  if realm_answers; then say "a Keycloak with realm voronka already answers on 127.0.0.1:$port; using it"; return; fi
  if port_open "$port"; then say "something else listens on 127.0.0.1:$port (VORONKA_KEYCLOAK_PORT)"; return 1; fi
  local java_home
  java_home=$(find_java_home) || { say "Keycloak needs Java 21 or newer (VORONKA_KEYCLOAK_JAVA_HOME)"; return 1; }
  ensure_keycloak || return 1
  install_realm
  say "starting Keycloak $version on 127.0.0.1:$port with $java_home (log: $log)"
  local started=$SECONDS
  # The temporary admin of Keycloak's own console (master realm) is created on the first start only.
  JAVA_HOME=$java_home KC_BOOTSTRAP_ADMIN_USERNAME=kc-admin \
    KC_BOOTSTRAP_ADMIN_PASSWORD=voronka-local-dev \
    setsid nohup "$home/bin/kc.sh" start-dev --db=dev-file --import-realm \
    --http-host=127.0.0.1 --http-port="$port" --hostname="http://127.0.0.1:$port" \
    >>"$log" 2>&1 </dev/null &
  echo $! >"$pidfile"
  local deadline=$((SECONDS + wait_seconds))
  until realm_answers; do
    if ! pid_alive "$pidfile"; then
      tail -n 20 "$log" >&2; rm -f "$pidfile"; say "Keycloak exited during start (log: $log)"; return 1
    fi
    if [ $SECONDS -ge $deadline ]; then
      cmd_down; say "Keycloak was not ready within ${wait_seconds}s (log: $log)"; return 1
    fi
    sleep 0.5
  done
  say "ready in $((SECONDS - started))s: $issuer"
}

cmd_down() {
  local pid
  pid_alive "$pidfile" || { rm -f "$pidfile"; return 0; }
  pid=$(cat "$pidfile")
  stop_pid Keycloak "$pidfile"
  # kc.sh forwards SIGTERM to its java; should kc.sh have been killed, its session goes too.
  if kill -0 -- "-$pid" 2>/dev/null; then kill -KILL -- "-$pid" 2>/dev/null || true; fi
}

cmd_status() {
  if pid_alive "$pidfile"; then echo "keycloak: running (pid $(cat "$pidfile"))"; else echo "keycloak: stopped"; fi
}

cmd_env() { # what the services need to verify this realm's tokens
  echo "OIDC_ISSUER=$issuer"
  echo "OIDC_AUDIENCE=voronka"
  echo "OIDC_PERSON_CLAIM=voronka_id"
}

case "${1:-}" in
  up) cmd_up ;;
  down) cmd_down ;;
  status) cmd_status ;;
  env) cmd_env ;;
  *) echo "usage: $0 up|down|status|env" >&2; exit 2 ;;
esac
