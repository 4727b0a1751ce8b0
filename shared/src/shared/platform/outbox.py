"""Transactional outbox without multi-document transactions.

Pending events live inside the aggregate document they describe (`_outbox`, an array in
append order, plus an indexed `_outbox_pending` flag), written by the same single-document
update as the state change. A relay publishes them in order and removes each one only after
Kafka acknowledged it, so a crash between publish and clear republishes (at-least-once);
consumers are idempotent (ADR 0004: deterministic ids, or state checked by revision). Every
operator used here was checked against FerretDB v1 (which silently ignores `$pull` with a
sub-document condition, hence the conditional `$pop`).
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol

from faststream.kafka import KafkaBroker
from pymongo import ReturnDocument
from pymongo.asynchronous.collection import AsyncCollection

from shared.contracts.codec import encode
from shared.contracts.events.base import EventModel
from shared.platform.clock import Clock
from shared.platform.dead_letter import describe_error
from shared.platform.errors import is_transient
from shared.platform.indexes import IndexPlan, index
from shared.platform.logging import get_logger
from shared.platform.metrics import OUTBOX_BACKLOG, OUTBOX_FAILED, OUTBOX_PARKED, OUTBOX_PUBLISHED

OUTBOX_FIELD = "_outbox"
PENDING_FIELD = "_outbox_pending"
LEASE_FIELD = "_outbox_lease"
OWNER_FIELD = "_outbox_owner"
FAILURES_FIELD = "_outbox_failures"
PARKED_FIELD = "_outbox_parked"
PARK_AFTER_FAILURES = 10

log = get_logger(__name__)


@dataclass(frozen=True)
class OutboxMessage:
    """One encoded event waiting to be published; headers are CloudEvents binary-mode headers."""

    id: str
    topic: str
    key: str | None
    value: str
    headers: dict[str, str] = field(default_factory=dict)

    def to_document(self) -> dict[str, Any]:
        """The message as a sub-document; headers as a map (FerretDB has no nested arrays)."""
        return {
            "id": self.id,
            "topic": self.topic,
            "key": self.key,
            "value": self.value,
            "headers": dict(self.headers),
        }

    @classmethod
    def from_document(cls, doc: Mapping[str, Any]) -> OutboxMessage:
        """Read a message back from its sub-document."""
        return cls(
            id=doc["id"],
            topic=doc["topic"],
            key=doc.get("key"),
            value=doc["value"],
            headers=dict(doc.get("headers") or {}),
        )


def outbox_message(
    event: EventModel,
    *,
    topic: str,
    source: str,
    key: str | None,
    subject: str | None = None,
    correlation_id: str | None = None,
    causation_id: str | None = None,
    event_id: str | None = None,
    time: datetime | None = None,
) -> OutboxMessage:
    """Encode an event with its CloudEvents envelope, ready to be stored in an outbox."""
    payload, headers = encode(
        event,
        source=source,
        subject=subject or key,
        correlation_id=correlation_id,
        causation_id=causation_id,
        event_id=event_id,
        time=time,
    )
    header_map = {name: value.decode("utf-8") for name, value in headers}
    return OutboxMessage(
        id=header_map["ce_id"],
        topic=topic,
        key=key,
        value=payload.decode("utf-8"),
        headers=header_map,
    )


def aggregate_event(
    event: EventModel,
    *,
    source: str,
    key: str,
    at: datetime,
    causation_id: str | None = None,
    correlation_id: str | None = None,
) -> OutboxMessage:
    """An event on the topic named like its type, keyed (and correlated) by its aggregate id."""
    return outbox_message(
        event,
        topic=event.event_type,
        source=source,
        key=key,
        time=at,
        causation_id=causation_id,
        correlation_id=correlation_id or key,
    )


def outbox_fields(messages: Sequence[OutboxMessage]) -> dict[str, Any]:
    """Fields to put in a document that is inserted together with its first events."""
    return {OUTBOX_FIELD: [m.to_document() for m in messages], PENDING_FIELD: bool(messages)}


def with_outbox(update: Mapping[str, Any], messages: Sequence[OutboxMessage]) -> dict[str, Any]:
    """Extend a MongoDB update so that it also appends `messages` to the document's outbox."""
    merged: dict[str, Any] = {op: dict(body) for op, body in update.items()}
    if not messages:
        return merged
    push = merged.setdefault("$push", {})
    push[OUTBOX_FIELD] = {"$each": [m.to_document() for m in messages]}
    merged.setdefault("$set", {})[PENDING_FIELD] = True
    return merged


class OutboxPublisher(Protocol):
    """Port: publish a batch in order and return only once the broker acknowledged all of it."""

    async def publish_batch(self, messages: Sequence[OutboxMessage]) -> None:
        """Publish every message; raise if any was not acknowledged."""


class KafkaOutboxPublisher:
    """Publishes outbox messages through a FastStream broker (acks=all, idempotent producer)."""

    def __init__(self, broker: KafkaBroker, *, topic_prefix: str = "") -> None:
        self._broker = broker
        self._prefix = topic_prefix

    async def publish_batch(self, messages: Sequence[OutboxMessage]) -> None:
        """Send all messages without waiting one by one, then wait for every acknowledgement."""
        futures = [
            await self._broker.publish(
                m.value.encode("utf-8"),
                topic=self._prefix + m.topic,
                key=m.key.encode("utf-8") if m.key is not None else None,
                headers=m.headers,
                correlation_id=m.headers.get("ce_correlationid"),
                no_confirm=True,
            )
            for m in messages
        ]
        await asyncio.gather(*futures)


