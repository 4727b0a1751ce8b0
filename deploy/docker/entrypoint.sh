#!/bin/sh
# Container entrypoint of every Voronka image: `serve` (the image's CMD) or no argument runs
# the service the image was built for, `python -m $SERVICE`; any other command runs as given
# (a one-off job such as `python -m shared.platform.topics`). Either way the command replaces
# this shell (exec), so it is PID 1 and receives SIGTERM directly.
set -eu

case "${SERVICE:-}" in
  leads|deals|notifications|reporting) ;;
  *) echo "voronka-entrypoint: SERVICE must be leads, deals, notifications or reporting" >&2; exit 2 ;;
esac

# In a container the service must listen on every interface; its own default (127.0.0.1)
# suits a developer's machine only. An explicit <SERVICE>_HTTP_HOST still wins.
prefix=$(printf '%s' "$SERVICE" | tr '[:lower:]' '[:upper:]')
eval "export ${prefix}_HTTP_HOST=\"\${${prefix}_HTTP_HOST:-0.0.0.0}\""

if [ "$#" -eq 0 ] || { [ "$#" -eq 1 ] && [ "$1" = serve ]; }; then
  set -- python -m "$SERVICE"
fi
exec "$@"
