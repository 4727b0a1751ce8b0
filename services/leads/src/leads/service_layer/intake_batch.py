"""Intake of a batch of `lead.received`: the common case in a few bulk commands per batch.

A new lead of a new person (the common case) costs, per batch rather than per lead: a read of the
leads and aliases asked for, of the contact keys and their owning leads, of the roster, one bulk
claim, one bulk insert, the load writes, and one read of the activities parked under the phones
of the batch (`ActivityParking`). A request the batch cannot settle that way goes to the
one-by-one `LeadIntake` after the others are stored: a duplicate of a stored lead, a key
claimed moments ago by a lead not stored yet, a key claimed meanwhile by another consumer, or
a person or lead id that appears earlier in the same batch (it may merge into that lead).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from leads.domain.contact import NormalizedContact
from leads.domain.dedupe import dedupe_keys
from leads.domain.ids import lead_id_for
from leads.domain.lead import Lead
from leads.service_layer.assigner import Assigner
from leads.service_layer.contact_book import Asking, ContactBook, Sighting
from leads.service_layer.intake import (
    LeadIntake,
    contact_of,
    new_lead,
    to_assign,
)
from leads.service_layer.loads import LoadKeeper
from leads.service_layer.parking import ActivityParking
from leads.service_layer.ports import LeadRepository
from shared.contracts.events.lead_received import LeadReceivedV1
from shared.platform.clock import Clock
from shared.platform.logging import get_logger

log = get_logger(__name__)


@dataclass(frozen=True)
class Received:
    """One delivered `lead.received`: the event, its envelope id and time."""

    event: LeadReceivedV1
    event_id: str
    sent_at: datetime


@dataclass(frozen=True)
class _Request:
    received: Received
    lead_id: str
    contact: NormalizedContact
    keys: Sequence[str]

    @property
    def received_at(self) -> datetime:
        return self.received.event.received_at or self.received.sent_at


class BatchIntake:
    """Handles a batch of `lead.received`; as safe to run again as `LeadIntake` (no second lead)."""

    def __init__(
        self,
        single: LeadIntake,
        leads: LeadRepository,
        assigner: Assigner,
        *,
        book: ContactBook,
        loads: LoadKeeper,
        clock: Clock,
        publish: Callable[[], Awaitable[None]] | None = None,
        parking: ActivityParking | None = None,
    ) -> None:
        self._single = single
        self._leads = leads
        self._assigner = assigner
        self._book = book
        self._loads = loads
        self._clock = clock
        self._publish = publish
        self._parking = parking

    async def receive_batch(self, batch: Sequence[Received]) -> list[str]:
        """Store or merge every request, in bulk where it can; the lead id each ended in."""
        requests = [_request(received) for received in batch]
        firsts, later = _first_of_each(requests)
        stored = await self._leads.by_ids_or_aliases([request.lead_id for request in firsts])
        for existing in stored.values():
            log.info("lead already stored; redelivery ignored", lead_id=existing.id)
            # The first delivery may have stopped between the lead's save and its load.
            await self._loads.settle(existing.id, existing.counted_for)
        fresh = [request for request in firsts if request.lead_id not in stored]
        sightings = await self._book.look_many(
            [Asking(r.keys, r.contact, r.received_at, r.lead_id) for r in fresh]
        )
        clear = [(r, s) for r, s in zip(fresh, sightings, strict=True) if _clear(s)]
        later.extend(r for r, s in zip(fresh, sightings, strict=True) if not _clear(s))
        claimed = await self._book.claim_many([(r.lead_id, s.owners) for r, s in clear])
        later.extend(r for r, _ in clear if r.lead_id not in claimed)
        kept = await self._create([(r, s) for r, s in clear if r.lead_id in claimed])
        # One query of the park for the whole batch: what telephony parked under the phones
        # of the new leads (and of redelivered ones, whose first delivery may have stopped
        # before it looked). Requests left to the one-by-one path look for themselves.
        logged = await self._parking.deliver([*stored.values(), *kept]) if self._parking else 0
        if (kept or logged) and self._publish is not None:
            # Before the next batch: a backlog of unpublished leads makes the relay slower.
            await self._publish()
        ended = {lead_id: lead.id for lead_id, lead in stored.items()}
        for request in sorted(later, key=requests.index):
            received = request.received
            ended[request.lead_id] = await self._single.receive(
                received.event, event_id=received.event_id, sent_at=received.sent_at
            )
        return [ended.get(request.lead_id, request.lead_id) for request in requests]

    async def _create(self, new: Sequence[tuple[_Request, Sighting]]) -> list[Lead]:
        """Assign and store the new leads; those stored by this call."""
        if not new:
            return []
        round_ = await self._assigner.start_round()
        leads: list[Lead] = []
        for request, sighting in new:
            event, now = request.received.event, self._clock.now()
            owner, priority = await round_.choose_scored(
                to_assign(request.lead_id, event, sighting.client),
                self._single.scoring(event, request.received_at, sighting.client),
                at=now,
            )
            leads.append(
                new_lead(
                    request.lead_id,
                    event,
                    request.contact,
                    request.received_at,
                    priority,
                    owner,
                    sighting.client,
                    now,
                )
            )
        await round_.finish()
        added = await self._leads.add_many(
            leads, causation_ids=[request.received.event_id for request, _ in new]
        )
        kept = [lead for lead, ok in zip(leads, added, strict=True) if ok]
        if not kept:
            return []
        await self._loads.settle_new([(lead.id, lead.counted_for) for lead in kept])
        for lead in kept:
            log.info(
                "lead stored",
                lead_id=lead.id,
                channel=lead.channel.value,
                priority=lead.priority.score,
                assigned=lead.manager_id is not None,
            )
        return kept


def _request(received: Received) -> _Request:
    event = received.event
    contact = contact_of(event)
    return _Request(
        received,
        lead_id_for(event.source, event.external_id, received.event_id),
        contact,
        dedupe_keys(contact),
    )


def _first_of_each(requests: Sequence[_Request]) -> tuple[list[_Request], list[_Request]]:
    """Requests whose lead id and keys are new to the batch, and those repeating earlier ones."""
    seen: set[str] = set()
    firsts: list[_Request] = []
    later: list[_Request] = []
    for request in requests:
        names = {request.lead_id, *request.keys}
        (later if names & seen else firsts).append(request)
        seen |= names
    return firsts, later


def _clear(sighting: Sighting) -> bool:
    """Nothing to merge into and nothing in flight: the request opens a lead."""
    return sighting.duplicate is None and not sighting.in_flight
