"""Fixtures for the deals integration tests: the real service wired in-process, per test."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest
import pytest_asyncio
from deals_testkit import Running, ServiceFactory

from deals.bootstrap import build
from deals.settings import DealsSettings
from shared.platform.clock import ManualClock
from shared.platform.settings import KafkaSettings, MongoSettings


@pytest.fixture
def deals_settings(kafka_settings: KafkaSettings, mongo_settings: MongoSettings) -> DealsSettings:
    """Settings of the service under test: its own topics and database."""
    assert mongo_settings.database is not None
    return DealsSettings(
        http_port=8002,
        kafka=kafka_settings,
        mongodb=mongo_settings,
        database=mongo_settings.database,
        outbox_poll_seconds=0.1,
    )


@pytest_asyncio.fixture
async def deals_topics(kafka_topics: Any) -> None:
    """Every Voronka topic for this test, two partitions each."""
    await kafka_topics(partitions=2)


@pytest_asyncio.fixture
async def deals_service(
    deals_settings: DealsSettings, deals_topics: None, mongo_db: Any, clock: ManualClock
) -> AsyncIterator[ServiceFactory]:
    """Start a replica with `async with deals_service() as (service, http):`."""

    @asynccontextmanager
    async def start(**overrides: Any) -> AsyncIterator[Running]:
        service = build(deals_settings.model_copy(update=overrides), clock=clock)
        async with service.app.router.lifespan_context(service.app):
            transport = httpx.ASGITransport(app=service.app)
            async with httpx.AsyncClient(transport=transport, base_url="http://deals") as http:
                yield service, http

    yield start
