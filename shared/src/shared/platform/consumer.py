"""Reliable subscribers: explicit ack policy, bounded retries, dead letters, log context.

Every business subscriber is registered through `subscribe`, which fixes the delivery rules
in one place:
- the offset is committed only after the handler returned (the effect is stored) or the
  message was dead-lettered — never before (FastStream's default ACK_FIRST may lose it);
- a message that does not fit its contract is dead-lettered at once;
- a handler error is retried a few times, then the message is dead-lettered and the
  partition moves on (a poison message never blocks it);
- an infrastructure error (MongoDB or Kafka unreachable) is never dead-lettered: after a
  pause the same offset is read again, so no offset is committed for a failed write.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import structlog
from faststream import AckPolicy
from faststream.kafka import KafkaBroker
from faststream.kafka.annotations import KafkaMessage

from shared.contracts.codec import DecodedEvent, decode
from shared.contracts.errors import ContractError
from shared.contracts.registry import REGISTRY, EventRegistry
from shared.platform.clock import Clock
from shared.platform.dead_letter import DeadLetterPublisher, describe_error
from shared.platform.errors import is_transient
from shared.platform.logging import get_logger
from shared.platform.metrics import EVENTS_CONSUMED, PROCESSING_SECONDS, watch_lag

Handler = Callable[[DecodedEvent], Awaitable[None]]
Sleep = Callable[[float], Awaitable[None]]

log = get_logger(__name__)


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


def subscribe(
    broker: KafkaBroker,
    topic: str,
    handler: Handler,
    *,
    group_id: str,
    clock: Clock,
    topic_prefix: str = "",
    registry: EventRegistry = REGISTRY,
    retry: RetryPolicy = RetryPolicy(),
    sleep: Sleep = asyncio.sleep,
    description: str | None = None,
) -> Any:
    """Register `handler` for the logical `topic` with Voronka's delivery rules.

    The consumer group starts from the earliest offset when it has none, so events published
    before the first deployment are not skipped.
    """
    dead_letters = DeadLetterPublisher(broker, consumer_group=group_id)

    async def on_message(msg: KafkaMessage) -> None:
        record = msg.raw_message
        assert not isinstance(record, tuple)  # single-message subscriber
        with (
            structlog.contextvars.bound_contextvars(
                topic=record.topic, partition=record.partition, offset=record.offset
            ),
            PROCESSING_SECONDS.labels(topic=topic).time(),
        ):
            await _process(record)

    async def _process(record: Any) -> None:
        try:
            decoded = decode(
                record.value or b"", record.headers or (), topic=topic, registry=registry
            )
        except ContractError as exc:
            log.warning("message breaks its contract; dead-lettered", error=describe_error(exc))
            await dead_letters.send(record, error=exc, attempts=1, failed_at=clock.now())
            EVENTS_CONSUMED.labels(topic=topic, outcome="dead_lettered").inc()
            return
        envelope = decoded.envelope
        with structlog.contextvars.bound_contextvars(
            event_id=envelope.id, correlation_id=envelope.correlationid, event_type=envelope.type
        ):
            await _handle_with_retries(record, decoded)

    async def _handle_with_retries(record: Any, decoded: DecodedEvent) -> None:
        for attempt in range(1, retry.attempts + 1):
            try:
                await handler(decoded)
                EVENTS_CONSUMED.labels(topic=topic, outcome="ok").inc()
                return
            except Exception as exc:
                if is_transient(exc):
                    log.warning(
                        "infrastructure unavailable; will reread the same offset",
                        error_type=type(exc).__name__,
                    )
                    await sleep(retry.outage_pause_seconds)
                    raise  # NACK_ON_ERROR seeks back: nothing is committed
                if attempt == retry.attempts:
                    log.error(
                        "handler failed; dead-lettered", attempts=attempt, error=describe_error(exc)
                    )
                    await dead_letters.send(
                        record, error=exc, attempts=attempt, failed_at=clock.now()
                    )
                    EVENTS_CONSUMED.labels(topic=topic, outcome="dead_lettered").inc()
                    return
                log.warning(
                    "handler failed; retrying", attempt=attempt, error_type=type(exc).__name__
                )
                await sleep(retry.backoff_seconds * 2 ** (attempt - 1))

    watch_lag(group_id, [topic_prefix + topic])
    on_message.__name__ = f"on_{topic.replace('.', '_')}"
    return broker.subscriber(
        topic_prefix + topic,
        group_id=group_id,
        ack_policy=AckPolicy.NACK_ON_ERROR,
        auto_offset_reset="earliest",
        title=f"{group_id}:{topic}",
        description=description,
    )(on_message)


@dataclass(frozen=True)
class BatchItem:
    """One decoded message of a batch, with the Kafka record it came from."""

    record: Any
    decoded: DecodedEvent


BatchHandler = Callable[[list[BatchItem]], Awaitable[None]]


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
    `subscribe`: commit after the effect, contract violations and poison messages to the DLQ.

    A failing batch is retried whole; if it keeps failing, its messages are handled one by
    one so that only the poison ones are dead-lettered and the rest still take effect. The
    handler must therefore be idempotent per message (it is anyway: redelivery happens).
    """
    dead_letters = DeadLetterPublisher(broker, consumer_group=group_id)
    physical = {topic_prefix + topic: topic for topic in topics}

    async def on_batch(msg: KafkaMessage) -> None:
        with PROCESSING_SECONDS.labels(topic="batch").time():
            await _process_batch(msg)

    async def _process_batch(msg: KafkaMessage) -> None:
        records = msg.raw_message
        batch = records if isinstance(records, tuple) else (records,)
        items: list[BatchItem] = []
        for record in batch:
            logical = physical.get(record.topic, record.topic.removeprefix(topic_prefix))
            try:
                decoded = decode(
                    record.value or b"", record.headers or (), topic=logical, registry=registry
                )
            except ContractError as exc:
                with structlog.contextvars.bound_contextvars(
                    topic=record.topic, partition=record.partition, offset=record.offset
                ):
                    log.warning(
                        "message breaks its contract; dead-lettered", error=describe_error(exc)
                    )
                await dead_letters.send(record, error=exc, attempts=1, failed_at=clock.now())
                EVENTS_CONSUMED.labels(topic=logical, outcome="dead_lettered").inc()
                continue
            items.append(BatchItem(record, decoded))
        if not items or await _attempt(items, retry.attempts) is None:
            _count(items, "ok")
            return
        for item in items:
            error = await _attempt([item], 1)
            if error is not None:
                await dead_letters.send(
                    item.record, error=error, attempts=retry.attempts + 1, failed_at=clock.now()
                )
            _count([item], "ok" if error is None else "dead_lettered")

    def _count(items: list[BatchItem], outcome: str) -> None:
        for item in items:
            EVENTS_CONSUMED.labels(topic=item.decoded.envelope.type, outcome=outcome).inc()

    async def _attempt(items: list[BatchItem], attempts: int) -> BaseException | None:
        """Run the handler; None on success, else the last error (outages propagate)."""
        error: BaseException | None = None
        for attempt in range(1, attempts + 1):
            try:
                await handler(items)
                return None
            except Exception as exc:
                if is_transient(exc):
                    log.warning(
                        "infrastructure unavailable; the batch will be read again",
                        error_type=type(exc).__name__,
                    )
                    await sleep(retry.outage_pause_seconds)
                    raise
                error = exc
                log.warning(
                    "batch handler failed",
                    attempt=attempt,
                    size=len(items),
                    error=describe_error(exc),
                )
                if attempt < attempts:
                    await sleep(retry.backoff_seconds * 2 ** (attempt - 1))
        return error

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
        title=f"{group_id}:batch",
        description=description,
    )(on_batch)
