"""How a Delivery is stored: one document per delivery, field names as the log has them."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from notifications.domain.delivery import Delivery, HistoryEntry, SourceRecord
from notifications.domain.messages import ProviderReceipt
from notifications.domain.model import Channel, DeliveryStatus

_ENTRY_FIELDS = ("at", "event", "reason")


def _source_fields(source: SourceRecord) -> dict[str, Any]:
    # Headers as a map: FerretDB has no nested arrays.
    return {
        "source_event_id": source.event_id,
        "source_id": source.dedupe_id,
        "source_type": source.type,
        "source": {
            "topic": source.topic,
            "key": source.key,
            "payload": source.payload,
            "headers": dict(source.headers),
        },
    }


def _source(document: Mapping[str, Any]) -> SourceRecord:
    source = document["source"]
    return SourceRecord(
        topic=source["topic"],
        event_id=document["source_event_id"],
        dedupe_id=document["source_id"],
        type=document["source_type"],
        key=source.get("key"),
        payload=source["payload"],
        headers=dict(source.get("headers") or {}),
    )


def _entry(line: Mapping[str, Any]) -> HistoryEntry:
    detail = {name: value for name, value in line.items() if name not in _ENTRY_FIELDS}
    return HistoryEntry(line["at"], line["event"], line.get("reason"), detail)


def _provider(value: Mapping[str, Any] | None) -> ProviderReceipt | None:
    return None if value is None else ProviderReceipt(value.get("status") or "", value.get("id"))


class DeliveryMapper:
    """`deliveries` documents <-> Delivery aggregates."""

    def to_document(self, aggregate: Delivery) -> dict[str, Any]:
        """The delivery as stored (revision and outbox are the repository's)."""
        return {
            "_id": aggregate.id,
            "status": aggregate.status.value,
            "reason": aggregate.reason,
            "event_kind": aggregate.event_kind,
            "recipient_id": aggregate.recipient_id,
            "recipient_kind": aggregate.recipient_kind,
            "channel": aggregate.channel.value,
            "urgent": aggregate.urgent,
            **_source_fields(aggregate.source),
            "cancel_keys": list(aggregate.cancel_keys),
            "attempts": aggregate.attempts,
            "in_flight": aggregate.in_flight,
            "next_attempt_at": aggregate.next_attempt_at,
            "lease_until": aggregate.lease_until,
            "lease_owner": aggregate.lease_owner,
            "created_at": aggregate.created_at,
            "updated_at": aggregate.updated_at,
            "sent_at": aggregate.sent_at,
            "provider": aggregate.provider.as_record() if aggregate.provider else None,
            "last_error": aggregate.last_error,
            "history": [entry.as_record() for entry in aggregate.history],
            # Only when the event named the address: other deliveries keep their old shape.
            **({"address": aggregate.address} if aggregate.address is not None else {}),
        }

    def from_document(self, document: Mapping[str, Any]) -> Delivery:
        """The delivery a stored document describes."""
        return Delivery(
            id=document["_id"],
            status=DeliveryStatus(document["status"]),
            reason=document.get("reason"),
            event_kind=document["event_kind"],
            recipient_id=document["recipient_id"],
            recipient_kind=document["recipient_kind"],
            channel=Channel(document["channel"]),
            urgent=bool(document.get("urgent")),
            source=_source(document),
            cancel_keys=tuple(document.get("cancel_keys") or ()),
            created_at=document["created_at"],
            updated_at=document["updated_at"],
            attempts=int(document.get("attempts") or 0),
            in_flight=bool(document.get("in_flight")),
            next_attempt_at=document.get("next_attempt_at"),
            lease_until=document.get("lease_until"),
            lease_owner=document.get("lease_owner"),
            sent_at=document.get("sent_at"),
            provider=_provider(document.get("provider")),
            last_error=document.get("last_error"),
            history=[_entry(line) for line in document.get("history") or ()],
            address=document.get("address"),
        )
