"""One work queue per manager: leads to call, tasks, meetings, stuck deals, installments due."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from deals.domain import work_day
from deals.domain.work_day import InstallmentDue, LeadToCall, MeetingToday, StuckDeal, TaskDue
from deals.service_layer.task_ports import StuckStages, TaskRepository
from shared.platform.clock import Clock

Record = dict[str, Any]


class LeadsToCall(Protocol):
    """Assigned leads not contacted yet, as lead events announced them."""

    async def open_of(self, manager_id: str) -> list[LeadToCall]:
        """One manager's leads still to call."""


class DayReader(Protocol):
    """Deals and invoices as the day reads them."""

    async def waiting_of(self, manager_id: str, stages: list[str]) -> list[StuckDeal]:
        """One manager's open deals in these stages."""

    async def installments_due(self, manager_id: str, by: date) -> list[InstallmentDue]:
        """Unpaid installments of one manager's invoices due on `by` or earlier."""


class MeetingsOf(Protocol):
    """One person's meetings in a span of time."""

    async def of_person(self, person_id: str, start: datetime, end: datetime) -> list[Record]:
        """Meetings a person organizes or attends."""


class WorkQueue:
    """`GET /v1/my/day`: everything a manager should do today, in order."""

    def __init__(
        self,
        *,
        leads: LeadsToCall,
        tasks: TaskRepository,
        meetings: MeetingsOf,
        reader: DayReader,
        stages: StuckStages,
        clock: Clock,
        time_zone: str,
        stuck_after: timedelta,
    ) -> None:
        self._leads = leads
        self._tasks = tasks
        self._meetings = meetings
        self._reader = reader
        self._stages = stages
        self._clock = clock
        self._zone = ZoneInfo(time_zone)
        self._stuck_after = stuck_after

    async def day_of(self, person_id: str) -> dict[str, object]:
        """The person's queue for their local day, as of now."""
        now = self._clock.now()
        today, start, end = work_day.day_bounds(now, self._zone)
        stuck_stages = sorted(set().union(*(await self._stages.stuck_stages()).values()))
        waiting = await self._reader.waiting_of(person_id, stuck_stages)
        return work_day.assemble(
            now,
            self._zone,
            leads=await self._leads.open_of(person_id),
            tasks=[_task(t) for t in await self._tasks.due_by(person_id, end)],
            meetings=[_meeting(m) for m in await self._meetings.of_person(person_id, start, end)],
            stuck=[d for d in waiting if d.entered_at + self._stuck_after <= now],
            installments=await self._reader.installments_due(person_id, today),
        )


def _task(doc: Record) -> TaskDue:
    return TaskDue(
        task_id=str(doc["_id"]),
        title=doc["title"],
        due_at=doc["due_at"],
        priority=doc["priority"],
        origin=doc["origin"],
        lead_id=doc.get("lead_id"),
        deal_id=doc.get("deal_id"),
        client_id=doc.get("client_id"),
    )


def _meeting(doc: Record) -> MeetingToday:
    return MeetingToday(
        meeting_id=str(doc["_id"]),
        title=doc["title"],
        starts_at=doc["starts_at"],
        ends_at=doc["ends_at"],
        place=doc.get("place"),
        link=doc.get("link"),
    )
