"""MongoDB access through PyMongo's async API, with the options every service needs."""

from __future__ import annotations

import asyncio
from typing import Any

from pymongo import AsyncMongoClient
from pymongo.errors import PyMongoError

from shared.platform.errors import InfrastructureUnavailable
from shared.platform.settings import MongoSettings


def create_mongo_client(settings: MongoSettings, *, app_name: str) -> AsyncMongoClient[Any]:
    """Build a client with aware UTC datetimes and bounded timeouts.

    `tz_aware=True` makes every datetime read back aware UTC, so business code never meets a
    naive one. The client connects lazily; call `ping_mongo` to fail fast.
    """
    options: dict[str, Any] = {}
    if settings.tls:
        # Only ever forced on: PyMongo refuses `tls=None`, and `tls=False` would override a URL
        # that asks for TLS itself.
        options["tls"] = True
    return AsyncMongoClient(
        settings.url.get_secret_value(),
        tz_aware=True,
        appname=app_name,
        serverSelectionTimeoutMS=settings.server_selection_timeout_ms,
        connectTimeoutMS=settings.server_selection_timeout_ms,
        **options,
    )


async def ping_mongo(client: AsyncMongoClient[Any], *, timeout: float = 5.0) -> None:
    """Ping the server; raise `InfrastructureUnavailable` with a one-line reason if it fails."""
    try:
        await asyncio.wait_for(client.admin.command("ping"), timeout)
    except (PyMongoError, TimeoutError) as exc:
        hosts = ",".join(f"{h}:{p}" for h, p in client.topology_description.server_descriptions())
        raise InfrastructureUnavailable(
            f"MongoDB at {hosts or 'the configured address'} does not answer (MONGODB_URL): "
            f"{type(exc).__name__}"
        ) from None
