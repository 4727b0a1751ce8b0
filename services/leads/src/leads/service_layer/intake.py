"""Intake of `lead.received`: identify, deduplicate, clean, score, assign and store a lead."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from leads.domain.assignment import LeadToAssign
from leads.domain.contact import NormalizedContact, normalize_contact
from leads.domain.dedupe import dedupe_keys, find_duplicate
from leads.domain.ids import lead_id_for
from leads.domain.lead import Lead
from leads.domain.priority import LeadSignals, score_lead
from leads.service_layer.assigner import Assigner
from leads.service_layer.ports import LeadRepository
from shared.contracts.codec import DecodedEvent
from shared.contracts.events.lead_received import LeadReceivedV1
from shared.platform.clock import Clock
from shared.platform.logging import get_logger
from shared.platform.repository import ConcurrentModification

log = get_logger(__name__)

ATTEMPTS = 5


class LeadIntake:
    """Handles one `lead.received`; safe to run again for the same event (no second lead)."""

    def __init__(
        self,
        leads: LeadRepository,
        assigner: Assigner,
        *,
        clock: Clock,
        dedupe_window: timedelta,
        on_stored: Callable[[], None] | None = None,
    ) -> None:
        self._leads = leads
        self._assigner = assigner
        self._clock = clock
        self._window = dedupe_window
        self._on_stored = on_stored

    async def __call__(self, decoded: DecodedEvent[LeadReceivedV1]) -> None:
        """Subscriber body for `lead.received`."""
        event = decoded.event
        await self.receive(event, event_id=decoded.envelope.id, sent_at=decoded.envelope.time)

    async def receive(self, event: LeadReceivedV1, *, event_id: str, sent_at: datetime) -> str:
        """Store the lead or merge it into the open lead of the same person; return its id."""
        lead_id = lead_id_for(event.source, event.external_id, event_id)
        existing = await self._leads.by_id_or_alias(lead_id)
        if existing is not None:
            log.info("lead already stored; redelivery ignored", lead_id=existing.id)
            return existing.id
        received_at = event.received_at or sent_at
        contact = normalize_contact(
            name=event.contact.name,
            phone=event.contact.phone,
            email=event.contact.email,
            company=event.contact.company,
            messenger_handle=event.contact.messenger_handle,
        )
        merged_into = await self._merge(lead_id, event, contact, received_at)
        if merged_into is not None:
            return merged_into
        await self._create(lead_id, event, event_id, contact, received_at)
        return lead_id

    async def _merge(
        self, alias: str, event: LeadReceivedV1, contact: NormalizedContact, received_at: datetime
    ) -> str | None:
        """Join the open lead this request duplicates; None when there is none."""
        for _ in range(ATTEMPTS):
            target = await self._duplicate_of(contact, received_at)
            if target is None:
                return None
            merged = target.merge_duplicate(
                alias=alias,
                request=event,
                contact=contact,
                received_at=received_at,
                now=self._clock.now(),
            )
            if merged:
                try:
                    await self._leads.save(target)
                except ConcurrentModification:
                    continue  # the lead changed (or closed) meanwhile: look again
                log.info("duplicate merged into open lead", lead_id=target.id, alias=alias)
                self._stored()
            return target.id
        raise ConcurrentModification(alias)

    async def _duplicate_of(self, contact: NormalizedContact, received_at: datetime) -> Lead | None:
        candidates = {
            lead.id: lead for lead in await self._leads.open_with_keys(dedupe_keys(contact))
        }
        found = find_duplicate(
            contact,
            [lead.dedupe_ref() for lead in candidates.values()],
            received_at=received_at,
            window=self._window,
        )
        return candidates[found.lead_id] if found else None

    async def _create(
        self,
        lead_id: str,
        event: LeadReceivedV1,
        event_id: str,
        contact: NormalizedContact,
        received_at: datetime,
    ) -> None:
        now = self._clock.now()
        client_lead = await self._leads.converted_with_keys(dedupe_keys(contact))
        priority = score_lead(
            LeadSignals(
                channel=event.channel.value,
                received_at=received_at,
                request_text=event.request_text or "",
                product=event.product,
                quantity=event.quantity,
                budget=event.budget.amount if event.budget else None,
                deadline=event.deadline,
                is_returning_client=client_lead is not None,
                referred_by=event.referred_by,
            )
        )
        owner = await self._assigner.choose(
            LeadToAssign(
                lead_id=lead_id,
                channel=event.channel.value,
                region=event.region,
                product=event.product,
                client_manager_id=client_lead.manager_id if client_lead else None,
            ),
            priority=priority.score,
            at=now,
        )
        lead = Lead.receive(
            lead_id=lead_id,
            request=event,
            contact=contact,
            received_at=received_at,
            priority=priority,
            owner=owner,
            client_lead_id=client_lead.id if client_lead else None,
            now=now,
        )
        if await self._leads.add(lead, causation_id=event_id):
            log.info(
                "lead stored",
                lead_id=lead_id,
                channel=event.channel.value,
                priority=priority.score,
                assigned=owner.manager_id is not None,
            )
            self._stored()

    def _stored(self) -> None:
        if self._on_stored is not None:
            self._on_stored()
