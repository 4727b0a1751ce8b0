"""The stored shape of a delivery: field names the log, indexes and reports rely on."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from notifications.adapters.delivery_mapper import DeliveryMapper
from notifications.domain.delivery import Delivery, SourceRecord
from notifications.domain.messages import ProviderReceipt
from notifications.domain.model import Channel, DeliveryStatus

pytestmark = pytest.mark.unit

NOW = datetime(2026, 3, 2, 7, 0, tzinfo=UTC)
SOURCE = SourceRecord(
    topic="payment.due",
    event_id="evt-1",
    dedupe_id="inv-1/1:on_issue",
    type="payment.due",
    key="inv-1",
    payload='{"invoice_id":"inv-1"}',
    headers={"ce_id": "evt-1"},
)


def planned() -> Delivery:
    return Delivery.plan(
        "d-1",
        source=SOURCE,
        event_kind="payment.due:on_issue",
        recipient_id="client-1",
        recipient_kind="client",
        channel=Channel.EMAIL,
        urgent=False,
        now=NOW,
        cancel_keys=["invoice:inv-1"],
    )


def test_a_planned_delivery_is_stored_with_the_fields_of_the_log() -> None:
    document = DeliveryMapper().to_document(planned())

    assert document == {
        "_id": "d-1",
        "status": "queued",
        "reason": None,
        "event_kind": "payment.due:on_issue",
        "recipient_id": "client-1",
        "recipient_kind": "client",
        "channel": "email",
        "urgent": False,
        "source_event_id": "evt-1",
        "source_id": "inv-1/1:on_issue",
        "source_type": "payment.due",
        "source": {
            "topic": "payment.due",
            "key": "inv-1",
            "payload": '{"invoice_id":"inv-1"}',
            "headers": {"ce_id": "evt-1"},
        },
        "cancel_keys": ["invoice:inv-1"],
        "attempts": 0,
        "in_flight": False,
        "next_attempt_at": NOW,
        "lease_until": None,
        "lease_owner": None,
        "created_at": NOW,
        "updated_at": NOW,
        "sent_at": None,
        "provider": None,
        "last_error": None,
        "history": [{"at": NOW, "event": "queued", "reason": None}],
    }


def test_a_sent_delivery_reads_back_as_it_was_written() -> None:
    mapper = DeliveryMapper()
    delivery = planned()
    delivery.lease("replica-1", NOW + timedelta(minutes=1))
    delivery.start_attempt(NOW)
    delivery.mark_sent(ProviderReceipt("250", "msg-1"), NOW + timedelta(seconds=2))
    document = mapper.to_document(delivery)

    again = mapper.from_document(document)

    assert mapper.to_document(again) == document
    assert document["provider"] == {"status": "250", "id": "msg-1"}
    assert document["history"][1] == {
        "at": NOW,
        "event": "attempt",
        "reason": None,
        "attempt": 1,
        "after_unfinished": False,
    }
    assert (again.status, again.attempts, again.lease_owner) == (DeliveryStatus.SENT, 1, None)
