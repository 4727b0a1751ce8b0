"""`voronka-deals` / `python -m deals`: run the deals service."""

from __future__ import annotations

from fastapi import FastAPI

from deals.settings import DealsSettings
from shared.platform.runtime import run_service


def main() -> None:
    """Start the service; a configuration or connection problem exits 2 with one line."""
    run_service("deals", DealsSettings, _build_app)


def _build_app(settings: DealsSettings) -> FastAPI:
    # Imported once the settings are known to be good: a wrong setting is reported before
    # the service's libraries load (seconds on a busy machine).
    from deals.bootstrap import build_app

    return build_app(settings)


if __name__ == "__main__":
    main()
