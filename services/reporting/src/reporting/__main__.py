"""`voronka-reporting` / `python -m reporting`: run the reporting service."""

from __future__ import annotations

from reporting.bootstrap import SERVICE, build_app
from reporting.settings import ReportingSettings
from shared.platform.runtime import run_service


def main() -> None:
    """Start the service; a configuration or connection problem exits 2 with one line."""
    run_service(SERVICE, ReportingSettings, build_app)


if __name__ == "__main__":
    main()