def outbox_indexes(*collections: str) -> IndexPlan:
    """The pending-flag index per collection; it serves the relay's claim and backlog count."""
    return {collection: [index(PENDING_FIELD)] for collection in collections}


class OutboxRelay:
    """Moves pending events from documents to Kafka, in order per document.

    Several replicas may run relays on the same collections: a short lease on each document
    keeps them from publishing the same events at once (a lost lease only causes a duplicate,
    which consumers absorb).
    """

    def __init__(
        self,
        collections: Sequence[AsyncCollection[Any]],
        publisher: OutboxPublisher,
        *,
        clock: Clock,
        poll_interval: float = 0.5,
        lease: timedelta = timedelta(seconds=30),
        max_documents_per_pass: int = 500,
    ) -> None:
        self._collections = list(collections)
        self._publisher = publisher
        self._clock = clock
        self._poll_interval = poll_interval
        self._lease = lease
        self._max_docs = max_documents_per_pass
        self._owner = uuid.uuid4().hex
        self._wakeup = asyncio.Event()

    def wake(self) -> None:
        """Ask the relay to look for pending events now instead of at the next poll."""
        self._wakeup.set()

    async def run(self) -> None:
        """Drain forever; survives broker and database outages by retrying after a pause."""
        while True:
            self._wakeup.clear()
            try:
                published = await self.drain_once()
            except Exception as exc:  # an outage must not kill the relay; it retries
                log.warning("outbox relay pass failed", error_type=type(exc).__name__)
                published = 0
            if published:
                continue
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wakeup.wait(), self._poll_interval)

    async def drain_once(self) -> int:
        """Publish what is pending now; return the number of events published."""
        total = 0
        for collection in self._collections:
            for _ in range(self._max_docs):
                doc = await self._claim(collection)
                if doc is None:
                    break
                try:
                    total += await self._publish_document(collection, doc)
                except Exception as exc:
                    if is_transient(exc):
                        raise  # the broker is away: the whole pass waits for it
                    await self._refused(collection, doc, exc)
        OUTBOX_PUBLISHED.inc(total)
        backlog = 0
        for collection in self._collections:
            backlog += await collection.count_documents({PENDING_FIELD: True})
        OUTBOX_BACKLOG.set(backlog)
        return total

    async def _claim(self, collection: AsyncCollection[Any]) -> dict[str, Any] | None:
        # No projection: FerretDB v1's findAndModify does not implement `fields`.
        now = self._clock.now()
        claimed: dict[str, Any] | None = await collection.find_one_and_update(
            {PENDING_FIELD: True, "$or": [{LEASE_FIELD: None}, {LEASE_FIELD: {"$lt": now}}]},
            {"$set": {LEASE_FIELD: now + self._lease, OWNER_FIELD: self._owner}},
            return_document=ReturnDocument.AFTER,
        )
        return claimed

    async def _refused(
        self, collection: AsyncCollection[Any], doc: dict[str, Any], exc: Exception
    ) -> None:
        """Count a refusal on the document; park its events after PARK_AFTER_FAILURES of them.

        An event Kafka refuses for good (too large, a topic that does not exist) would
        otherwise be retried every lease for ever, unseen. Parked events stay in the document
        (`_outbox_parked`) for an operator to inspect and re-queue.
        """
        failures = int(doc.get(FAILURES_FIELD) or 0) + 1
        OUTBOX_FAILED.inc()
        log.error(
            "outbox publish refused",
            collection=collection.name,
            document_id=str(doc["_id"]),
            failures=failures,
            error=describe_error(exc),
        )
        if failures < PARK_AFTER_FAILURES:
            await collection.update_one({"_id": doc["_id"]}, {"$set": {FAILURES_FIELD: failures}})
            return
        parked = await collection.update_one(
            # Only the events that were refused: one appended meanwhile gets its own chances.
            {"_id": doc["_id"], OWNER_FIELD: self._owner, OUTBOX_FIELD: doc.get(OUTBOX_FIELD)},
            {
                "$push": {PARKED_FIELD: {"$each": doc.get(OUTBOX_FIELD) or []}},
                "$set": {OUTBOX_FIELD: [], PENDING_FIELD: False, FAILURES_FIELD: failures},
                "$unset": {LEASE_FIELD: "", OWNER_FIELD: ""},
            },
        )
        if parked.modified_count:
            OUTBOX_PARKED.inc()
            log.error(
                "outbox events parked",
                collection=collection.name,
                document_id=str(doc["_id"]),
                events=len(doc.get(OUTBOX_FIELD) or []),
            )

    async def _publish_document(self, collection: AsyncCollection[Any], doc: dict[str, Any]) -> int:
        messages = [OutboxMessage.from_document(d) for d in doc.get(OUTBOX_FIELD) or []]
        if messages:
            await self._publisher.publish_batch(messages)
        for message in messages:
            await collection.update_one(
                {"_id": doc["_id"], f"{OUTBOX_FIELD}.0.id": message.id},
                {"$pop": {OUTBOX_FIELD: -1}},
            )
        # Cleared only if nothing was appended meanwhile; otherwise the next pass takes it.
        await collection.update_one(
            {"_id": doc["_id"], f"{OUTBOX_FIELD}.0": {"$exists": False}},
            {"$set": {PENDING_FIELD: False}},
        )
        await collection.update_one(
            {"_id": doc["_id"], OWNER_FIELD: self._owner},
            {"$unset": {LEASE_FIELD: "", OWNER_FIELD: ""}},
        )
        return len(messages)
