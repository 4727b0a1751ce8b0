#!/usr/bin/env bash
# Prints the path of a kustomize binary, building it first if it is missing or of another
# version. kustomize is compiled from the Go module proxy (no prebuilt download is possible
# here) into <repo>/.cache/bin, with the module and build caches under $VORONKA_CACHE like
# deploy/local/infra.sh: the first build takes about 40 s on two cores, later runs are
# instant. v5.8.1 is the newest release that builds with Go 1.24 (the floor that
# deploy/local/tools.sh asks for); v5.8.2 needs Go 1.26.
# Usage: kustomize.sh            -> prints /abs/path/to/kustomize on stdout
#        kustomize.sh build DIR  -> runs kustomize with those arguments
set -euo pipefail

version=${VORONKA_KUSTOMIZE_VERSION:-v5.8.1}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
cache=${VORONKA_CACHE:-$root/.cache}
bin_dir=$cache/bin
bin=$bin_dir/kustomize
stamp=$bin_dir/kustomize.version

say() { printf 'kustomize: %s\n' "$*" >&2; }
die() { say "error: $*"; exit 1; }

if ! [ -x "$bin" ] || ! [ -f "$stamp" ] || [ "$(cat "$stamp")" != "$version" ]; then
  # Go's own tarball installs to /usr/local/go, which a non-login shell may not have on PATH.
  command -v go >/dev/null 2>&1 || { [ -x /usr/local/go/bin/go ] && PATH=/usr/local/go/bin:$PATH; } \
    || die "Go >= 1.24 is needed to build kustomize $version from the Go module proxy"
  mkdir -p "$bin_dir" "$cache/logs"
  log=$cache/logs/kustomize-build.log
  say "building kustomize $version with 'go install' (first time only, about a minute)"
  started=$SECONDS
  (cd "$root" && GOBIN="$bin_dir" GOFLAGS="-modcacherw -buildvcs=false" \
    GOMODCACHE="$cache/gomod" GOCACHE="$cache/gocache" GOTOOLCHAIN=local \
    go install "sigs.k8s.io/kustomize/kustomize/v5@$version") >"$log" 2>&1 \
    || { tail -n 30 "$log" >&2; die "building kustomize $version failed (log: $log)"; }
  echo "$version" >"$stamp"
  say "built $bin in $((SECONDS - started))s"
fi

if [ $# -gt 0 ]; then exec "$bin" "$@"; fi
echo "$bin"
