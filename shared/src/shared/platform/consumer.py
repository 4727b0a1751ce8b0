"""Reliable subscribers: explicit ack policy, bounded retries, dead letters, log context.

Every business subscriber is registered through `subscribe` (one typed event per handler) or
`subscribe_batch`; both take one delivery path, which fixes the rules in one place (ADR 0016):
- the offset is committed only after the handler returned (the effect is stored) or the
  message was dead-lettered — never before (FastStream's default ACK_FIRST may lose it);
- a message that does not fit its contract is dead-lettered at once;
- a handler error is retried a few times, then the message is dead-lettered and the
  partition moves on (a poison message never blocks it); an event of another type than the
  handler takes fails the same way;
- an infrastructure error (MongoDB or Kafka unreachable) is never dead-lettered: after a
  pause the same offset is read again, so no offset is committed for a failed write;
- a message that cannot take effect *yet* (`RetryLater`: a lost race, a record from another
  topic not arrived) is read again after growing pauses, and dead-lettered only once it has
  waited `give_up_seconds` (an hour by default) for what it needs.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

import structlog
from faststream import AckPolicy
from faststream.kafka import KafkaBroker
from faststream.kafka.annotations import KafkaMessage

from shared.contracts.codec import DecodedEvent, decode
from shared.contracts.errors import ContractError, TopicMismatchError
from shared.contracts.events.base import EventModel
from shared.contracts.events.person import PersonChangedV1
from shared.contracts.registry import REGISTRY, EventRegistry
from shared.contracts.topics import Topic
from shared.platform.clock import Clock
from shared.platform.dead_letter import DeadLetterPublisher, describe_error
from shared.platform.errors import RetryLater, is_transient
from shared.platform.logging import get_logger
from shared.platform.metrics import EVENTS_CONSUMED, PROCESSING_SECONDS, watch_lag

E = TypeVar("E", bound=EventModel)
Handler = Callable[[DecodedEvent[E]], Awaitable[None]]
Sleep = Callable[[float], Awaitable[None]]

log = get_logger(__name__)

HEARTBEAT_INTERVAL_MS = 1000
"""How often a consumer tells its group it is alive, and so how soon it hears of a rebalance:
a second replica's join waits for the first replica's next heartbeat (aiokafka's default is
3 s). The session timeout stays 10 s. ADR 0026 has the measurements."""


def topic_group(group: str, topic: str) -> str:
    """The consumer group of one subscriber: the service's group name plus the topic.

    Each FastStream subscriber runs its own Kafka consumer. Were a service's eight subscribers
    one group, every start would trigger eight rebalances in a row (about 24 s, measured);
    one group per topic joins at once and still scales out across replicas. ACLs grant the
    service's group name as a prefix.
    """
    return f"{group}.{topic}"


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how patiently a failing message is retried before it is dead-lettered."""

    attempts: int = 3
    backoff_seconds: float = 0.1
    outage_pause_seconds: float = 1.0
    later_first_pause_seconds: float = 0.2
    later_max_pause_seconds: float = 30.0
    give_up_seconds: float = 3600.0

    def later_pause(self, waits: int) -> float:
        """The pause before reading a `RetryLater` message again for the `waits`-th time."""
        return float(min(self.later_max_pause_seconds, self.later_first_pause_seconds * 2**waits))


@dataclass(frozen=True)
class BatchItem:
    """One decoded message of a batch, with the Kafka record it came from."""

    record: Any
    decoded: DecodedEvent[EventModel]

    @property
    def topic(self) -> str:
        """The logical topic (the event type) the message was read from."""
        return self.decoded.envelope.type


BatchHandler = Callable[[list[BatchItem]], Awaitable[None]]


