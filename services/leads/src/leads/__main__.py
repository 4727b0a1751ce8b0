"""`voronka-leads` / `python -m leads`: run the leads service."""

from __future__ import annotations

from leads.bootstrap import SERVICE, build_app
from leads.settings import LeadsSettings
from shared.platform.runtime import run_service


def main() -> None:
    """Start the service; a configuration or connection problem exits 2 with one line."""
    run_service(SERVICE, LeadsSettings, build_app)


if __name__ == "__main__":
    main()
