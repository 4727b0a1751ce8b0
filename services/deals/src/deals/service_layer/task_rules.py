"""The rules that set and cancel tasks, fed by events and by a scan of waiting deals."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from deals.domain import task_rules as rules
from deals.domain.task import Task
from deals.domain.task_rules import Cadence
from deals.service_layer.task_ports import (
    ClientSegments,
    StuckStages,
    TaskRepository,
    WaitingDeals,
    Watermarks,
)
from deals.service_layer.tasks import TaskBook
from shared.contracts.events.tasks import TaskResolution
from shared.platform.clock import Clock
from shared.platform.loops import run_every

STUCK_SCAN = "stuck_scan"
FIRST_LOOKBACK = timedelta(days=30)
"""How far back the first stuck scan looks (a fresh database, or one upgraded to this code)."""


class TaskRules:
    """Cadences per segment, proposal follow-ups, stuck deals and contract renewals."""

    def __init__(
        self,
        book: TaskBook,
        tasks: TaskRepository,
        *,
        clients: ClientSegments,
        waiting: WaitingDeals,
        stages: StuckStages,
        marks: Watermarks,
        clock: Clock,
        cadences: tuple[Cadence, ...],
        stuck_after: timedelta,
        follow_up_days: int,
        time_zone: str,
        poll_seconds: float,
    ) -> None:
        self._book = book
        self._tasks = tasks
        self._clients = clients
        self._waiting = waiting
        self._stages = stages
        self._marks = marks
        self._clock = clock
        self._cadences = cadences
        self._stuck_after = stuck_after
        self._follow_up_days = follow_up_days
        self._zone = ZoneInfo(time_zone)
        self._poll = poll_seconds

    async def on_segment(
        self,
        client_id: str,
        segment: str,
        changed_at: datetime,
        *,
        manager_id: str | None,
        causation_id: str | None = None,
    ) -> Task | None:
        """A client changed segment: its old cadence stops and the new one starts."""
        known = await self._clients.segment_and_manager(client_id)
        owner = (known[1] if known else None) or manager_id
        draft = None
        if owner is not None:
            draft = rules.on_segment(client_id, owner, segment, changed_at, self._cadences)
        for task in await self._tasks.open_about(client_id=client_id):
            if rules.is_cadence(task.origin) and (draft is None or task.id != draft.task_id):
                await self._book.close(task.id, TaskResolution.CANCELLED, causation_id=causation_id)
        return None if draft is None else await self._book.set(draft, causation_id=causation_id)

    async def on_task_done(self, task: Task) -> Task | None:
        """A cadence task done: the next touch is set while the client keeps its segment."""
        client_id = task.links.client_id
        if not rules.is_cadence(task.origin) or client_id is None or task.closed_at is None:
            return None
        known = await self._clients.segment_and_manager(client_id)
        if known is None or known[0] is None or f"rule:cadence_{known[0]}" != task.origin:
            return None
        draft = rules.after_touch(
            client_id, known[1] or task.assignee_id, known[0], task.closed_at, self._cadences
        )
        return None if draft is None else await self._book.set(draft)

    async def on_proposal_sent(
        self,
        deal_id: str,
        *,
        manager_id: str,
        team: str | None,
        client_id: str | None,
        sent_on: date,
    ) -> Task:
        """A proposal went out: a follow-up call `follow_up_days` later, at 10:00 local."""
        day = sent_on + timedelta(days=self._follow_up_days)
        due = datetime.combine(day, time(10), self._zone)
        draft = rules.proposal_follow_up(deal_id, manager_id, team, client_id, sent_on, due)
        return await self._book.set(draft)

    async def on_renewal_due(
        self,
        contract_id: str,
        *,
        renewal_on: date | None,
        days_before: int,
        manager_id: str,
        client_id: str | None,
        causation_id: str | None = None,
    ) -> Task:
        """A contract comes up for renewal: agree it with the client (one task per date)."""
        draft = rules.renewal(
            contract_id, renewal_on, days_before, manager_id, client_id, self._clock.now()
        )
        return await self._book.set(draft, causation_id=causation_id)

    async def on_deal_moved(self, deal_id: str, *, causation_id: str | None = None) -> int:
        """A deal left its stage: a stuck-deal chase about it is moot; return how many closed."""
        closed = 0
        for task in await self._tasks.open_about(deal_id=deal_id):
            if task.origin == "rule:stuck_deal":
                await self._book.close(task.id, TaskResolution.CANCELLED, causation_id=causation_id)
                closed += 1
        return closed

    async def on_proposal_answered(
        self,
        deal_id: str,
        *,
        accepted: bool,
        manager_id: str,
        client_id: str | None,
        version: int,
    ) -> Task:
        """The client answered: prepare the contract, or learn why not (due at once)."""
        draft = rules.proposal_answered(
            deal_id, manager_id, client_id, version, accepted=accepted, due_at=self._clock.now()
        )
        return await self._book.set(draft)

    async def on_lost(
        self, deal_id: str, *, manager_id: str, client_id: str | None, revisit_on: date
    ) -> Task:
        """A lost deal with a revisit date: a call to try again that day at 10:00 local."""
        due = datetime.combine(revisit_on, time(10), self._zone)
        draft = rules.lost_revisit(deal_id, manager_id, client_id, revisit_on, due)
        return await self._book.set(draft)

    async def hand_over_deal_tasks(self, deal_id: str, previous: str, to: str) -> int:
        """A deal changed hands: its open tasks held by the previous owner go with it."""
        moved = 0
        for task in await self._tasks.open_about(deal_id=deal_id):
            if task.assignee_id == previous:
                await self._book.hand_over(task.id, to, reason="manual")
                moved += 1
        return moved

    async def run_stuck_scan(self) -> None:
        """Scan for deals that became stuck, forever, every `poll_seconds`."""
        await run_every(self.scan_stuck, clock=self._clock, seconds=self._poll, what="stuck scan")

    async def scan_stuck(self) -> int:
        """Set a chase task for every deal that became stuck since the last scan."""
        now = self._clock.now()
        until = now - self._stuck_after
        after = await self._marks.get(STUCK_SCAN) or until - FIRST_LOOKBACK
        if until <= after:
            return 0
        stages = await self._stages.stuck_stages()
        set_ = 0
        for deal in await self._waiting.entered_between(after, until):
            if deal.stage not in stages.get(deal.pipeline_id, frozenset()):
                continue
            draft = rules.stuck_deal(deal, now, self._stuck_after)
            if draft is not None:
                await self._book.set(draft)
                set_ += 1
        await self._marks.put(STUCK_SCAN, until)
        return set_
