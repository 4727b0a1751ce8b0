"""Fixtures for the platform's integration tests: a started FastStream broker per test."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

import pytest_asyncio
from faststream.kafka import KafkaBroker

from shared.platform.kafka import create_broker
from shared.platform.settings import KafkaSettings


@pytest_asyncio.fixture
async def broker_factory(kafka_settings: KafkaSettings) -> AsyncIterator[Callable[[], KafkaBroker]]:
    """Brokers created here are stopped after the test, started or not."""
    brokers: list[KafkaBroker] = []

    def make() -> KafkaBroker:
        broker = create_broker(kafka_settings, client_id=f"test-{len(brokers)}")
        brokers.append(broker)
        return broker

    yield make
    for broker in brokers:
        await broker.stop()
