"""Container HEALTHCHECK: exit 0 when this container's service answers GET /healthz.

Standard library only (the slim image has no curl). The port is the service's own
`<SERVICE>_HTTP_PORT`, else its default, so the check follows whatever the settings say.
"""

import os
import sys
import urllib.request

DEFAULT_PORTS = {"leads": 8001, "deals": 8002, "notifications": 8003, "reporting": 8004}


def main() -> int:
    """Probe the local /healthz once; any failure is an unhealthy container."""
    service = os.environ.get("SERVICE", "")
    prefix = service.upper()
    port = os.environ.get(f"{prefix}_HTTP_PORT") or str(DEFAULT_PORTS.get(service, 0))
    host = os.environ.get(f"{prefix}_HTTP_HOST", "127.0.0.1")
    if host in ("", "0.0.0.0", "::"):  # noqa: S104 - listening on all interfaces, probe loopback
        host = "127.0.0.1"
    if ":" in host:
        host = f"[{host}]"
    try:
        with urllib.request.urlopen(f"http://{host}:{port}/healthz", timeout=4) as response:
            return 0 if response.status == 200 else 1
    except OSError as exc:
        sys.stderr.write(f"healthcheck: {exc}\n")
        return 1


if __name__ == "__main__":
    sys.exit(main())
