"""Fixtures for the reporting integration tests: the real service wired in-process, per test."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest
import pytest_asyncio
from reporting_testkit import Running, ServiceFactory

from reporting.bootstrap import build
from reporting.settings import ReportingSettings
from shared.platform.clock import ManualClock
from shared.platform.settings import KafkaSettings, MongoSettings


@pytest.fixture
def reporting_settings(
    kafka_settings: KafkaSettings, mongo_settings: MongoSettings
) -> ReportingSettings:
    """Settings of the service under test: its own topics and database."""
    assert mongo_settings.database is not None
    return ReportingSettings(
        http_port=8004,
        kafka=kafka_settings,
        mongodb=mongo_settings,
        database=mongo_settings.database,
        outbox_poll_seconds=0.1,
        batch_timeout_ms=50,
        payment_sources=["urn:test"],
    )


@pytest_asyncio.fixture
async def reporting_topics(kafka_topics: Any) -> None:
    """Every Voronka topic for this test, two partitions each."""
    await kafka_topics(partitions=2)


@pytest_asyncio.fixture
async def reporting_service(
    reporting_settings: ReportingSettings, reporting_topics: None, mongo_db: Any, clock: ManualClock
) -> AsyncIterator[ServiceFactory]:
    """Start a replica with `async with reporting_service() as (service, http):`."""

    @asynccontextmanager
    async def start(**overrides: Any) -> AsyncIterator[Running]:
        service = build(reporting_settings.model_copy(update=overrides), clock=clock)
        async with service.app.router.lifespan_context(service.app):
            transport = httpx.ASGITransport(app=service.app)
            async with httpx.AsyncClient(transport=transport, base_url="http://reporting") as http:
                yield service, http

    yield start
