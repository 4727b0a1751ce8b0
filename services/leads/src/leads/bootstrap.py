"""Composition root: settings -> clients -> adapters -> handlers -> app."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from leads import __doc__ as service_doc
from leads.settings import LeadsSettings
from shared.platform.http import create_app
from shared.platform.runtime import Connections

SERVICE = "leads"


def build_app(settings: LeadsSettings) -> FastAPI:
    """Wire the service; the broker starts and stops with the HTTP app."""
    connections = Connections(settings, service=SERVICE, database=settings.database)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        await connections.broker.start()
        try:
            yield
        finally:
            await connections.close()

    return create_app(
        title="Voronka leads",
        version="0.1.0",
        description=service_doc or "",
        readiness={"kafka": connections.kafka_ready, "mongodb": connections.mongo_ready},
        lifespan=lifespan,
    )
