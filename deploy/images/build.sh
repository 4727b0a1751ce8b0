#!/usr/bin/env bash
# `make images`: every image of the compose stack, built on this machine from Debian's
# packages and PyPI, with no container registry (ADR 0038):
#   localhost/voronka-base:bookworm   Debian bookworm + python3.11 (mmdebstrap, podman import)
#   voronka/{leads,deals,notifications,reporting}:local   deploy/docker/Dockerfile on that base
#   localhost/voronka-kafka:local     the Kafka jars `make infra-up` fetched (.cache/kafka/lib)
#   localhost/voronka-ferretdb:local  the FerretDB binary `make infra-up` built (.cache/ferretdb)
# Usage: build.sh [all|base|services|kafka|ferretdb]. VORONKA_REBUILD_BASE=1 remakes the base;
# VORONKA_DEBIAN_MIRROR names a Debian mirror (default: mmdebstrap's).
set -euo pipefail
say_as=images
# shellcheck source=deploy/images/podman.sh
source "$(dirname "${BASH_SOURCE[0]}")/podman.sh"

timed() { # label command...: run it, say how long it took
  local start=$SECONDS
  "${@:2}"
  say "$1 took $((SECONDS - start)) s"
}

build_base() {
  if [ -z "${VORONKA_REBUILD_BASE:-}" ] && podman image exists "$base_image"; then
    say "$base_image exists (VORONKA_REBUILD_BASE=1 to remake it)"; return
  fi
  command -v mmdebstrap >/dev/null 2>&1 \
    || die "mmdebstrap is not installed: apt-get install -y mmdebstrap"
  local tar=$images_cache/voronka-base-bookworm.tar log=$images_cache/mmdebstrap.log
  say "building a Debian bookworm root filesystem with python3.11 (log: $log)"
  # Like python:3.11-slim where the Dockerfile relies on it: python3.11 at
  # /usr/local/bin, a pip that may install (uv) into the image's own Python. It trusts the
  # certificate authorities this machine added (/usr/local/share/ca-certificates: a
  # TLS-inspecting proxy's, here), so pip and uv reach PyPI from inside a build.
  # shellcheck disable=SC2016 # the hooks' "$1" is the root filesystem, expanded by mmdebstrap
  mmdebstrap --variant=minbase --mode=root --format=tar \
    --include=python3.11,python3.11-venv,python3-pip,ca-certificates,passwd,netbase,tzdata \
    --customize-hook='ln -sf /usr/bin/python3.11 "$1/usr/local/bin/python3.11"; ln -sf /usr/bin/python3.11 "$1/usr/local/bin/python3"; ln -sf /usr/bin/python3.11 "$1/usr/local/bin/python"' \
    --customize-hook='rm -rf "$1"/var/cache/apt/archives/*.deb "$1"/usr/share/doc/* "$1"/usr/share/man/*' \
    --customize-hook='for c in /usr/local/share/ca-certificates/*.crt; do [ -f "$c" ] && cp "$c" "$1/usr/local/share/ca-certificates/"; done; chroot "$1" update-ca-certificates >/dev/null' \
    bookworm "$tar" ${VORONKA_DEBIAN_MIRROR:+"$VORONKA_DEBIAN_MIRROR"} >"$log" 2>&1 \
    || { tail -n 30 "$log" >&2; die "mmdebstrap failed; rerun: bash deploy/images/build.sh base"; }
  podman import --quiet \
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change 'ENV LANG=C.UTF-8' \
    --change 'ENV PIP_BREAK_SYSTEM_PACKAGES=1' \
    --change 'ENV SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt' \
    --change 'CMD ["python3"]' \
    "$tar" "$base_image" >/dev/null \
    || die "podman import of $tar failed; rerun: bash deploy/images/build.sh base"
  rm -f "$tar"
}

need_base() {
  podman image exists "$base_image" \
    || die "the base image $base_image is missing; run: make images (or bash deploy/images/build.sh base)"
}

podman_build() { # log-name build-args...
  local log=$images_cache/build-$1.log
  shift
  podman build --network=host --layers "$@" >"$log" 2>&1 \
    || { tail -n 30 "$log" >&2; die "podman build failed (log: $log); rerun: make images"; }
}

build_services() {
  need_base
  local service
  for service in leads deals notifications reporting; do
    say "building voronka/$service:local"
    podman_build "$service" --build-arg PYTHON_IMAGE="$base_image" --build-arg SERVICE="$service" \
      -f "$root/deploy/docker/Dockerfile" -t "voronka/$service:local" "$root"
  done
}

build_kafka() {
  need_base
  ls "$cache"/kafka/lib/kafka_2.13-*.jar >/dev/null 2>&1 \
    || die "no Kafka jars in $cache/kafka/lib; run: make infra-up (it fetches them), then make images"
  local ctx=$images_cache/ctx-kafka
  rm -rf "$ctx" && mkdir -p "$ctx"
  cp -al "$cache/kafka/lib" "$ctx/lib" 2>/dev/null || cp -a "$cache/kafka/lib" "$ctx/lib"
  cp "$here_images/kafka/Containerfile" "$here_images/kafka/kafka-entrypoint.sh" "$ctx/"
  say "building localhost/voronka-kafka:local"
  podman_build kafka --build-arg BASE="$base_image" -f "$ctx/Containerfile" \
    -t localhost/voronka-kafka:local "$ctx"
}

build_ferretdb() {
  need_base
  [ -x "$cache/ferretdb/voronka-ferretdb" ] \
    || die "no FerretDB binary in $cache/ferretdb; run: make infra-up (it builds it), then make images"
  local ctx=$images_cache/ctx-ferretdb
  rm -rf "$ctx" && mkdir -p "$ctx"
  cp "$cache/ferretdb/voronka-ferretdb" "$here_images/ferretdb/Containerfile" "$ctx/"
  say "building localhost/voronka-ferretdb:local"
  podman_build ferretdb --build-arg BASE="$base_image" -f "$ctx/Containerfile" \
    -t localhost/voronka-ferretdb:local "$ctx"
}

need_podman
case "${1:-all}" in
  base) timed base build_base ;;
  services) timed services build_services ;;
  kafka) timed kafka build_kafka ;;
  ferretdb) timed ferretdb build_ferretdb ;;
  all)
    timed base build_base
    timed kafka build_kafka
    timed ferretdb build_ferretdb
    timed services build_services
    ;;
  *) echo "usage: $0 [all|base|services|kafka|ferretdb]" >&2; exit 2 ;;
esac
