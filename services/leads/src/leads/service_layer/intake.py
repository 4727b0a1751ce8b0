"""Intake of `lead.received`: identify, deduplicate, clean, score, assign and store a lead."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from datetime import datetime

from leads.domain.assignment import LeadToAssign
from leads.domain.contact import NormalizedContact, normalize_contact
from leads.domain.contact_keys import ClientRef
from leads.domain.dedupe import dedupe_keys
from leads.domain.ids import lead_id_for
from leads.domain.lead import Lead
from leads.domain.lead_records import Owner
from leads.domain.priority import LeadSignals, Priority, score_lead
from leads.domain.product_reading import NO_PRODUCT_TERMS, ProductTerms
from leads.service_layer.assigner import Assigner
from leads.service_layer.contact_book import ContactBook, Sighting
from leads.service_layer.loads import LoadKeeper
from leads.service_layer.parking import ActivityParking
from leads.service_layer.ports import LeadRepository
from shared.contracts.codec import DecodedEvent
from shared.contracts.events.lead_received import LeadReceivedV1
from shared.platform.clock import Clock
from shared.platform.logging import get_logger
from shared.platform.repository import ConcurrentModification

log = get_logger(__name__)

ATTEMPTS = 40
IN_FLIGHT_PAUSE = 0.05
"""Seconds to wait for a lead another consumer claimed the person's keys for and is storing."""


class LeadIntake:
    """Handles one `lead.received`; safe to run again for the same event (no second lead)."""

    def __init__(
        self,
        leads: LeadRepository,
        assigner: Assigner,
        *,
        book: ContactBook,
        loads: LoadKeeper,
        clock: Clock,
        on_stored: Callable[[], None] | None = None,
        parking: ActivityParking | None = None,
        products: ProductTerms = NO_PRODUCT_TERMS,
    ) -> None:
        self._leads = leads
        self._assigner = assigner
        self._book = book
        self._loads = loads
        self._clock = clock
        self._on_stored = on_stored
        self._parking = parking
        self._products = products

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
            # The first delivery may have stopped between the lead's save and its load,
            # or before it logged what was parked for the lead.
            await self._loads.settle(existing.id, existing.counted_for)
            await self.unpark([existing])
            return existing.id
        received_at = event.received_at or sent_at
        contact = contact_of(event)
        keys = dedupe_keys(contact)
        for _ in range(ATTEMPTS):
            sighting = await self._book.look(keys, contact, received_at=received_at, own_id=lead_id)
            if sighting.in_flight:
                await asyncio.sleep(IN_FLIGHT_PAUSE)
                continue
            if sighting.duplicate is not None:
                if await self._merge(lead_id, event, contact, received_at, sighting):
                    return sighting.duplicate.id
                continue  # the lead changed (or closed) meanwhile: look again
            if await self._book.claim(lead_id, sighting.owners):
                await self._create(lead_id, event, event_id, contact, received_at, sighting.client)
                return lead_id
        raise ConcurrentModification(lead_id)

    async def _merge(
        self,
        alias: str,
        event: LeadReceivedV1,
        contact: NormalizedContact,
        received_at: datetime,
        sighting: Sighting,
    ) -> bool:
        """Join the open duplicate; False when it changed meanwhile."""
        target = sighting.duplicate
        assert target is not None
        merged = target.merge_duplicate(
            alias=alias,
            request=event,
            contact=contact,
            received_at=received_at,
            now=self._clock.now(),
            time_zone=await self._assigner.time_zone(target.team),
            products=self._products,
        )
        if merged:
            try:
                await self._leads.save(target)
            except ConcurrentModification:
                return False
            log.info("duplicate merged into open lead", lead_id=target.id, alias=alias)
            self._stored()
        await self._book.point_to(target, sighting.owners)
        # The request may bring the lead a phone something was parked under.
        await self.unpark([target])
        return True

    async def _create(
        self,
        lead_id: str,
        event: LeadReceivedV1,
        event_id: str,
        contact: NormalizedContact,
        received_at: datetime,
        client: ClientRef | None,
    ) -> None:
        now = self._clock.now()
        owner, priority = await self._assigner.choose_scored(
            to_assign(lead_id, event, client), self.scoring(event, received_at, client), at=now
        )
        lead = new_lead(lead_id, event, contact, received_at, priority, owner, client, now)
        if await self._leads.add(lead, causation_id=event_id):
            await self._loads.settle(lead_id, lead.counted_for)
            log.info(
                "lead stored",
                lead_id=lead_id,
                channel=event.channel.value,
                priority=priority.score,
                assigned=owner.manager_id is not None,
            )
            self._stored()
        await self.unpark([lead])

    def scoring(
        self, event: LeadReceivedV1, received_at: datetime, client: ClientRef | None
    ) -> Callable[[str], Priority]:
        """How the new lead is scored once its team's time zone is known."""

        def score(time_zone: str) -> Priority:
            return priority_of(
                event, received_at, client, time_zone=time_zone, products=self._products
            )

        return score

    async def unpark(self, leads: Sequence[Lead]) -> None:
        """Log on the leads what telephony parked under their phones before they landed."""
        if self._parking is not None:
            await self._parking.deliver(leads)  # the commands it logs with wake the relay

    def _stored(self) -> None:
        if self._on_stored is not None:
            self._on_stored()


def contact_of(event: LeadReceivedV1) -> NormalizedContact:
    """The request's contact, cleaned."""
    return normalize_contact(
        name=event.contact.name,
        phone=event.contact.phone,
        email=event.contact.email,
        company=event.contact.company,
        messenger_handle=event.contact.messenger_handle,
    )


def priority_of(
    event: LeadReceivedV1,
    received_at: datetime,
    client: ClientRef | None,
    *,
    time_zone: str,
    products: ProductTerms = NO_PRODUCT_TERMS,
) -> Priority:
    """The new lead's priority from the request's signals, on its team's local day."""
    return score_lead(
        LeadSignals(
            channel=event.channel.value,
            received_at=received_at,
            time_zone=time_zone,
            request_text=event.request_text or "",
            product=event.product,
            quantity=event.quantity,
            budget=event.budget.amount if event.budget else None,
            deadline=event.deadline,
            is_returning_client=client is not None,
            referred_by=event.referred_by,
        ),
        products=products,
    )


def to_assign(lead_id: str, event: LeadReceivedV1, client: ClientRef | None) -> LeadToAssign:
    """What assignment looks at in a new lead."""
    return LeadToAssign(
        lead_id=lead_id,
        channel=event.channel.value,
        region=event.region,
        product=event.product,
        client_manager_id=client.manager_id if client else None,
    )


def new_lead(
    lead_id: str,
    event: LeadReceivedV1,
    contact: NormalizedContact,
    received_at: datetime,
    priority: Priority,
    owner: Owner,
    client: ClientRef | None,
    now: datetime,
) -> Lead:
    """The lead a request opens, assigned to `owner`."""
    return Lead.receive(
        lead_id=lead_id,
        request=event,
        contact=contact,
        received_at=received_at,
        priority=priority,
        owner=owner,
        client_lead_id=client.lead_id if client else None,
        now=now,
    )
