"""Transactional outbox without multi-document transactions.

Pending events live inside the aggregate document they describe (`_outbox`, an array in
append order, plus an indexed `_outbox_pending` flag), written by the same single-document
update as the state change. A relay publishes them in order and removes them only after
Kafka acknowledged them, so a crash between publish and clear republishes (at-least-once);
consumers are idempotent (ADR 0004: deterministic ids, or state checked by revision). It
empties an outbox that still holds exactly what was published, and otherwise removes the
published heads one by one, so events appended meanwhile stay pending (ADR 0023). Every
operator used here was checked against FerretDB v1 (which silently ignores `$pull` with a
sub-document condition, hence the conditional `$pop`).
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol

from faststream.kafka import KafkaBroker
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
CLAIM_BATCH = 100
"""Documents claimed per step: one read, one update and one read back for all of them."""
CLEAR_CHUNK = 50
"""Statements per clearing `update`: FerretDB v1 holds a connection per statement (pool 100)."""
BACKLOG_EVERY = timedelta(seconds=30)
"""How often the backlog gauge is counted: the count reads every pending document."""

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
    which consumers absorb). Documents are claimed, published and cleared `CLAIM_BATCH` at a
    time, in a few commands per batch; the backlog gauge is counted every `BACKLOG_EVERY`.
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
        self._claims = itertools.count()
        self._backlog_counted_at: datetime | None = None
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
            left = self._max_docs
            while left > 0:
                wanted = min(CLAIM_BATCH, left)
                candidates, claimed = await self._claim(collection, wanted)
                published = await self._publish(collection, claimed)
                OUTBOX_PUBLISHED.inc(published)
                total += published
                left -= candidates
                if candidates < wanted:
                    break  # nothing else was claimable when this batch was read
        await self._count_backlog()
        return total

    async def _claim(
        self, collection: AsyncCollection[Any], limit: int
    ) -> tuple[int, list[dict[str, Any]]]:
        """Lease up to `limit` pending documents; the number of candidates and those won.

        Each claim has its own owner token, so two passes of this relay running at once (the
        loop and a caller's `drain_once`) never both take a document.
        """
        now = self._clock.now()
        claimable = {PENDING_FIELD: True, "$or": [{LEASE_FIELD: None}, {LEASE_FIELD: {"$lt": now}}]}
        found = await collection.find(claimable, {"_id": 1}).limit(limit).to_list(None)
        ids = [doc["_id"] for doc in found]
        if not ids:
            return 0, []
        token = f"{self._owner}-{next(self._claims)}"
        await collection.update_many(
            {"_id": {"$in": ids}, **claimable},
            {"$set": {LEASE_FIELD: now + self._lease, OWNER_FIELD: token}},
        )
        # Another replica may have leased some of them between the read and the update.
        won = collection.find({"_id": {"$in": ids}, OWNER_FIELD: token}).limit(len(ids))
        return len(ids), await won.to_list(None)

    async def _publish(self, collection: AsyncCollection[Any], docs: list[dict[str, Any]]) -> int:
        """Publish the documents' events in one batch and clear them; the number published."""
        messages = [message for doc in docs for message in _messages(doc)]
        published = docs
        try:
            if messages:
                await self._publisher.publish_batch(messages)
        except Exception as exc:
            if is_transient(exc):
                raise  # the broker is away: the whole pass waits for it
            # Some document's events are refused: find it, so only it is counted and parked.
            published = await self._publish_one_by_one(collection, docs)
        await self._clear(collection, published)
        return sum(len(doc.get(OUTBOX_FIELD) or []) for doc in published)

    async def _publish_one_by_one(
        self, collection: AsyncCollection[Any], docs: list[dict[str, Any]]
    ) -> list[dict[str, Any]]:
        """Publish each document's events on its own; the documents that went out."""
        published = []
        for doc in docs:
            try:
                messages = _messages(doc)
                if messages:
                    await self._publisher.publish_batch(messages)
            except Exception as exc:
                if is_transient(exc):
                    raise
                await self._refused(collection, doc, exc)
            else:
                published.append(doc)
        return published

    async def _clear(self, collection: AsyncCollection[Any], docs: list[dict[str, Any]]) -> None:
        """Empty the published outboxes in bulk; one appended to meanwhile is popped instead."""
        for start in range(0, len(docs), CLEAR_CHUNK):
            chunk = docs[start : start + CLEAR_CHUNK]
            command: dict[str, Any] = {
                "update": collection.name,
                "updates": [_clearing(doc) for doc in chunk],
                "ordered": True,
            }
            if collection.write_concern.document:
                command["writeConcern"] = collection.write_concern.document
            reply = await collection.database.command(command)
            if reply.get("n") == len(chunk) and not reply.get("writeErrors"):
                continue
            # FerretDB v1 stops at a failing statement and misreports it, so read back: a
            # document still held was appended to (or not reached). One whose lease was lost
            # is left to its new holder, which publishes it again.
            held = await collection.find(
                {
                    "_id": {"$in": [doc["_id"] for doc in chunk]},
                    OWNER_FIELD: {"$in": sorted({doc[OWNER_FIELD] for doc in chunk})},
                },
                {"_id": 1},
            ).to_list(None)
            ids = {doc["_id"] for doc in held}
            for doc in chunk:
                if doc["_id"] in ids:
                    await self._pop_published(collection, doc)

    async def _pop_published(self, collection: AsyncCollection[Any], doc: dict[str, Any]) -> None:
        """Remove the published events one head at a time, keeping any appended since."""
        for message in _messages(doc):
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
            {"_id": doc["_id"], OWNER_FIELD: doc[OWNER_FIELD]},
            {"$unset": {LEASE_FIELD: "", OWNER_FIELD: "", FAILURES_FIELD: ""}},
        )

    async def _count_backlog(self) -> None:
        """Count the pending documents for the backlog gauge, at most every `BACKLOG_EVERY`."""
        now = self._clock.now()
        if self._backlog_counted_at is not None and now - self._backlog_counted_at < BACKLOG_EVERY:
            return
        self._backlog_counted_at = now
        backlog = 0
        for collection in self._collections:
            backlog += await collection.count_documents({PENDING_FIELD: True})
        OUTBOX_BACKLOG.set(backlog)

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
            {"_id": doc["_id"], OWNER_FIELD: doc[OWNER_FIELD], OUTBOX_FIELD: doc.get(OUTBOX_FIELD)},
            {
                "$push": {PARKED_FIELD: {"$each": doc.get(OUTBOX_FIELD) or []}},
                "$set": {OUTBOX_FIELD: [], PENDING_FIELD: False},
                "$unset": {LEASE_FIELD: "", OWNER_FIELD: "", FAILURES_FIELD: ""},
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


def _messages(doc: Mapping[str, Any]) -> list[OutboxMessage]:
    """The document's pending events, in order."""
    return [OutboxMessage.from_document(d) for d in doc.get(OUTBOX_FIELD) or []]


def _clearing(doc: Mapping[str, Any]) -> dict[str, Any]:
    """An `update` statement emptying the outbox if it still holds exactly what was published."""
    return {
        "q": {
            "_id": doc["_id"],
            OWNER_FIELD: doc[OWNER_FIELD],
            OUTBOX_FIELD: doc.get(OUTBOX_FIELD),
        },
        "u": {
            "$set": {OUTBOX_FIELD: [], PENDING_FIELD: False},
            # Published: the next event refused gets its own PARK_AFTER_FAILURES chances.
            "$unset": {LEASE_FIELD: "", OWNER_FIELD: "", FAILURES_FIELD: ""},
        },
    }
