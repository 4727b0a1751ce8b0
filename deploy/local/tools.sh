#!/usr/bin/env bash
# Makes sure the tools Voronka builds and runs with are present: uv (from PyPI), Java 17 and
# Maven (Kafka), Go >= 1.24 (FerretDB), and what deals' PDF documents need: Pango for WeasyPrint
# (HarfBuzz's subsetter keeps a render near 0.3 s), DejaVu Sans for Cyrillic, and pdftotext
# for the tests that read the PDFs back; with `podman`, also what the images are built and run
# with. Installs what it can from PyPI or Debian's packages.
set -euo pipefail

say() { printf 'tools: %s\n' "$*" >&2; }

apt_install() {
  if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
    say "please install: $*"; exit 1
  fi
  say "installing $* from Debian's packages"
  if [ -z "$(find /var/lib/apt/lists -maxdepth 1 -name '*Packages*' 2>/dev/null | head -1)" ]; then
    apt-get update -qq >/dev/null
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

if ! command -v uv >/dev/null 2>&1 && ! python3 -m uv --version >/dev/null 2>&1; then
  say "installing uv from PyPI"
  python3 -m pip install --quiet --disable-pip-version-check uv
fi
command -v java >/dev/null 2>&1 || apt_install openjdk-17-jre-headless
command -v mvn >/dev/null 2>&1 || apt_install maven

# Deals renders proposals and invoices to PDF (WeasyPrint) and its tests read them back.
# grep reads the whole list (no -q): an early exit would break ldconfig's pipe under pipefail.
has_library() {
  "$(command -v ldconfig || echo /sbin/ldconfig)" -p 2>/dev/null | grep "$1" >/dev/null
}
document_packages=()
has_library 'libpango-1\.0\.so' || document_packages+=(libpango-1.0-0)
has_library 'libpangoft2-1\.0\.so' || document_packages+=(libpangoft2-1.0-0)
has_library 'libharfbuzz-subset\.so' || document_packages+=(libharfbuzz-subset0)
[ -f /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || document_packages+=(fonts-dejavu-core)
command -v pdftotext >/dev/null 2>&1 || document_packages+=(poppler-utils)
if [ "${#document_packages[@]}" -gt 0 ]; then
  apt_install "${document_packages[@]}"
fi

# The dashboard's browser test (tests/browser) drives Debian's chromium through Playwright's
# `executable_path`; Playwright downloads no browser of its own (~100 MB from Debian).
command -v chromium >/dev/null 2>&1 || apt_install chromium

# `tools.sh podman`: what `make images`, `make test-containers` and the compose stack run on
# (ADR 0038): Debian's Podman with runc, mmdebstrap for the base image, curl for the socket.
if [ "${1:-}" = podman ]; then
  container_packages=()
  for tool in podman runc mmdebstrap newuidmap slirp4netns fuse-overlayfs curl; do
    command -v "$tool" >/dev/null 2>&1 && continue
    case $tool in newuidmap) container_packages+=(uidmap) ;; *) container_packages+=("$tool") ;; esac
  done
  if [ "${#container_packages[@]}" -gt 0 ]; then
    apt_install "${container_packages[@]}"
  fi
fi

if ! command -v go >/dev/null 2>&1; then
  say "Go >= 1.24 is needed to build FerretDB (Debian's golang is too old); install it and retry"
  exit 1
fi
