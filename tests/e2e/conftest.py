"""Fixtures for the end-to-end tests: an SMTP server, a shared clock file, the process fleet."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import pytest_asyncio
from e2e_harness import SERVICES, Fleet, SharedClock, service_env

from shared.contracts.topics import TOPIC_SPECS
from shared.platform.settings import KafkaSettings
from shared.platform.topics import delete_prefixed_topics, ensure_topics
from shared.testing.infrastructure import Endpoints
from shared.testing.servers import Mailbox, smtp_server


@pytest.fixture
def mailbox() -> Iterator[Mailbox]:
    """An SMTP server the notifications process submits to."""
    with smtp_server() as box:
        yield box


@pytest.fixture
def shared_clock(tmp_path: Path) -> SharedClock:
    """Starts at the next 10:00 in Moscow: office hours, outside anyone's quiet hours."""
    clock = SharedClock(tmp_path / "clock-offset")
    moscow = datetime.now(ZoneInfo("Europe/Moscow"))
    target = (moscow + timedelta(days=1)).replace(hour=10, minute=0, second=0, microsecond=0)
    clock.set_offset((target - moscow).total_seconds())
    return clock


@pytest.fixture
def fleet_extra_env() -> dict[str, str]:
    """Settings a test module adds to every process (none here)."""
    return {}


@pytest_asyncio.fixture
async def fleet(
    infrastructure: Endpoints,
    test_id: str,
    topic_prefix: str,
    tmp_path: Path,
    mailbox: Mailbox,
    shared_clock: SharedClock,
    fleet_extra_env: dict[str, str],
) -> AsyncIterator[Fleet]:
    """All four services as processes on this test's topics and databases."""
    kafka = KafkaSettings(
        bootstrap_servers=infrastructure.kafka_bootstrap_servers, topic_prefix=topic_prefix
    )
    await ensure_topics(kafka, TOPIC_SPECS, prefix=topic_prefix)
    env = service_env(
        {
            "KAFKA_BOOTSTRAP_SERVERS": infrastructure.kafka_bootstrap_servers,
            "KAFKA_TOPIC_PREFIX": topic_prefix,
            "MONGODB_URL": infrastructure.mongodb_url,
            "VORONKA_CLOCK_OFFSET_FILE": str(shared_clock.path),
            "LEADS_CALENDAR": "around_the_clock",
            "NOTIFICATIONS_SMTP_HOST": "127.0.0.1",
            "NOTIFICATIONS_SMTP_PORT": str(mailbox.port),
            "NOTIFICATIONS_SMTP_SECURITY": "none",
            "REPORTING_BATCH_TIMEOUT_MS": "50",
        },
        test_id=test_id,
        extra=fleet_extra_env,
    )
    processes = Fleet(env=env, logs=tmp_path)
    try:
        for service in SERVICES:
            await processes.start(service)
        yield processes
    finally:
        await processes.stop_all()
        await delete_prefixed_topics(kafka, topic_prefix)
        from pymongo import AsyncMongoClient

        client: AsyncMongoClient[Any] = AsyncMongoClient(infrastructure.mongodb_url)
        for service in SERVICES:
            await client.drop_database(f"{test_id}_{service}")
        await client.close()
