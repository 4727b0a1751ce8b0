"""Turn event models into Kafka payload + headers and back, for enveloped and bare messages."""

import hashlib
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Generic, TypeVar

from pydantic import ValidationError

from shared.contracts.envelope import Envelope, Headers
from shared.contracts.errors import (
    ContractError,
    InvalidEventError,
    MalformedPayloadError,
    TopicMismatchError,
    UnknownEventError,
    describe_validation_error,
    error_paths,
)
from shared.contracts.events.base import EventModel
from shared.contracts.registry import REGISTRY, EventRegistry
from shared.contracts.topics import origin_topic

__all__ = [
    "BARE_PAYLOAD_NAMESPACE",
    "DecodedEvent",
    "bare_event_id",
    "decode",
    "describe_validation_error",
    "encode",
]

BARE_PAYLOAD_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "urn:voronka:bare-payload")
"""Namespace of the uuid5 ids given to bare payloads."""


E = TypeVar("E", bound=EventModel, covariant=True)


@dataclass(frozen=True, slots=True)
class DecodedEvent(Generic[E]):
    """A decoded message: its envelope (read or synthesised) and its typed payload."""

    envelope: Envelope
    event: E
    bare: bool = False
    """True when the message had no CloudEvents headers and the envelope was synthesised."""


def encode(
    event: EventModel,
    *,
    source: str,
    subject: str | None = None,
    correlation_id: str | None = None,
    causation_id: str | None = None,
    event_id: str | None = None,
    time: datetime | None = None,
    registry: EventRegistry = REGISTRY,
) -> tuple[bytes, list[tuple[str, bytes]]]:
    """Serialise an event to UTF-8 JSON and CloudEvents binary-mode headers.

    Refuses (``UnknownEventError``) an event whose model is not the registered one for its
    type and version: whatever a producer emits, its consumers must be able to decode.
    """
    model = type(event)
    if registry.resolve(model.event_type, model.event_version) is not model:
        raise UnknownEventError(
            f"{model.__name__} is not the model registered for "
            f"{model.event_type} v{model.event_version}"
        )
    envelope = Envelope.model_validate(
        {
            "id": event_id,
            "source": source,
            "type": model.event_type,
            "time": time if time is not None else datetime.now(UTC),
            "subject": subject,
            "dataversion": model.event_version,
            "correlationid": correlation_id,
            "causationid": causation_id,
        }
    )
    return event.model_dump_json().encode("utf-8"), envelope.to_headers()


def bare_event_id(event_type: str, payload: bytes) -> str:
    """Return the id a bare payload gets: the same bytes of the same type, the same id.

    So a redelivered (or dead-lettered and replayed) bare message deduplicates like an
    enveloped one. The flip side, accepted: two distinct publications with byte-identical
    payloads count as one; publishers that need both should send an ``external_id`` or
    CloudEvents headers.
    """
    digest = hashlib.sha256(payload).hexdigest()
    return str(uuid.uuid5(BARE_PAYLOAD_NAMESPACE, f"{event_type}:{digest}"))


def decode(
    payload: bytes,
    headers: Headers | None,
    *,
    topic: str,
    registry: EventRegistry = REGISTRY,
) -> DecodedEvent[EventModel]:
    """Read a message consumed from ``topic`` into its envelope and typed event.

    With CloudEvents headers the model is ``(ce_type, ce_dataversion)``; the type must be the
    topic's (or the topic must be that type's dead-letter twin). Without them the payload is
    a bare JSON document from a simple publisher: its type is the topic name and its version
    the lowest one registered, because simple publishers are documented to speak v1 and
    never learn about later versions. Every failure is a ``ContractError`` whose text names
    field paths, never values.
    """
    event_type = origin_topic(topic)
    envelope = Envelope.from_headers(headers) if headers is not None else None
    if envelope is None:
        model = registry.resolve(event_type, registry.lowest_version(event_type))
        event_id = bare_event_id(event_type, payload)
        envelope = Envelope(
            id=event_id,
            source=f"urn:voronka:bare:{event_type}",
            type=event_type,
            time=datetime.now(UTC),
            dataversion=model.event_version,
            correlationid=event_id,
        )
        return DecodedEvent(envelope=envelope, event=_validate(model, payload), bare=True)
    if envelope.type != event_type:
        raise TopicMismatchError(
            f"topic {topic} carries {event_type} events only, not {envelope.type[:80]!r}"
        )
    model = registry.resolve(envelope.type, envelope.dataversion)
    return DecodedEvent(envelope=envelope, event=_validate(model, payload))


def _validate(model: type[EventModel], payload: bytes) -> EventModel:
    try:
        return model.model_validate_json(payload)
    except ValidationError as err:
        failure = _contract_error(model, err)
    # Raised outside the handler so the ValidationError, whose text quotes the input (personal
    # data), is neither the cause nor the context of what reaches logs and DLQ headers.
    raise failure


def _contract_error(model: type[EventModel], err: ValidationError) -> ContractError:
    label = f"{model.event_type} v{model.event_version}"
    detail = describe_validation_error(err)
    if any(e["type"] == "json_invalid" for e in err.errors(include_input=False)):
        return MalformedPayloadError(f"{label} payload is not valid JSON: {detail}")
    return InvalidEventError(
        f"{label} payload does not match the contract: {detail}", error_paths(err)
    )
