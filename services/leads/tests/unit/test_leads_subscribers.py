"""The batch subscriber of `lead.received` hands over exactly what each message carries."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from leads_fakes import received

from leads.entrypoints.subscribers import received as batch_received
from shared.contracts.codec import DecodedEvent
from shared.contracts.errors import TopicMismatchError
from shared.contracts.events.lead_lifecycle import LeadActivityLoggedV1
from shared.platform.consumer import BatchItem

pytestmark = pytest.mark.unit

AT = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
BODY = {"source": "website", "external_id": "form-1", "channel": "web_form"}


def test_a_batch_item_becomes_the_event_with_its_envelope_id_and_time() -> None:
    decoded = received(BODY, event_id="evt-1", at=AT)
    item = BatchItem(record=None, decoded=DecodedEvent(decoded.envelope, decoded.event))

    got = batch_received(item)

    assert (got.event, got.event_id, got.sent_at) == (decoded.event, "evt-1", AT)


def test_another_event_type_on_the_topic_is_refused_as_the_single_subscriber_did() -> None:
    decoded = received(BODY, event_id="evt-1", at=AT)
    call = LeadActivityLoggedV1.model_validate(
        {
            "activity_id": "act-1",
            "lead_id": "lead-1",
            "manager_id": "mgr-a",
            "kind": "call",
            "occurred_at": AT.isoformat(),
        }
    )
    item = BatchItem(record=None, decoded=DecodedEvent(decoded.envelope, call))

    with pytest.raises(TopicMismatchError):
        batch_received(item)
