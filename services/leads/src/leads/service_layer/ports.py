"""What the leads service layer needs from storage and the broker; adapters implement these."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Protocol, TypeVar

from leads.domain.assignment import AssignmentRule
from leads.domain.contact_keys import ClientRef, ContactKey, KeyClaim
from leads.domain.lead import Lead
from leads.domain.lead_filter import LeadFilter
from leads.domain.parked import ParkedActivity
from leads.domain.roster import RosterManager, RosterTeam
from shared.platform.outbox import OutboxMessage

R = TypeVar("R")


class LeadRepository(Protocol):
    """Lead aggregates: load, store, save with their events, and the queries of the service."""

    async def get(self, aggregate_id: str) -> Lead | None:
        """The lead stored under this id, or None."""

    async def add(self, aggregate: Lead, *, causation_id: str | None = None) -> bool:
        """Store a new lead with its recorded events; False if the id is taken."""

    async def save(self, aggregate: Lead, *, causation_id: str | None = None) -> None:
        """Write what changed since load, with the recorded events; raise on a lost race."""

    async def update(
        self,
        aggregate_id: str,
        change: Callable[[Lead], R],
        *,
        causation_id: str | None = None,
        attempts: int = 5,
    ) -> tuple[Lead, R] | None:
        """Load, change and save, starting over on a lost race; None when there is no such lead."""

    async def get_many(self, lead_ids: Sequence[str]) -> dict[str, Lead]:
        """The stored leads among `lead_ids`, by id."""

    async def add_many(self, leads: Sequence[Lead], *, causation_ids: Sequence[str]) -> list[bool]:
        """Store new leads with their events; per lead, False if its id is taken."""

    async def by_id_or_alias(self, lead_id: str) -> Lead | None:
        """A lead by its id or by the id of a duplicate merged into it."""

    async def by_ids_or_aliases(self, lead_ids: Sequence[str]) -> dict[str, Lead]:
        """`by_id_or_alias` of several ids, keyed by the id asked for; absent ids left out."""

    async def due(self, now: datetime, limit: int) -> list[Lead]:
        """Uncontacted leads whose first-contact timer fired by `now`, earliest first."""

    async def postpone(self, lead_id: str, until: datetime) -> None:
        """Keep a lead's first-contact timer from firing before `until`."""

    async def counted_for(self, lead_id: str) -> str | None:
        """The manager whose load the stored lead belongs to (None: closed, unowned or absent)."""

    async def counted_for_many(self, lead_ids: Sequence[str]) -> dict[str, str | None]:
        """`counted_for` of each lead."""

    async def open_ids_of(self, manager_id: str) -> set[str]:
        """Ids of the manager's open leads (for reconciliation, not the hot path)."""

    async def managers_with_open_leads(self) -> set[str]:
        """Every manager owning an open lead (for reconciliation, not the hot path)."""

    async def search(
        self, wanted: LeadFilter, *, offset: int, limit: int
    ) -> tuple[list[Lead], int]:
        """A page of the leads passing the filter, warmest first, and how many pass it."""


class ManagerLoads(Protocol):
    """The current load of the managers an assignment considers."""

    async def loads(self, manager_ids: Sequence[str]) -> dict[str, int]:
        """Open leads of each named manager (absent: none)."""


class LoadCounter(ManagerLoads, Protocol):
    """Per-manager sets of counted lead ids; adding or removing an id twice changes nothing."""

    async def count(self, manager_id: str, lead_id: str) -> None:
        """Include the lead in the manager's load."""

    async def count_many(self, counts: Sequence[tuple[str, str]]) -> None:
        """Include each (manager, lead) pair, as `count` does one."""

    async def uncount(self, manager_id: str, lead_id: str) -> None:
        """Drop the lead from the manager's load."""

    async def counted(self, manager_id: str) -> set[str]:
        """The lead ids the manager's load holds."""

    async def managers(self) -> list[str]:
        """Every manager with a load document."""


class ContactKeys(Protocol):
    """Dedupe keys by `_id`: the open lead owning each, and the latest client it belongs to."""

    async def read(self, keys: Sequence[str]) -> list[ContactKey]:
        """The stored keys among `keys` (a key never claimed is absent)."""

    async def claim(self, key: str, lead_id: str, *, expected: str | None, at: datetime) -> bool:
        """Point the key to `lead_id` if it still points to `expected`; False if it moved."""

    async def claim_many(self, claims: Sequence[KeyClaim], *, at: datetime) -> list[bool]:
        """`claim` of each, in order of `claims`: True where the key now points to its lead."""

    async def release(self, key: str, lead_id: str) -> None:
        """Free the key if `lead_id` still owns it."""

    async def record_client(self, key: str, client: ClientRef) -> None:
        """Remember the conversion as the key's client unless a later one is recorded."""


class ParkedActivities(Protocol):
    """External activities waiting for their lead, one per activity id, by contact key."""

    async def park(self, parked: ParkedActivity) -> bool:
        """Keep the activity until its lead lands; False when it is parked already."""

    async def waiting(self, keys: Sequence[str]) -> list[ParkedActivity]:
        """The activities parked under any of `keys` (one indexed query)."""

    async def remove(self, activity_id: str) -> None:
        """Unpark an activity (logged on its lead); nothing happens when it is gone already."""

    async def expired(self, now: datetime, limit: int) -> list[str]:
        """Ids of at most `limit` activities whose wait ended by `now`, earliest first."""

    async def remove_expired(self, activity_id: str, now: datetime) -> bool:
        """Unpark an activity whose wait ended by `now`; False when it is gone already."""


class Roster(Protocol):
    """Managers, teams, assignment rules and the round-robin pointer."""

    async def put_manager(self, manager: RosterManager) -> None:
        """Create or replace a manager."""

    async def set_presence(self, manager_id: str, present: bool) -> bool:
        """Mark a manager present or away; False for an unknown manager."""

    async def get_manager(self, manager_id: str) -> RosterManager | None:
        """One manager."""

    async def list_managers(self, *, active_only: bool = False) -> list[RosterManager]:
        """Every manager, by id."""

    async def put_team(self, team: RosterTeam) -> None:
        """Create or replace a team."""

    async def get_team(self, team_id: str) -> RosterTeam | None:
        """One team."""

    async def list_teams(self) -> list[RosterTeam]:
        """Every team, by id."""

    async def get_rules(self) -> list[AssignmentRule]:
        """Assignment rules in the order they apply."""

    async def assignment_settings(self) -> tuple[list[AssignmentRule], str | None]:
        """The assignment rules and the round-robin pointer, read together."""

    async def put_rules(self, rules: Sequence[AssignmentRule]) -> None:
        """Replace the assignment rules."""

    async def last_assigned(self) -> str | None:
        """Round-robin pointer: the manager chosen last."""

    async def set_last_assigned(self, manager_id: str) -> None:
        """Move the round-robin pointer."""


class RequestLog(Protocol):
    """Idempotency keys of the HTTP intake."""

    async def remember(self, key: str, *, body_hash: str, lead_id: str, at: datetime) -> str | None:
        """Record the first use of a key; if it was used before, return that use's body hash."""


class EventPublisher(Protocol):
    """Publishes straight to Kafka; returns once the broker acknowledged every message."""

    async def publish_batch(self, messages: Sequence[OutboxMessage]) -> None:
        """Publish every message; raise if any was not acknowledged."""
