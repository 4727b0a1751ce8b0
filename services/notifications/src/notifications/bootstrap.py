"""Composition root: settings -> clients -> adapters -> handlers -> app."""

from __future__ import annotations

from fastapi import FastAPI

from notifications import __doc__ as service_doc
from notifications.settings import NotificationsSettings
from shared.platform.runtime import Connections, create_service_app

SERVICE = "notifications"


def build_app(settings: NotificationsSettings) -> FastAPI:
    """Wire the service; the broker starts and stops with the HTTP app."""
    connections = Connections(settings, service=SERVICE, database=settings.database)
    return create_service_app(connections, service=SERVICE, description=service_doc or "")
