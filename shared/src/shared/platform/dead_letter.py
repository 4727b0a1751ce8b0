"""Dead-letter topic: where a message goes when it cannot be processed, with why and whence."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from faststream.kafka import KafkaBroker
from pydantic import ValidationError

from shared.contracts.codec import describe_validation_error
from shared.contracts.errors import ContractError
from shared.contracts.topics import dead_letter_topic
from shared.platform.logging import scrub_text

DLQ_HEADER_PREFIX = "dlq_"
MAX_ERROR_CHARS = 500


def describe_error(exc: BaseException) -> str:
    """A one-line, personal-data-free description of why a message failed."""
    if isinstance(exc, ValidationError):
        text = describe_validation_error(exc)
    elif isinstance(exc, ContractError):
        text = str(exc)  # contract errors name field paths, never input values
    else:
        text = scrub_text(str(exc))
    text = " ".join(text.split())
    return f"{type(exc).__name__}: {text}"[:MAX_ERROR_CHARS]


def dead_letter_headers(
    record: Any, *, error: BaseException, attempts: int, consumer_group: str, failed_at: datetime
) -> dict[str, str]:
    """The original headers plus the origin and the error (earlier dlq_ headers are replaced)."""
    headers = {
        name: value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)
        for name, value in (record.headers or ())
        if not name.startswith(DLQ_HEADER_PREFIX)
    }
    headers.update(
        {
            "dlq_origin_topic": record.topic,
            "dlq_origin_partition": str(record.partition),
            "dlq_origin_offset": str(record.offset),
            "dlq_consumer_group": consumer_group,
            "dlq_error": describe_error(error),
            "dlq_error_type": type(error).__name__,
            "dlq_attempts": str(attempts),
            "dlq_failed_at": failed_at.isoformat(),
        }
    )
    return headers


class DeadLetterPublisher:
    """Copies a failed record, untouched, to `<topic>.dlq` with origin and error headers."""

    def __init__(self, broker: KafkaBroker, *, consumer_group: str) -> None:
        self._broker = broker
        self._group = consumer_group

    async def send(
        self, record: Any, *, error: BaseException, attempts: int, failed_at: datetime
    ) -> None:
        """Publish and wait for the broker's acknowledgement before the caller commits."""
        await self._broker.publish(
            record.value or b"",
            topic=dead_letter_topic(record.topic),
            key=record.key,
            headers=dead_letter_headers(
                record,
                error=error,
                attempts=attempts,
                consumer_group=self._group,
                failed_at=failed_at,
            ),
        )
