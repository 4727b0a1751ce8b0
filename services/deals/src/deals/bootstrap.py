"""Composition root: settings -> clients -> adapters -> handlers -> app."""

from __future__ import annotations

from fastapi import FastAPI

from deals import __doc__ as service_doc
from deals.settings import DealsSettings
from shared.platform.runtime import Connections, create_service_app

SERVICE = "deals"


def build_app(settings: DealsSettings) -> FastAPI:
    """Wire the service; the broker starts and stops with the HTTP app."""
    connections = Connections(settings, service=SERVICE, database=settings.database)
    return create_service_app(connections, service=SERVICE, description=service_doc or "")
