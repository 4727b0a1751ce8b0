# shellcheck shell=bash
# Sourced by deploy/images/build.sh and deploy/compose/podman.sh (not run): how this project
# calls Podman where only Debian's packages are reachable (ADR 0038).
#   - runc, not crun: crun fails on this kind of machine's cgroups v1 and rlimits;
#   - explicit rlimits: this machine's root lacks CAP_SYS_RESOURCE, so runc may not raise a
#     limit. Podman's defaults (nofile 1048576, nproc from the host) are refused with
#     "error setting rlimit type 7 (6): operation not permitted". Measured on 2026-11-30:
#     nofile up to the hard limit (20000) works; nproc 32768 works, 48000 and the shell's
#     96364 do not. So nofile = the hard limit (at most 65536), nproc = at most 32768.
# Both go into a containers.conf of our own (CONTAINERS_CONF), so every podman call, also
# those podman-compose makes, gets them without flags.
here_images=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here_images/../.." && pwd)
cache=${VORONKA_CACHE:-$root/.cache}
images_cache=$cache/images
runtime=${VORONKA_PODMAN_RUNTIME:-runc}
# shellcheck disable=SC2034 # used by the scripts that source this file
base_image=${VORONKA_BASE_IMAGE:-localhost/voronka-base:bookworm}

say() { printf '%s: %s\n' "${say_as:-images}" "$*" >&2; }
die() { say "error: $*"; exit 1; }

need_podman() {
  command -v podman >/dev/null 2>&1 \
    || die "podman is not installed: apt-get install -y podman runc uidmap slirp4netns fuse-overlayfs"
  command -v "$runtime" >/dev/null 2>&1 \
    || die "the OCI runtime '$runtime' is not installed: apt-get install -y $runtime"
  mkdir -p "$images_cache"
  local nofile nproc
  nofile=$(ulimit -Hn); [ "$nofile" = unlimited ] && nofile=1048576
  nproc=$(ulimit -Hu); [ "$nproc" = unlimited ] && nproc=32768
  [ "$nofile" -gt 65536 ] && nofile=65536
  [ "$nproc" -gt 32768 ] && nproc=32768
  cat >"$images_cache/containers.conf" <<CONF
[containers]
default_ulimits = ["nofile=$nofile:$nofile", "nproc=$nproc:$nproc"]
[engine]
runtime = "$runtime"
CONF
  export CONTAINERS_CONF=$images_cache/containers.conf
  podman info >/dev/null 2>"$images_cache/podman-info.err" \
    || { cat "$images_cache/podman-info.err" >&2; die "podman does not answer (podman --runtime $runtime info)"; }
}