class _Delivery:
    """The one path every consumed record takes: decode, handle with retries, dead-letter.

    A single-message subscriber is a batch of one. A failing batch is retried whole; if it
    keeps failing, its messages are handled one by one so that only the poison ones are
    dead-lettered and the rest still take effect.
    """

    def __init__(
        self,
        broker: KafkaBroker,
        *,
        group_id: str,
        clock: Clock,
        physical: Mapping[str, str],
        registry: EventRegistry,
        retry: RetryPolicy,
        sleep: Sleep,
        event_type: type[EventModel] = EventModel,
    ) -> None:
        self._event_type = event_type
        self._dead_letters = DeadLetterPublisher(broker, consumer_group=group_id)
        self._clock = clock
        self._physical = physical
        self._registry = registry
        self._retry = retry
        self._sleep = sleep
        self._waiting: dict[tuple[str, int, int], tuple[datetime, int]] = {}

    async def deliver(self, records: Sequence[Any], handler: BatchHandler) -> None:
        """Hand the records that fit their contract to `handler`; the rest to the DLQ."""
        items = [item for record in records if (item := await self._decode(record)) is not None]
        if not items:
            return
        error = await self._attempt(items, handler, self._retry.attempts)
        if error is None:
            self._count(items, "ok")
            return
        if len(items) == 1:
            await self._dead_letter(items[0], error, self._retry.attempts)
            return
        # A batch that waited long enough (RetryLater) does not wait again item by item.
        waiting = not isinstance(error, RetryLater)
        for item in items:
            single_error = await self._attempt([item], handler, 1, waiting=waiting)
            if single_error is None:
                self._count([item], "ok")
            else:
                await self._dead_letter(item, single_error, self._retry.attempts + 1)

    def logical(self, record: Any) -> str:
        """The logical topic of a record read from a physical (prefixed) topic."""
        return self._physical.get(record.topic, record.topic)

    async def _decode(self, record: Any) -> BatchItem | None:
        logical = self.logical(record)
        try:
            decoded = decode(
                record.value or b"", record.headers or (), topic=logical, registry=self._registry
            )
            if not isinstance(decoded.event, self._event_type):
                raise TopicMismatchError(
                    f"expected {self._event_type.__name__}, got {type(decoded.event).__name__}"
                )
        except ContractError as exc:
            with _record_context(record):
                log.warning("message breaks its contract; dead-lettered", error=describe_error(exc))
            await self._dead_letters.send(record, error=exc, attempts=1, failed_at=self._now())
            EVENTS_CONSUMED.labels(topic=logical, outcome="dead_lettered").inc()
            return None
        return BatchItem(record, decoded)

    async def _attempt(
        self, items: list[BatchItem], handler: BatchHandler, attempts: int, *, waiting: bool = True
    ) -> Exception | None:
        """Run the handler; None on success, else the last error.

        Outages propagate, and so does `RetryLater` while `waiting` and not waited too long.
        """
        error: Exception | None = None
        for attempt in range(1, attempts + 1):
            try:
                with _item_context(items):
                    await handler(items)
                self._waiting.pop(_place(items[0].record), None)
                return None
            except Exception as exc:
                if isinstance(exc, RetryLater):
                    if not waiting or not await self._wait_for_later(items, exc):
                        return exc
                    raise  # NACK_ON_ERROR seeks back: read again after the pause
                if is_transient(exc):
                    log.warning(
                        "infrastructure unavailable; the same offset will be read again",
                        error_type=type(exc).__name__,
                    )
                    await self._sleep(self._retry.outage_pause_seconds)
                    raise  # NACK_ON_ERROR seeks back: nothing is committed
                error = exc
                log.warning(
                    "handler failed",
                    attempt=attempt,
                    size=len(items),
                    error=describe_error(exc),
                )
                if attempt < attempts:
                    await self._sleep(self._retry.backoff_seconds * 2 ** (attempt - 1))
        return error

    async def _wait_for_later(self, items: list[BatchItem], exc: RetryLater) -> bool:
        """Pause before the same offset is read again; False once it waited long enough."""
        place = _place(items[0].record)
        first_seen, waits = self._waiting.get(place, (self._now(), 0))
        if (self._now() - first_seen).total_seconds() >= self._retry.give_up_seconds:
            self._waiting.pop(place, None)
            return False
        self._waiting[place] = (first_seen, waits + 1)
        pause = self._retry.later_pause(waits)
        with _item_context(items):
            log.warning(
                "not possible yet; the same offset will be read again",
                pause_seconds=pause,
                waits=waits + 1,
                error=describe_error(exc),
            )
        await self._sleep(pause)
        return True

    async def _dead_letter(self, item: BatchItem, error: Exception, attempts: int) -> None:
        with _item_context([item]):
            log.error(
                "handler failed; dead-lettered", attempts=attempts, error=describe_error(error)
            )
        await self._dead_letters.send(
            item.record, error=error, attempts=attempts, failed_at=self._now()
        )
        self._count([item], "dead_lettered")

    def _count(self, items: list[BatchItem], outcome: str) -> None:
        for item in items:
            EVENTS_CONSUMED.labels(topic=self.logical(item.record), outcome=outcome).inc()

    def _now(self) -> Any:
        return self._clock.now()


def _place(record: Any) -> tuple[str, int, int]:
    return record.topic, record.partition, record.offset


def _record_context(record: Any) -> Any:
    return structlog.contextvars.bound_contextvars(
        topic=record.topic, partition=record.partition, offset=record.offset
    )


def _item_context(items: list[BatchItem]) -> Any:
    """Log context of one message (its place and envelope); none for a batch of several."""
    if len(items) != 1:
        return structlog.contextvars.bound_contextvars(batch_size=len(items))
    record, envelope = items[0].record, items[0].decoded.envelope
    return structlog.contextvars.bound_contextvars(
        topic=record.topic,
        partition=record.partition,
        offset=record.offset,
        event_id=envelope.id,
        correlation_id=envelope.correlationid,
        event_type=envelope.type,
    )


