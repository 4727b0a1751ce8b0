"""Voronka's wire contracts: topics, the CloudEvents envelope, versioned events, codec, registry."""

from shared.contracts.codec import DecodedEvent, bare_event_id, decode, encode
from shared.contracts.envelope import Envelope, Headers
from shared.contracts.errors import (
    ContractError,
    DuplicateEventError,
    InvalidEnvelopeError,
    InvalidEventError,
    MalformedPayloadError,
    TopicMismatchError,
    UnknownEventError,
    describe_validation_error,
)
from shared.contracts.events import (
    ContractModel,
    DealStageChangedV1,
    EventModel,
    LeadChannel,
    LeadContact,
    LeadReceivedV1,
    Money,
    PaymentDueV1,
    ReminderKind,
    UtmTags,
    payment_reminder_id,
)
from shared.contracts.registry import REGISTRY, EventRegistry
from shared.contracts.topics import TOPIC_SPECS, Topic, TopicSpec, dead_letter_topic

__all__ = [
    "REGISTRY",
    "TOPIC_SPECS",
    "ContractError",
    "ContractModel",
    "DealStageChangedV1",
    "DecodedEvent",
    "DuplicateEventError",
    "Envelope",
    "EventModel",
    "EventRegistry",
    "Headers",
    "InvalidEnvelopeError",
    "InvalidEventError",
    "LeadChannel",
    "LeadContact",
    "LeadReceivedV1",
    "MalformedPayloadError",
    "Money",
    "PaymentDueV1",
    "ReminderKind",
    "Topic",
    "TopicMismatchError",
    "TopicSpec",
    "UnknownEventError",
    "UtmTags",
    "bare_event_id",
    "dead_letter_topic",
    "decode",
    "describe_validation_error",
    "encode",
    "payment_reminder_id",
]
