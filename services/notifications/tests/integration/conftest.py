"""Fixtures for the notifications integration tests: real providers and the service, per test."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest
import pytest_asyncio
from notifications_testkit import (
    BOT_TOKEN,
    Providers,
    ProviderServer,
    Publisher,
    Running,
    ServiceFactory,
)

from notifications.bootstrap import build
from notifications.settings import NotificationsSettings
from shared.platform.clock import ManualClock
from shared.platform.settings import KafkaSettings, MongoSettings
from shared.testing.servers import Mailbox, smtp_server


@pytest.fixture
def mailbox() -> Iterator[Mailbox]:
    """An SMTP server in the test process; the messages it accepted."""
    with smtp_server() as box:
        yield box


@pytest_asyncio.fixture
async def providers(clock: ManualClock) -> AsyncIterator[tuple[Providers, ProviderServer]]:
    """SMS gateway, bot API and webhook receivers over real HTTP on a free port."""
    app = Providers(clock)
    server = ProviderServer(app)
    await server.start()
    try:
        yield app, server
    finally:
        server.stop()


@pytest.fixture
def notifications_settings(
    kafka_settings: KafkaSettings,
    mongo_settings: MongoSettings,
    mailbox: Mailbox,
    providers: tuple[Providers, ProviderServer],
) -> NotificationsSettings:
    """Settings of the service under test: its own topics and database, local providers."""
    assert mongo_settings.database is not None
    _, server = providers
    return NotificationsSettings(
        http_port=8003,
        kafka=kafka_settings,
        mongodb=mongo_settings,
        database=mongo_settings.database,
        outbox_poll_seconds=0.1,
        smtp_host="127.0.0.1",
        smtp_port=mailbox.port,
        smtp_security="none",
        smtp_sender="noreply@voronka.example",
        sms_url=f"{server.base_url}/sms",
        sms_token="sms-secret-token",
        bot_base_url=server.base_url,
        bot_token=BOT_TOKEN,
        retry_jitter=False,
        provider_timeout_seconds=5.0,
        webhook_private_targets=True,  # the test receivers listen on 127.0.0.1
    )


@pytest_asyncio.fixture
async def publisher(kafka_settings: KafkaSettings) -> AsyncIterator[Publisher]:
    """A started producer for the test's topics."""
    producer = Publisher(kafka_settings)
    await producer.start()
    try:
        yield producer
    finally:
        await producer.stop()


@pytest_asyncio.fixture
async def notifications_service(
    notifications_settings: NotificationsSettings,
    kafka_topics: Any,
    mongo_db: Any,
    clock: ManualClock,
) -> AsyncIterator[ServiceFactory]:
    """Start a replica with `async with notifications_service() as (service, http):`."""
    await kafka_topics(partitions=2)

    @asynccontextmanager
    async def start(**overrides: Any) -> AsyncIterator[Running]:
        settings = notifications_settings.model_copy(update=overrides)
        service = build(settings, clock=clock)
        async with service.app.router.lifespan_context(service.app):
            transport = httpx.ASGITransport(app=service.app)
            async with httpx.AsyncClient(
                transport=transport, base_url="http://notifications"
            ) as http:
                yield service, http

    yield start
