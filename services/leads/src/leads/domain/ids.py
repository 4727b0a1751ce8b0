"""Deterministic ids: the same lead or activity, by any door and any number of times, one id."""

from __future__ import annotations

import uuid

SOURCE = "urn:voronka:leads"
"""CloudEvents `source` of everything the leads service publishes."""

LEAD_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "urn:voronka:leads:lead")
ACTIVITY_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "urn:voronka:leads:activity")
SEP = "\x1f"  # a separator no id contains
REQUEST_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "urn:voronka:leads:http-request")


def lead_id_for(source: str, external_id: str | None, event_id: str) -> str:
    """Id of the lead a `lead.received` event describes.

    With an `external_id` the id depends only on (source, external_id), so a publisher that
    sends the same lead twice, or by HTTP and by Kafka, reaches the same lead. Without one the
    event id is all there is: redelivery of that event is still the same lead.
    """
    name = f"external:{source}{SEP}{external_id}" if external_id else f"event:{event_id}"
    return f"lead-{uuid.uuid5(LEAD_NAMESPACE, name).hex[:20]}"


def request_event_id(source: str, idempotency_key: str) -> str:
    """Event id of an HTTP intake request: a retried request publishes the same event."""
    return str(uuid.uuid5(REQUEST_NAMESPACE, f"{source}{SEP}{idempotency_key}"))


def activity_id_for(lead_id: str, idempotency_key: str) -> str:
    """Id of an activity posted with an Idempotency-Key: a retry logs nothing twice."""
    name = f"{lead_id}{SEP}{idempotency_key}"
    return f"act-{uuid.uuid5(ACTIVITY_NAMESPACE, name).hex[:20]}"
