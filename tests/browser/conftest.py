"""Fixtures of the browser tests: the reporting service served by uvicorn on a free port.

The scripted month and its helpers are reporting's own (`reporting_testkit`), so the figures
the browser reads are the ones its integration tests work out by hand.
"""

from __future__ import annotations

import asyncio
import socket
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
import uvicorn

REPORTING_TESTS = Path(__file__).resolve().parents[2] / "services" / "reporting" / "tests"
for folder in (REPORTING_TESTS, REPORTING_TESTS / "integration"):
    if str(folder) not in sys.path:
        sys.path.insert(0, str(folder))

from reporting.bootstrap import ReportingService, build  # noqa: E402
from reporting.settings import ReportingSettings  # noqa: E402
from shared.platform.clock import ManualClock  # noqa: E402
from shared.platform.settings import KafkaSettings, MongoSettings  # noqa: E402


def free_port() -> int:
    """A TCP port nobody listens on now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def reporting_settings(
    kafka_settings: KafkaSettings, mongo_settings: MongoSettings
) -> ReportingSettings:
    """The service under test: its own topics and database, quick batches."""
    assert mongo_settings.database is not None
    return ReportingSettings(
        http_port=free_port(),
        kafka=kafka_settings,
        mongodb=mongo_settings,
        database=mongo_settings.database,
        outbox_poll_seconds=0.1,
        batch_timeout_ms=50,
        payment_sources=["urn:test"],
    )


@pytest_asyncio.fixture
async def served_reporting(
    reporting_settings: ReportingSettings, kafka_topics: Any, mongo_db: Any, clock: ManualClock
) -> AsyncIterator[tuple[ReportingService, str]]:
    """The reporting service on http://127.0.0.1:<port>, its lifespan run by uvicorn."""
    await kafka_topics(partitions=2)
    service = build(reporting_settings, clock=clock)
    config = uvicorn.Config(
        service.app,
        host="127.0.0.1",
        port=reporting_settings.http_port,
        log_level="warning",
        lifespan="on",
    )
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    for _ in range(300):
        if server.started or task.done():
            break
        await asyncio.sleep(0.05)
    if not server.started:
        server.should_exit = True
        await task
        raise RuntimeError("uvicorn did not start the reporting service")
    try:
        yield service, f"http://127.0.0.1:{reporting_settings.http_port}"
    finally:
        server.should_exit = True
        await asyncio.wait_for(task, timeout=30)
