"""Leads submitted over HTTP: published as `lead.received`, stored by the same consumer as Kafka's.

Both doors thus deduplicate alike. The request is answered only once Kafka acknowledged the
event; an Idempotency-Key makes a retry publish the same event and get the same answer.
"""

from __future__ import annotations

import asyncio
import hashlib
import uuid
from dataclasses import dataclass

from leads.domain.ids import SOURCE, lead_id_for, request_event_id
from leads.service_layer.ports import EventPublisher, RequestLog
from shared.contracts.events.lead_received import LeadReceivedV1
from shared.contracts.topics import Topic
from shared.platform.clock import Clock
from shared.platform.errors import InfrastructureUnavailable
from shared.platform.outbox import outbox_message

INTAKE_SOURCE = f"{SOURCE}:http"


class IdempotencyKeyReused(Exception):
    """The Idempotency-Key was used before with a different body."""


@dataclass(frozen=True)
class Submitted:
    """The lead's id (now or once stored) and the id of the event published for it."""

    lead_id: str
    event_id: str


class HttpIntake:
    """Publishes submitted leads, waiting at most `publish_timeout` seconds for Kafka's ack."""

    def __init__(
        self,
        publisher: EventPublisher,
        requests: RequestLog,
        *,
        clock: Clock,
        publish_timeout: float,
    ) -> None:
        self._publisher = publisher
        self._requests = requests
        self._clock = clock
        self._timeout = publish_timeout

    async def submit(self, lead: LeadReceivedV1, *, idempotency_key: str | None) -> Submitted:
        """Publish `lead.received`; raise `InfrastructureUnavailable` if Kafka does not ack."""
        if idempotency_key:
            event_id = request_event_id(lead.source, idempotency_key)
        else:
            event_id = str(uuid.uuid4())
        lead_id = lead_id_for(lead.source, lead.external_id, event_id)
        if idempotency_key:
            await self._check_key(lead, idempotency_key, lead_id)
        message = outbox_message(
            lead,
            topic=Topic.LEAD_RECEIVED.value,
            source=INTAKE_SOURCE,
            key=lead_id,
            correlation_id=lead_id,
            event_id=event_id,
            time=self._clock.now(),
        )
        try:
            await asyncio.wait_for(self._publisher.publish_batch([message]), self._timeout)
        except TimeoutError:
            raise InfrastructureUnavailable("Kafka did not acknowledge the lead in time") from None
        return Submitted(lead_id=lead_id, event_id=event_id)

    async def _check_key(self, lead: LeadReceivedV1, idempotency_key: str, lead_id: str) -> None:
        body_hash = hashlib.sha256(lead.model_dump_json().encode()).hexdigest()
        earlier = await self._requests.remember(
            f"{lead.source}\x1f{idempotency_key}",
            body_hash=body_hash,
            lead_id=lead_id,
            at=self._clock.now(),
        )
        if earlier is not None and earlier != body_hash:
            raise IdempotencyKeyReused(idempotency_key)
