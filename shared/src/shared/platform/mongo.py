"""MongoDB access through PyMongo's async API, with the options every service needs."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

from pymongo import AsyncMongoClient
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import BulkWriteError, PyMongoError
from pymongo.monitoring import CommandListener

from shared.platform.errors import InfrastructureUnavailable
from shared.platform.settings import MongoSettings

ListenerFactory = Callable[[str], CommandListener]
"""Makes a command listener for a client built for the named application."""

_listener_factories: list[ListenerFactory] = []


def watch_commands(factory: ListenerFactory) -> Callable[[], None]:
    """Attach a listener made by `factory` to every client built from now on; returns undo.

    The test suite records the query shapes the services issue this way
    (`shared.testing.query_shapes`); production code registers nothing.
    """
    _listener_factories.append(factory)
    return lambda: _listener_factories.remove(factory)


def create_mongo_client(
    settings: MongoSettings, *, app_name: str, watched: bool = True
) -> AsyncMongoClient[Any]:
    """Build a client with aware UTC datetimes, bounded timeouts and majority writes.

    `tz_aware=True` makes every datetime read back aware UTC, so business code never meets a
    naive one. `timeoutMS` bounds every operation, so a stalled server fails the work (and it
    is retried as an outage) instead of hanging it. `w="majority"`: a write is acknowledged
    only once a majority of a replica set holds it, so a failover cannot roll it back. The
    client connects lazily; call `ping_mongo` to fail fast. `watched=False` leaves out the
    command listeners tests attach (a test's own reads are not the code's query shapes).
    """
    options: dict[str, Any] = {}
    if settings.tls:
        # Only ever forced on: PyMongo refuses `tls=None`, and `tls=False` would override a URL
        # that asks for TLS itself.
        options["tls"] = True
    listeners = [make(app_name) for make in _listener_factories] if watched else []
    if listeners:
        options["event_listeners"] = listeners
    return AsyncMongoClient(
        settings.url.get_secret_value(),
        tz_aware=True,
        appname=app_name,
        serverSelectionTimeoutMS=settings.server_selection_timeout_ms,
        connectTimeoutMS=settings.server_selection_timeout_ms,
        timeoutMS=settings.operation_timeout_ms,
        w="majority",
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


async def count_matching(collection: AsyncCollection[Any], query: dict[str, Any]) -> int:
    """How many documents match; without a filter, from the collection's metadata, not a scan."""
    if not query:
        return await collection.estimated_document_count()
    return await collection.count_documents(query)


DUPLICATE_KEY = 11000


def duplicate_indexes(exc: BulkWriteError) -> list[int]:
    """The operations of an unordered bulk write that failed only as duplicate keys.

    Re-raises the error when any operation failed otherwise, or when the write concern was
    not met: such a write may be lost on failover, so it must not count as done.
    """
    details = exc.details or {}
    errors = details.get("writeErrors", [])
    if details.get("writeConcernErrors") or any(e.get("code") != DUPLICATE_KEY for e in errors):
        raise exc
    return [int(e["index"]) for e in errors]


def server_time_of(client: AsyncMongoClient[Any]) -> Callable[[], Awaitable[datetime]]:
    """A reader of the server's clock: `hello` answers with the server's `localTime`."""

    async def read() -> datetime:
        reply = await client.admin.command("hello")
        local: datetime = reply["localTime"]
        return local.replace(tzinfo=UTC) if local.tzinfo is None else local.astimezone(UTC)

    return read
