"""The read side of the lead API: one lead, filtered lists and a manager's work queue."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from leads.domain.dedupe import LeadStatus
from leads.domain.lead import Lead
from leads.domain.lead_filter import LeadFilter
from leads.domain.lifecycle import AWAITING_CONTACT, OPEN_STATUSES
from leads.domain.sight import Sight
from leads.service_layer.commands import LeadOutOfSight, existing_lead
from leads.service_layer.ports import LeadRepository
from shared.platform.clock import Clock


@dataclass(frozen=True)
class LeadListQuery:
    """Filters of the lead list; `sla_overdue` keeps uncontacted leads past their deadline."""

    statuses: tuple[LeadStatus, ...] = ()
    manager_id: str | None = None
    team: str | None = None
    channel: str | None = None
    min_priority: int | None = None
    sla_overdue: bool = False


@dataclass(frozen=True)
class LeadPage:
    """One page of leads, warmest first, with the instant it was read at."""

    items: list[Lead]
    total: int
    offset: int
    read_at: datetime

    @property
    def next_offset(self) -> int | None:
        """Offset of the next page, or None on the last one."""
        following = self.offset + len(self.items)
        return following if following < self.total else None


class LeadQueries:
    """Reads leads for the HTTP API."""

    def __init__(self, leads: LeadRepository, *, clock: Clock) -> None:
        self._leads = leads
        self._clock = clock

    async def lead(self, lead_id: str, sight: Sight | None = None) -> Lead:
        """The lead with this id, or the one a duplicate with this id was merged into.

        A lead outside the caller's sight is not found, as if it did not exist.
        """
        lead = await existing_lead(self._leads, lead_id)
        if sight is not None and not sight.sees(lead):
            raise LeadOutOfSight(lead_id)
        return lead

    async def find(
        self, query: LeadListQuery, *, offset: int, limit: int, sight: Sight | None = None
    ) -> LeadPage:
        """A page of leads passing the filters, warmest first (overdue: most overdue first)."""
        now = self._clock.now()
        statuses = frozenset(query.statuses) if query.statuses else None
        if query.sla_overdue:
            statuses = (statuses or frozenset(LeadStatus)) & AWAITING_CONTACT
        wanted = LeadFilter(
            statuses=statuses,
            manager_id=query.manager_id,
            team=query.team,
            channel=query.channel,
            min_priority=query.min_priority,
            deadline_before=now if query.sla_overdue else None,
        )
        return await self._page(wanted, sight, offset=offset, limit=limit, now=now)

    async def queue(
        self, manager_id: str, *, offset: int, limit: int, sight: Sight | None = None
    ) -> LeadPage:
        """The manager's open leads, warmest first."""
        wanted = LeadFilter(statuses=OPEN_STATUSES, manager_id=manager_id)
        return await self._page(wanted, sight, offset=offset, limit=limit, now=self._clock.now())

    async def _page(
        self, wanted: LeadFilter, sight: Sight | None, *, offset: int, limit: int, now: datetime
    ) -> LeadPage:
        narrowed = sight.narrow(wanted) if sight is not None else wanted
        if narrowed is None:  # asked for leads the caller may not see: an empty page
            return LeadPage(items=[], total=0, offset=offset, read_at=now)
        items, total = await self._leads.search(narrowed, offset=offset, limit=limit)
        return LeadPage(items=items, total=total, offset=offset, read_at=now)
