"""`voronka-reporting` / `python -m reporting`: run the reporting service."""

from __future__ import annotations

from fastapi import FastAPI

from reporting.settings import ReportingSettings
from shared.platform.runtime import run_service


def main() -> None:
    """Start the service; a configuration or connection problem exits 2 with one line."""
    run_service("reporting", ReportingSettings, _build_app)


def _build_app(settings: ReportingSettings) -> FastAPI:
    # Imported once the settings are known to be good: a wrong setting is reported before
    # the service's libraries load (seconds on a busy machine).
    from reporting.bootstrap import build_app

    return build_app(settings)


if __name__ == "__main__":
    main()
