"""Infrastructure error classification: what is worth retrying and what is the message's fault."""

from __future__ import annotations

import asyncio

from aiokafka.errors import KafkaConnectionError, KafkaError, KafkaTimeoutError
from pymongo.errors import (
    AutoReconnect,
    ConnectionFailure,
    NetworkTimeout,
    PyMongoError,
    ServerSelectionTimeoutError,
)


class InfrastructureUnavailable(Exception):
    """Kafka or MongoDB cannot be reached; the message says which, on one line."""


class RetryLater(Exception):
    """The message is good but cannot take effect yet; it is read again later.

    A concurrent writer won the race for the same record, or what the message refers to has
    not arrived yet from another topic. Neither is the message's fault, so neither may send it
    to the dead-letter topic after a few quick tries.
    """


_TRANSIENT: tuple[type[BaseException], ...] = (
    InfrastructureUnavailable,
    ConnectionFailure,
    AutoReconnect,
    NetworkTimeout,
    ServerSelectionTimeoutError,
    KafkaConnectionError,
    KafkaTimeoutError,
    TimeoutError,
    asyncio.TimeoutError,
    ConnectionError,
)


def is_transient(exc: BaseException) -> bool:
    """Tell whether an error comes from the infrastructure rather than from the message.

    A transient error must never send a good message to the dead-letter topic: the consumer
    waits and retries the same offset instead, so nothing is committed for a failed write.
    """
    if isinstance(exc, _TRANSIENT):
        return True
    if isinstance(exc, PyMongoError) and exc.timeout:  # `timeoutMS` ran out: a stalled server
        return True
    return isinstance(exc, KafkaError) and bool(getattr(exc, "retriable", False))
