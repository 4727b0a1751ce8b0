"""In-memory adapters of the leads service layer: the lead repository's queries and the roster."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, time, timedelta
from typing import Any

from leads.adapters.lead_mapper import LeadMapper
from leads.domain.assignment import AssignmentRule
from leads.domain.contact_keys import ClientRef, ContactKey, KeyClaim
from leads.domain.ids import SOURCE
from leads.domain.lead import Lead
from leads.domain.lead_filter import LeadFilter
from leads.domain.parked import ParkedActivity
from leads.domain.product_reading import NO_PRODUCT_TERMS, ProductTerms
from leads.domain.roster import RosterManager, RosterTeam, WorkingTime
from leads.domain.sla import SlaPolicy
from leads.service_layer.absences import Absences
from leads.service_layer.assigner import Assigner, AssignmentConfig
from leads.service_layer.commands import LeadCommands
from leads.service_layer.contact_book import ContactBook
from leads.service_layer.http_intake import HttpIntake
from leads.service_layer.intake import LeadIntake
from leads.service_layer.intake_batch import BatchIntake, Received
from leads.service_layer.loads import LoadKeeper
from leads.service_layer.parking import ActivityParking
from leads.service_layer.queries import LeadQueries
from leads.service_layer.sla_watcher import SlaWatcher
from leads.service_layer.telephony import ExternalActivities
from shared.contracts.codec import DecodedEvent
from shared.contracts.envelope import Envelope
from shared.contracts.events.lead_received import LeadReceivedV1
from shared.platform.clock import Clock, ManualClock
from shared.platform.repository import message_on_own_topic
from shared.testing.fakes import FakePublisher, InMemoryRepository


class InMemoryLeadRepository(InMemoryRepository[Lead]):
    """`LeadRepository` over documents in a dict; the queries run in Python."""

    def __init__(self, *, clock: Clock) -> None:
        super().__init__(LeadMapper(), clock=clock, message_of=message_on_own_topic(SOURCE))

    async def by_id_or_alias(self, lead_id: str) -> Lead | None:
        return next((x for x in self.all() if lead_id == x.id or lead_id in x.aliases), None)

    async def by_ids_or_aliases(self, lead_ids: Sequence[str]) -> dict[str, Lead]:
        found = {lead_id: await self.by_id_or_alias(lead_id) for lead_id in lead_ids}
        return {lead_id: lead for lead_id, lead in found.items() if lead is not None}

    async def get_many(self, lead_ids: Sequence[str]) -> dict[str, Lead]:
        found = {lead_id: await self.get(lead_id) for lead_id in lead_ids}
        return {lead_id: lead for lead_id, lead in found.items() if lead is not None}

    async def add_many(self, leads: Sequence[Lead], *, causation_ids: Sequence[str]) -> list[bool]:
        return [
            await self.add(lead, causation_id=cause)
            for lead, cause in zip(leads, causation_ids, strict=True)
        ]

    async def counted_for_many(self, lead_ids: Sequence[str]) -> dict[str, str | None]:
        return {lead_id: await self.counted_for(lead_id) for lead_id in lead_ids}

    async def due(self, now: datetime, limit: int) -> list[Lead]:
        due = [lead for lead in self.all() if lead.is_sla_due(now)]
        return sorted(due, key=lambda lead: lead.sla_due_at or now)[:limit]

    async def postpone(self, lead_id: str, until: datetime) -> None:
        await self.set_aside(lead_id, "sla_due_at", until)

    async def counted_for(self, lead_id: str) -> str | None:
        lead = await self.get(lead_id)
        return lead.counted_for if lead else None

    async def open_ids_of(self, manager_id: str) -> set[str]:
        return {lead.id for lead in self.all() if lead.counted_for == manager_id}

    async def managers_with_open_leads(self) -> set[str]:
        return {lead.counted_for for lead in self.all() if lead.counted_for}

    async def search(
        self, wanted: LeadFilter, *, offset: int, limit: int
    ) -> tuple[list[Lead], int]:
        found = sorted(
            (lead for lead in self.all() if wanted.matches(lead)),
            key=lambda lead: (-lead.priority.score, lead.received_at, lead.id),
        )
        if wanted.deadline_before is not None:
            found.sort(key=lambda lead: (lead.sla_deadline or wanted.deadline_before, lead.id))
        return found[offset : offset + limit], len(found)

    def stored(self, lead_id: str) -> Lead:
        """The stored lead (fails the test when there is none)."""
        lead = next((x for x in self.all() if x.id == lead_id), None)
        assert lead is not None, f"no lead {lead_id}"
        return lead


class Crash(Exception):
    """The process stopped between two writes (raised by a fake told to fail)."""


class InMemoryLoadCounter:
    """`LoadCounter` as sets in a dict; `crash_next` makes the next change fail before it lands."""

    def __init__(self) -> None:
        self.sets: dict[str, set[str]] = {}
        self.crash_next = False

    async def count(self, manager_id: str, lead_id: str) -> None:
        self._crash()
        self.sets.setdefault(manager_id, set()).add(lead_id)

    async def count_many(self, counts: Sequence[tuple[str, str]]) -> None:
        self._crash()
        for manager_id, lead_id in counts:
            self.sets.setdefault(manager_id, set()).add(lead_id)

    async def uncount(self, manager_id: str, lead_id: str) -> None:
        self._crash()
        self.sets.get(manager_id, set()).discard(lead_id)

    async def loads(self, manager_ids: Sequence[str]) -> dict[str, int]:
        return {m: len(self.sets[m]) for m in manager_ids if m in self.sets}

    async def counted(self, manager_id: str) -> set[str]:
        return set(self.sets.get(manager_id, set()))

    async def managers(self) -> list[str]:
        return sorted(self.sets)

    def by_manager(self) -> dict[str, int]:
        """Every non-zero load (for assertions)."""
        return {m: len(ids) for m, ids in sorted(self.sets.items()) if ids}

    def _crash(self) -> None:
        if self.crash_next:
            self.crash_next = False
            raise Crash


class InMemoryContactKeys:
    """`ContactKeys` in a dict; every call yields, so requests handled at once interleave."""

    def __init__(self) -> None:
        self.keys: dict[str, ContactKey] = {}

    async def read(self, keys: Sequence[str]) -> list[ContactKey]:
        await asyncio.sleep(0)
        return [self.keys[key] for key in keys if key in self.keys]

    async def claim(self, key: str, lead_id: str, *, expected: str | None, at: datetime) -> bool:
        await asyncio.sleep(0)
        stored = self.keys.get(key, ContactKey(key))
        if stored.owner != expected:
            return False
        self.keys[key] = replace(stored, owner=lead_id, claimed_at=at)
        return True

    async def claim_many(self, claims: Sequence[KeyClaim], *, at: datetime) -> list[bool]:
        return [await self.claim(c.key, c.lead_id, expected=c.expected, at=at) for c in claims]

    async def release(self, key: str, lead_id: str) -> None:
        await asyncio.sleep(0)
        stored = self.keys.get(key)
        if stored is not None and stored.owner == lead_id:
            self.keys[key] = replace(stored, owner=None, claimed_at=None)

    async def record_client(self, key: str, client: ClientRef) -> None:
        await asyncio.sleep(0)
        stored = self.keys.get(key, ContactKey(key))
        if stored.client is None or stored.client.converted_at <= client.converted_at:
            self.keys[key] = replace(stored, client=client)


class InMemoryParkedActivities:
    """`ParkedActivities` in a dict by activity id; counts the `waiting` queries it answers.

    `before_park`, when set, runs once just before the next activity is stored: a test puts a
    concurrent intake there, landing the lead between telephony's look-up and its parking.
    """

    def __init__(self) -> None:
        self.parked: dict[str, ParkedActivity] = {}
        self.queries: list[list[str]] = []
        self.before_park: Callable[[], Awaitable[object]] | None = None

    async def park(self, parked: ParkedActivity) -> bool:
        if self.before_park is not None:
            hook, self.before_park = self.before_park, None
            await hook()
        if parked.activity_id in self.parked:
            return False
        self.parked[parked.activity_id] = parked
        return True

    async def waiting(self, keys: Sequence[str]) -> list[ParkedActivity]:
        self.queries.append(list(keys))
        return [p for p in self.parked.values() if p.key in keys]

    async def remove(self, activity_id: str) -> None:
        self.parked.pop(activity_id, None)

    async def expired(self, now: datetime, limit: int) -> list[str]:
        due = sorted((p for p in self.parked.values() if p.expired(now)), key=_expiry)
        return [p.activity_id for p in due[:limit]]

    async def remove_expired(self, activity_id: str, now: datetime) -> bool:
        parked = self.parked.get(activity_id)
        if parked is None or not parked.expired(now):
            return False
        del self.parked[activity_id]
        return True


def _expiry(parked: ParkedActivity) -> tuple[datetime, str]:
    return parked.expires_at, parked.activity_id


class InMemoryRoster:
    """`Roster` in dicts."""

    def __init__(self, managers: Sequence[Mapping[str, Any]] = ()) -> None:
        self.managers = {m["id"]: RosterManager(**m) for m in managers}
        self.teams: dict[str, RosterTeam] = {}
        self.rules: list[AssignmentRule] = []
        self.rotation: str | None = None

    async def put_manager(self, manager: RosterManager) -> None:
        self.managers[manager.id] = manager

    async def set_presence(self, manager_id: str, present: bool) -> bool:
        if manager_id not in self.managers:
            return False
        self.managers[manager_id] = replace(self.managers[manager_id], present=present)
        return True

    async def get_manager(self, manager_id: str) -> RosterManager | None:
        return self.managers.get(manager_id)

    async def list_managers(self, *, active_only: bool = False) -> list[RosterManager]:
        return [m for _, m in sorted(self.managers.items()) if m.active or not active_only]

    async def put_team(self, team: RosterTeam) -> None:
        self.teams[team.id] = team

    async def get_team(self, team_id: str) -> RosterTeam | None:
        return self.teams.get(team_id)

    async def list_teams(self) -> list[RosterTeam]:
        return [team for _, team in sorted(self.teams.items())]

    async def get_rules(self) -> list[AssignmentRule]:
        return list(self.rules)

    async def assignment_settings(self) -> tuple[list[AssignmentRule], str | None]:
        return list(self.rules), self.rotation

    async def put_rules(self, rules: Sequence[AssignmentRule]) -> None:
        self.rules = list(rules)

    async def last_assigned(self) -> str | None:
        return self.rotation

    async def set_last_assigned(self, manager_id: str) -> None:
        self.rotation = manager_id


class InMemoryRequestLog:
    """`RequestLog` in a dict."""

    def __init__(self) -> None:
        self.hashes: dict[str, str] = {}

    async def remember(self, key: str, *, body_hash: str, lead_id: str, at: datetime) -> str | None:
        earlier = self.hashes.get(key)
        if earlier is None:
            self.hashes[key] = body_hash
        return earlier


def around_the_clock_assigner(
    roster: InMemoryRoster, loads: LoadKeeper, policy: SlaPolicy
) -> Assigner:
    """Round robin over the roster, on a 24/7 calendar, so deadlines are plain minutes."""
    return Assigner(
        roster,
        loads,
        AssignmentConfig(
            strategy="round_robin",
            default_team="sales",
            default_calendar=WorkingTime("around_the_clock", "Europe/Moscow", time(9), time(18)),
            sla=policy,
        ),
    )


ROSTER = (
    {"id": "mgr-a", "name": "Анна", "team": "sales"},
    {"id": "mgr-b", "name": "Борис", "team": "sales"},
    {"id": "mgr-c", "name": "Вера", "team": "sales"},
    {"id": "head", "name": "Глава продаж", "team": "sales", "role": "head_of_sales"},
)
START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
"""A Monday morning; the 24/7 calendar makes every deadline START + 60 minutes."""
DISQUALIFY_REASONS = frozenset({"no_budget", "spam"})
PARKED_FOR = timedelta(days=7)
"""`LEADS_PARKED_ACTIVITY_DAYS` at its default."""


@dataclass
class LeadsWorld:
    """The leads service layer over in-memory adapters and a manual clock."""

    clock: ManualClock
    leads: InMemoryLeadRepository
    counter: InMemoryLoadCounter
    contact_keys: InMemoryContactKeys
    park: InMemoryParkedActivities
    parking: ActivityParking
    loads: LoadKeeper
    roster: InMemoryRoster
    intake: LeadIntake
    batch: BatchIntake
    commands: LeadCommands
    watcher: SlaWatcher
    telephony: ExternalActivities
    queries: LeadQueries
    http: HttpIntake
    publisher: FakePublisher
    requests: InMemoryRequestLog
    absences: Absences

    def published(self, topic: str) -> list[dict[str, Any]]:
        """Payloads of the events the leads published on `topic`, in order."""
        return [json.loads(m.value) for m in self.leads.published_on(topic)]

    async def receive(
        self, body: Mapping[str, Any], *, event_id: str | None = None
    ) -> tuple[str, DecodedEvent[LeadReceivedV1]]:
        """Deliver `lead.received` with this body; return the lead id it ended in, and the event."""
        decoded = received(
            body, event_id=event_id or f"evt-{body.get('external_id')}", at=self.clock.now()
        )
        lead_id = await self.intake.receive(
            decoded.event, event_id=decoded.envelope.id, sent_at=decoded.envelope.time
        )
        return lead_id, decoded

    async def receive_batch(self, bodies: Sequence[Mapping[str, Any]]) -> list[str]:
        """Deliver one `lead.received` per body as one batch; the lead id each ended in."""
        now = self.clock.now()
        return await self.batch.receive_batch(
            [
                Received(
                    received(b, event_id=f"evt-{b.get('external_id')}", at=now).event,
                    f"evt-{b.get('external_id')}",
                    now,
                )
                for b in bodies
            ]
        )


def received(
    body: Mapping[str, Any], *, event_id: str, at: datetime, source: str = "urn:test:channel"
) -> DecodedEvent[LeadReceivedV1]:
    """A decoded `lead.received` as the consumer hands it over."""
    return DecodedEvent(
        envelope=Envelope(
            id=event_id, source=source, type="lead.received", time=at, correlationid=event_id
        ),
        event=LeadReceivedV1.model_validate(body),
    )


def leads_world(
    managers: Sequence[Mapping[str, Any]] = ROSTER,
    *,
    max_breaches: int = 2,
    repository: type[InMemoryLeadRepository] = InMemoryLeadRepository,
    publish: Callable[[], Awaitable[None]] | None = None,
    products: ProductTerms = NO_PRODUCT_TERMS,
) -> LeadsWorld:
    """Everything wired as bootstrap does, with fakes instead of MongoDB and Kafka."""
    clock = ManualClock(START)
    leads = repository(clock=clock)
    counter = InMemoryLoadCounter()
    contact_keys = InMemoryContactKeys()
    loads = LoadKeeper(leads, counter)
    book = ContactBook(leads, contact_keys, clock=clock, window=timedelta(hours=72))
    roster = InMemoryRoster(managers)
    policy = SlaPolicy(default_minutes=60, max_breaches=max_breaches)
    assigner = around_the_clock_assigner(roster, loads, policy)
    commands = LeadCommands(
        leads,
        assigner,
        book=book,
        loads=loads,
        clock=clock,
        disqualify_reasons=DISQUALIFY_REASONS,
    )
    publisher = FakePublisher()
    requests = InMemoryRequestLog()
    park = InMemoryParkedActivities()
    parking = ActivityParking(park, commands, book, clock=clock, keep=PARKED_FOR)
    intake = LeadIntake(
        leads, assigner, book=book, loads=loads, clock=clock, parking=parking, products=products
    )
    return LeadsWorld(
        clock=clock,
        leads=leads,
        counter=counter,
        contact_keys=contact_keys,
        park=park,
        parking=parking,
        loads=loads,
        roster=roster,
        intake=intake,
        batch=BatchIntake(
            intake,
            leads,
            assigner,
            book=book,
            loads=loads,
            clock=clock,
            publish=publish,
            parking=parking,
        ),
        commands=commands,
        watcher=SlaWatcher(leads, assigner, policy, loads=loads, clock=clock, poll_seconds=1),
        telephony=ExternalActivities(leads, commands, book, parking),
        queries=LeadQueries(leads, clock=clock),
        http=HttpIntake(publisher, requests, clock=clock, publish_timeout=0.05),
        publisher=publisher,
        requests=requests,
        absences=Absences(roster, leads, commands, assigner=assigner, clock=clock),
    )
