"""`voronka-deals` / `python -m deals`: run the deals service."""

from __future__ import annotations

from deals.bootstrap import SERVICE, build_app
from deals.settings import DealsSettings
from shared.platform.runtime import run_service


def main() -> None:
    """Start the service; a configuration or connection problem exits 2 with one line."""
    run_service(SERVICE, DealsSettings, build_app)


if __name__ == "__main__":
    main()
