"""`voronka-notifications` / `python -m notifications`: run the notifications service."""

from __future__ import annotations

from fastapi import FastAPI

from notifications.settings import NotificationsSettings
from shared.platform.runtime import run_service


def main() -> None:
    """Start the service; a configuration or connection problem exits 2 with one line."""
    run_service("notifications", NotificationsSettings, _build_app)


def _build_app(settings: NotificationsSettings) -> FastAPI:
    # Imported once the settings are known to be good: a wrong setting is reported before
    # the service's libraries load (seconds on a busy machine).
    from notifications.bootstrap import build_app

    return build_app(settings)


if __name__ == "__main__":
    main()
