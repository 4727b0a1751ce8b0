"""Fixtures for the leads integration tests: the real service wired in-process, per test."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest
import pytest_asyncio
from leads_testkit import Running, ServiceFactory

from leads.bootstrap import build
from leads.settings import LeadsSettings
from shared.platform.clock import ManualClock
from shared.platform.settings import KafkaSettings, MongoSettings


@pytest.fixture
def leads_settings(kafka_settings: KafkaSettings, mongo_settings: MongoSettings) -> LeadsSettings:
    """Settings of the service under test: its own topics, database and a 24/7 calendar."""
    assert mongo_settings.database is not None
    return LeadsSettings(
        http_port=8001,
        kafka=kafka_settings,
        mongodb=mongo_settings,
        database=mongo_settings.database,
        calendar="around_the_clock",
        time_zone="Europe/Moscow",
        outbox_poll_seconds=0.1,
    )


@pytest_asyncio.fixture
async def leads_topics(kafka_topics: Any) -> None:
    """Every Voronka topic for this test, two partitions each (enough to spread keys)."""
    await kafka_topics(partitions=2)


@pytest_asyncio.fixture
async def leads_service(
    leads_settings: LeadsSettings, leads_topics: None, mongo_db: Any, clock: ManualClock
) -> AsyncIterator[ServiceFactory]:
    """Start a replica with `async with leads_service() as (service, http):`; several may run."""

    @asynccontextmanager
    async def start(**overrides: Any) -> AsyncIterator[Running]:
        settings = leads_settings.model_copy(update=overrides)
        service = build(settings, clock=clock)
        async with service.app.router.lifespan_context(service.app):
            transport = httpx.ASGITransport(app=service.app)
            async with httpx.AsyncClient(transport=transport, base_url="http://leads") as http:
                yield service, http

    yield start