def _typed(handler: Handler[E], event_type: type[E]) -> BatchHandler:
    """Adapt a handler of one typed event to the batch path (a batch of one here)."""

    async def handle(items: list[BatchItem]) -> None:
        for item in items:
            event = item.decoded.event
            assert isinstance(event, event_type)  # checked on decoding (else DLQ)
            await handler(DecodedEvent(item.decoded.envelope, event, item.decoded.bare))

    return handle


def subscribe(
    broker: KafkaBroker,
    topic: str,
    handler: Handler[E],
    *,
    event_type: type[E],
    group_id: str,
    clock: Clock,
    topic_prefix: str = "",
    registry: EventRegistry = REGISTRY,
    retry: RetryPolicy = RetryPolicy(),
    sleep: Sleep = asyncio.sleep,
    description: str | None = None,
) -> Any:
    """Register `handler` for the events of type `event_type` on the logical `topic`.

    The consumer group starts from the earliest offset when it has none, so events published
    before the first deployment are not skipped.
    """
    delivery = _Delivery(
        broker,
        group_id=group_id,
        clock=clock,
        physical={topic_prefix + topic: topic},
        registry=registry,
        retry=retry,
        sleep=sleep,
        event_type=event_type,
    )
    typed = _typed(handler, event_type)

    async def on_message(msg: KafkaMessage) -> None:
        with PROCESSING_SECONDS.labels(topic=topic).time():
            await delivery.deliver([msg.raw_message], typed)

    watch_lag(group_id, [topic_prefix + topic])
    on_message.__name__ = f"on_{topic.replace('.', '_')}"
    return broker.subscriber(
        topic_prefix + topic,
        group_id=group_id,
        ack_policy=AckPolicy.NACK_ON_ERROR,
        auto_offset_reset="earliest",
        heartbeat_interval_ms=HEARTBEAT_INTERVAL_MS,
        title=f"{group_id}:{topic}",
        description=description,
    )(on_message)


def subscribe_batch(
    broker: KafkaBroker,
    topics: list[str],
    handler: BatchHandler,
    *,
    group_id: str,
    clock: Clock,
    topic_prefix: str = "",
    registry: EventRegistry = REGISTRY,
    retry: RetryPolicy = RetryPolicy(),
    sleep: Sleep = asyncio.sleep,
    max_records: int = 500,
    batch_timeout_ms: int = 200,
    description: str | None = None,
) -> Any:
    """Register `handler` for batches from several logical topics, with the same rules as
    `subscribe`; the handler must be idempotent per message (redelivery happens anyway).
    """
    physical = {topic_prefix + topic: topic for topic in topics}
    delivery = _Delivery(
        broker,
        group_id=group_id,
        clock=clock,
        physical=physical,
        registry=registry,
        retry=retry,
        sleep=sleep,
    )

    async def on_batch(msg: KafkaMessage) -> None:
        records = msg.raw_message
        batch = records if isinstance(records, tuple) else (records,)
        started = time.perf_counter()
        await delivery.deliver(batch, handler)
        # Per event, as for single messages: the batch's time shared among its events.
        share = (time.perf_counter() - started) / len(batch)
        for record in batch:
            PROCESSING_SECONDS.labels(topic=delivery.logical(record)).observe(share)

    watch_lag(group_id, physical)
    on_batch.__name__ = f"on_batch_{group_id.replace('.', '_').replace('-', '_')}"
    return broker.subscriber(
        *physical,
        group_id=group_id,
        batch=True,
        max_records=max_records,
        batch_timeout_ms=batch_timeout_ms,
        ack_policy=AckPolicy.NACK_ON_ERROR,
        auto_offset_reset="earliest",
        heartbeat_interval_ms=HEARTBEAT_INTERVAL_MS,
        title=f"{group_id}:batch",
        description=description,
    )(on_batch)


PersonHandler = Callable[[PersonChangedV1, str], Awaitable[None]]
"""Takes one person's newest-known version and the id of the event that carried it."""


def follow_people(
    broker: KafkaBroker,
    on_person: PersonHandler,
    *,
    group_id: str,
    clock: Clock,
    topic_prefix: str = "",
    description: str,
) -> Any:
    """Subscribe a service to the directory of people (`person.changed`), in a group of its own."""

    async def on_person_changed(decoded: DecodedEvent[PersonChangedV1]) -> None:
        await on_person(decoded.event, decoded.envelope.id)

    return subscribe(
        broker,
        Topic.PERSON_CHANGED.value,
        on_person_changed,
        event_type=PersonChangedV1,
        group_id=topic_group(group_id, Topic.PERSON_CHANGED.value),
        clock=clock,
        topic_prefix=topic_prefix,
        description=description,
    )
