"""`voronka-notifications` / `python -m notifications`: run the notifications service."""

from __future__ import annotations

from notifications.bootstrap import SERVICE, build_app
from notifications.settings import NotificationsSettings
from shared.platform.runtime import run_service


def main() -> None:
    """Start the service; a configuration or connection problem exits 2 with one line."""
    run_service(SERVICE, NotificationsSettings, build_app)


if __name__ == "__main__":
    main()
