"""A service process: settings, logging, preflight checks, then HTTP and Kafka in one event loop."""

from __future__ import annotations

import asyncio
import signal
import sys
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine, Sequence
from contextlib import asynccontextmanager
from types import FrameType
from typing import Any, TypeVar

import uvicorn
from fastapi import FastAPI
from faststream.kafka import KafkaBroker
from pymongo import AsyncMongoClient
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import PyMongoError

from shared.platform.clock import SystemClock
from shared.platform.errors import InfrastructureUnavailable
from shared.platform.http import create_app
from shared.platform.identity import OidcVerifier
from shared.platform.kafka import create_broker, ping_kafka
from shared.platform.logging import configure_logging, get_logger
from shared.platform.metrics import lag_monitor
from shared.platform.mongo import create_mongo_client, ping_mongo
from shared.platform.ratelimit import TokenBuckets
from shared.platform.settings import ServiceSettings, SettingsError, load_settings

S = TypeVar("S", bound=ServiceSettings)

log = get_logger(__name__)

CLOSE_TIMEOUT_SECONDS = 5.0


class Connections:
    """The Kafka broker and MongoDB database a service talks to, and their readiness checks."""

    def __init__(self, settings: ServiceSettings, *, service: str, database: str) -> None:
        self.settings = settings
        self.broker: KafkaBroker = create_broker(settings.kafka, client_id=f"voronka-{service}")
        self.mongo: AsyncMongoClient[Any] = create_mongo_client(settings.mongodb, app_name=service)
        self.db: AsyncDatabase[Any] = self.mongo[database]

    async def kafka_ready(self) -> None:
        """Readiness: the cluster answers a metadata request."""
        await ping_kafka(self.settings.kafka, timeout=2.5)

    async def mongo_ready(self) -> None:
        """Readiness: the database answers a ping."""
        await ping_mongo(self.mongo, timeout=2.5)

    async def close(self) -> None:
        """Stop the broker, then close the database client; neither may hold shutdown up."""
        for closing, what in ((self.broker.stop(), "Kafka"), (self.mongo.close(), "MongoDB")):
            try:
                await asyncio.wait_for(closing, CLOSE_TIMEOUT_SECONDS)
            except Exception as exc:  # a timeout, or a client already broken
                log.warning(f"{what} client not closed cleanly", error_type=type(exc).__name__)


Hook = Callable[[], Awaitable[None]]
Loop = Callable[[], Coroutine[Any, Any, None]]


def create_service_app(
    connections: Connections,
    *,
    service: str,
    description: str,
    on_start: Sequence[Hook] = (),
    on_stop: Sequence[Hook] = (),
    loops: Sequence[Loop] = (),
) -> FastAPI:
    """The HTTP app of a service; the broker, hooks and background loops live as long as it.

    Hooks start after the broker (relays and timers may publish at once) and stop in reverse.
    `loops` (outbox relays, timers) run as tasks after the hooks and are cancelled first.
    """

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        await connections.broker.start()
        for hook in on_start:
            await hook()
        tasks = [
            asyncio.create_task(loop(), name=f"{service}:{loop.__qualname__}") for loop in loops
        ]
        tasks.append(asyncio.create_task(lag_monitor(connections.settings.kafka), name="lag"))
        try:
            yield
        finally:
            for task in tasks:
                task.cancel()
            # A loop stuck in a client's shutdown (aiokafka's stop() is known to hang) must
            # not hold the whole service's shutdown: give them a bounded time, then go on.
            await asyncio.wait(tasks, timeout=10)
            for hook in reversed(on_stop):
                await hook()
            if verifier is not None:
                await verifier.close()
            await connections.close()

    api = connections.settings.api
    api_keys = api.parsed()
    oidc = connections.settings.oidc
    verifier = OidcVerifier(oidc, clock=SystemClock()) if oidc.enabled else None
    if api_keys is None and verifier is None:
        log.warning(
            "the HTTP API is open: neither API_KEYS nor OIDC_ISSUER is set "
            "(fine for local development only)"
        )
    app = create_app(
        title=f"Voronka {service}",
        version="0.1.0",
        description=description,
        readiness={"kafka": connections.kafka_ready, "mongodb": connections.mongo_ready},
        lifespan=lifespan,
        api_keys=api_keys,
        verifier=verifier,
        rate_limit=(
            TokenBuckets(rate=api.rate_per_second, burst=api.burst)
            if api.rate_per_second > 0
            else None
        ),
    )
    app.state.broker = connections.broker  # what the service subscribes to, for introspection
    return app


async def preflight(settings: ServiceSettings) -> None:
    """Fail fast, on one line, when Kafka or MongoDB cannot be reached at start."""
    await ping_kafka(settings.kafka, timeout=10.0)
    try:
        client = create_mongo_client(settings.mongodb, app_name="voronka-preflight")
    except (PyMongoError, ValueError) as exc:
        # PyMongo parses the URL here (InvalidURI, a port out of range); only the type is
        # quoted, since its message may repeat parts of a URL holding a password.
        raise InfrastructureUnavailable(
            f"MongoDB URL is not usable (MONGODB_URL): {type(exc).__name__}"
        ) from None
    try:
        await ping_mongo(client, timeout=10.0)
    finally:
        await client.close()


def _exit_cleanly(signum: int, frame: FrameType | None) -> None:
    raise SystemExit(0)


def run_service(service: str, settings_cls: type[S], build_app: Callable[[S], FastAPI]) -> None:
    """Body of every service's entry point: exit 2 with one line instead of a traceback loop."""
    try:
        settings = load_settings(settings_cls)
    except SettingsError as exc:
        sys.stderr.write(f"{service}: configuration error: {exc}\n")
        raise SystemExit(2) from None
    configure_logging(service, level=settings.log_level, json=settings.log_json)
    try:
        asyncio.run(preflight(settings))
    except InfrastructureUnavailable as exc:
        sys.stderr.write(f"{service}: {exc}\n")
        raise SystemExit(2) from None
    app = build_app(settings)
    # uvicorn shuts down gracefully on SIGTERM, then restores this handler and raises the signal
    # again: the process then exits 0 instead of dying of the default action (status -15).
    signal.signal(signal.SIGTERM, _exit_cleanly)
    uvicorn.run(
        app, host=settings.http_host, port=settings.http_port, log_config=None, access_log=False
    )
