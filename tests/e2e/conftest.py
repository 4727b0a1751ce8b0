"""Fixtures for the end-to-end tests: an SMTP server, a shared clock file, the process fleet."""

from __future__ import annotations

import email
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.policy import default as default_policy
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import pytest_asyncio
from aiosmtpd.controller import Controller
from e2e_harness import SERVICES, Fleet, free_port, service_env

from shared.contracts.topics import TOPIC_SPECS
from shared.platform.settings import KafkaSettings
from shared.platform.topics import delete_prefixed_topics, ensure_topics
from shared.testing.infrastructure import Endpoints


@dataclass
class Mailbox:
    """aiosmtpd handler keeping what the notifications service submitted."""

    port: int = 0
    messages: list[tuple[list[str], EmailMessage]] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        parsed = email.message_from_bytes(envelope.original_content, policy=default_policy)
        assert isinstance(parsed, EmailMessage)
        self.messages.append((list(envelope.rcpt_tos), parsed))
        return "250 OK"

    def to(self, address: str) -> list[EmailMessage]:
        return [message for rcpt, message in list(self.messages) if address in rcpt]


@dataclass
class SharedClock:
    """The clock every service process reads: real time plus the offset in a file."""

    path: Path
    offset: float = 0.0

    def set_offset(self, seconds: float) -> None:
        self.offset = seconds
        self.path.write_text(str(seconds))

    def advance(self, delta: timedelta) -> None:
        self.set_offset(self.offset + delta.total_seconds())

    def now(self) -> datetime:
        return datetime.now(UTC) + timedelta(seconds=self.offset)


@pytest.fixture
def mailbox() -> Iterator[Mailbox]:
    box = Mailbox(port=free_port())
    controller = Controller(box, hostname="127.0.0.1", port=box.port)
    controller.start()
    try:
        yield box
    finally:
        controller.stop()


@pytest.fixture
def shared_clock(tmp_path: Path) -> SharedClock:
    """Starts at the next 10:00 in Moscow: office hours, outside anyone's quiet hours."""
    clock = SharedClock(tmp_path / "clock-offset")
    moscow = datetime.now(ZoneInfo("Europe/Moscow"))
    target = (moscow + timedelta(days=1)).replace(hour=10, minute=0, second=0, microsecond=0)
    clock.set_offset((target - moscow).total_seconds())
    return clock


@pytest_asyncio.fixture
async def fleet(
    infrastructure: Endpoints,
    test_id: str,
    topic_prefix: str,
    tmp_path: Path,
    mailbox: Mailbox,
    shared_clock: SharedClock,
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
