"""Manager activity: per day and ISO week, first response and SLA per manager, a leaderboard.

Activities come from leads (`lead.activity_logged`) and from deals and clients
(`deal.activity_logged`) alike, one entry per activity id. Tasks a manager completed as done
or let go overdue are counted beside them, one entry per task and mark.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import NotRequired, TypedDict

from reporting.domain.facts import (
    CONTACT_KINDS,
    DEFAULT_TIME_ZONE,
    ActivityKind,
    ActivityLogged,
    DealStageChanged,
    Fact,
    Period,
    TaskDone,
    TaskOverdue,
    earliest,
    from_text,
    median,
    not_after,
    ranked,
    ratio,
    to_text,
    within,
)
from reporting.domain.funnel import LEAD_FACTS, LeadRecord, lead_views, record_lead_fact
from reporting.domain.sales import DealRecord, closed_within, deal_views, record_stage_change
from shared.kernel.zones import local_date

UNCATEGORISED = "uncategorised"
"""The category an objection logged without one is counted under."""


class ActivityEntry(TypedDict):
    """One logged activity; the optional fields are stored only when the fact gave them.

    A lead's activity keeps exactly its four fields, so records stored before deals' activities
    were counted read and merge as they did.
    """

    at: str
    manager_id: str
    lead_id: str | None
    kind: str
    deal_id: NotRequired[str]
    client_id: NotRequired[str]
    category: NotRequired[str]


class TaskMark(StrEnum):
    """What a task entry counts: a task done, or a task gone overdue on its assignee."""

    DONE = "done"
    OVERDUE = "overdue"


class TaskEntry(TypedDict):
    """A task done by, or gone overdue on, one manager."""

    at: str
    manager_id: str
    task_id: str
    mark: str


class ActivityState(TypedDict):
    """Activities by id, task entries by slot, lead records by lead id, deals by deal id."""

    activities: dict[str, ActivityEntry]
    tasks: dict[str, TaskEntry]
    leads: dict[str, LeadRecord]
    deals: dict[str, DealRecord]


def empty_state() -> ActivityState:
    """A projection that has seen nothing."""
    return ActivityState(activities={}, tasks={}, leads={}, deals={})


def task_slot(fact: TaskDone | TaskOverdue) -> str:
    """The id of a task entry: a task is done once; it goes overdue once per manager holding it."""
    if isinstance(fact, TaskDone):
        return f"{fact.task_id}:{TaskMark.DONE}"
    return f"{fact.task_id}:{TaskMark.OVERDUE}:{fact.manager_id}"


def activity_entry(fact: ActivityLogged) -> ActivityEntry:
    """The stored form of an activity; an objection's category is kept, no other kind's."""
    entry = ActivityEntry(
        at=to_text(fact.occurred_at),
        manager_id=fact.manager_id,
        lead_id=fact.lead_id,
        kind=fact.kind.value,
    )
    if fact.deal_id is not None:
        entry["deal_id"] = fact.deal_id
    if fact.client_id is not None:
        entry["client_id"] = fact.client_id
    if fact.kind is ActivityKind.OBJECTION and fact.objection_category is not None:
        entry["category"] = fact.objection_category
    return entry


def task_entry(fact: TaskDone | TaskOverdue) -> TaskEntry:
    """The stored form of a task done or gone overdue."""
    if isinstance(fact, TaskDone):
        at, mark = fact.done_at, TaskMark.DONE
    else:
        at, mark = fact.overdue_at, TaskMark.OVERDUE
    return TaskEntry(
        at=to_text(at), manager_id=fact.manager_id, task_id=fact.task_id, mark=mark.value
    )


def fold(state: ActivityState, facts: Iterable[Fact]) -> ActivityState:
    """Apply facts in turn, ignoring invoices, payments and claims; the state is not changed.

    Order-tolerant: activities are keyed by id and task entries by slot (the same one twice
    is one, its earliest version kept); leads and deals use the commutative records of
    `funnel` and `sales`. Counts, medians and rates are computed at query time, so arrival
    order changes nothing.
    """
    activities = dict(state["activities"])
    tasks = dict(state["tasks"])
    leads = dict(state["leads"])
    deals = dict(state["deals"])
    for fact in facts:
        if isinstance(fact, ActivityLogged):
            entry = activity_entry(fact)
            activities[fact.activity_id] = earliest(activities.get(fact.activity_id), entry)
        elif isinstance(fact, TaskDone | TaskOverdue):
            slot = task_slot(fact)
            tasks[slot] = earliest(tasks.get(slot), task_entry(fact))
        elif isinstance(fact, LEAD_FACTS):
            leads[fact.lead_id] = record_lead_fact(leads.get(fact.lead_id), fact)
        elif isinstance(fact, DealStageChanged):
            deals[fact.deal_id] = record_stage_change(deals.get(fact.deal_id), fact)
    return ActivityState(activities=activities, tasks=tasks, leads=leads, deals=deals)


def apply(state: ActivityState, fact: Fact) -> ActivityState:
    """Apply one fact; the given state is not changed."""
    return fold(state, (fact,))


class Granularity(StrEnum):
    """How activities are bucketed in time."""

    DAY = "day"
    WEEK = "week"


def bucket_of(at: datetime, granularity: Granularity, time_zone: str = DEFAULT_TIME_ZONE) -> str:
    """The bucket label of an instant: "2026-03-02" for a day, "2026-W10" for an ISO week."""
    day = local_date(at, time_zone)
    if granularity is Granularity.DAY:
        return day.isoformat()
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


@dataclass(frozen=True, slots=True)
class ActivityCounts:
    """Activities and tasks of one manager in one bucket.

    `total` counts contacts only: a note or an objection records something, it is no contact
    (an objection is usually heard on a call that is logged as well). `tasks_done` counts
    tasks completed as done, `tasks_overdue` tasks that went past due on the manager.
    """

    calls: int = 0
    emails: int = 0
    messages: int = 0
    meetings: int = 0
    notes: int = 0
    objections: int = 0
    tasks_done: int = 0
    tasks_overdue: int = 0

    @classmethod
    def of(cls, tally: Counter[str]) -> ActivityCounts:
        """Counts from a tally by activity kind and task mark (their values never clash)."""
        return cls(
            calls=tally[ActivityKind.CALL],
            emails=tally[ActivityKind.EMAIL],
            messages=tally[ActivityKind.MESSAGE],
            meetings=tally[ActivityKind.MEETING],
            notes=tally[ActivityKind.NOTE],
            objections=tally[ActivityKind.OBJECTION],
            tasks_done=tally[TaskMark.DONE],
            tasks_overdue=tally[TaskMark.OVERDUE],
        )

    @property
    def total(self) -> int:
        """Calls, e-mails, messages and meetings."""
        return self.calls + self.emails + self.messages + self.meetings


def _activities(
    state: ActivityState, as_of: datetime | None, period: Period | None
) -> Iterable[tuple[datetime, ActivityEntry]]:
    for activity_id in sorted(state["activities"]):
        entry = state["activities"][activity_id]
        at = from_text(entry["at"])
        if not_after(at, as_of) and within(at, period):
            yield at, entry


def _tasks(
    state: ActivityState, as_of: datetime | None, period: Period | None
) -> Iterable[tuple[datetime, TaskEntry]]:
    for slot in sorted(state["tasks"]):
        entry = state["tasks"][slot]
        at = from_text(entry["at"])
        if not_after(at, as_of) and within(at, period):
            yield at, entry


def report_activity(
    state: ActivityState,
    granularity: Granularity = Granularity.DAY,
    *,
    as_of: datetime | None = None,
    period: Period | None = None,
    manager_id: str | None = None,
    time_zone: str = DEFAULT_TIME_ZONE,
) -> dict[str, dict[str, ActivityCounts]]:
    """Activity and task counts by manager, then by day or ISO week in `time_zone`, in order.

    Activities on leads, deals and clients all count. Only buckets with some activity or
    task appear.
    """
    tallies: dict[str, dict[str, Counter[str]]] = {}
    marks: Iterable[tuple[datetime, str, str]] = (
        *((at, e["manager_id"], e["kind"]) for at, e in _activities(state, as_of, period)),
        *((at, e["manager_id"], e["mark"]) for at, e in _tasks(state, as_of, period)),
    )
    for at, manager, what in marks:
        if manager_id is not None and manager != manager_id:
            continue
        buckets = tallies.setdefault(manager, {})
        buckets.setdefault(bucket_of(at, granularity, time_zone), Counter())[what] += 1
    return {
        manager: {bucket: ActivityCounts.of(kinds) for bucket, kinds in sorted(buckets.items())}
        for manager, buckets in sorted(tallies.items())
    }


@dataclass(frozen=True, slots=True)
class ResponseStats:
    """First response and SLA of one manager over a cohort of leads.

    `leads_owned` counts the leads the manager held at some point as far as the facts tell:
    first assignee, the one who missed its deadline, or the one who made first contact.
    `breach_rate` is breached leads / owned leads (a lead breached twice by one manager
    counts once); the median is over first contacts made by the manager, in seconds.
    """

    manager_id: str
    leads_owned: int
    leads_breached: int
    breach_rate: Decimal | None
    first_contacts: int
    contacted_within_sla: int
    median_first_response_seconds: Decimal | None


def report_response(
    state: ActivityState,
    *,
    as_of: datetime | None = None,
    period: Period | None = None,
    team: str | None = None,
    channel: str | None = None,
    manager_id: str | None = None,
) -> dict[str, ResponseStats]:
    """Per manager, in id order, over leads received in `period` by `as_of`.

    Filters: the lead's `team` and `channel`; `manager_id` keeps that manager's row.
    """
    owned: dict[str, set[str]] = {}
    breached: dict[str, set[str]] = {}
    responses: dict[str, list[Decimal]] = {}
    within_sla: Counter[str] = Counter()
    for lead in lead_views(state["leads"], as_of):
        if not (
            within(lead.received_at, period)
            and (team is None or lead.team == team)
            and (channel is None or lead.channel == channel)
        ):
            continue
        owners = set(lead.breached_by)
        if lead.assignee is not None:
            owners.add(lead.assignee)
        if lead.contacted_by is not None and lead.response_seconds is not None:
            owners.add(lead.contacted_by)
            responses.setdefault(lead.contacted_by, []).append(Decimal(lead.response_seconds))
            within_sla[lead.contacted_by] += bool(lead.within_sla)
        for manager in owners:
            owned.setdefault(manager, set()).add(lead.lead_id)
        for manager in lead.breached_by:
            breached.setdefault(manager, set()).add(lead.lead_id)
    return {
        manager: ResponseStats(
            manager_id=manager,
            leads_owned=len(leads),
            leads_breached=len(breached.get(manager, ())),
            breach_rate=ratio(len(breached.get(manager, ())), len(leads)),
            first_contacts=len(responses.get(manager, ())),
            contacted_within_sla=within_sla[manager],
            median_first_response_seconds=median(responses.get(manager, [])),
        )
        for manager, leads in sorted(owned.items())
        if manager_id is None or manager == manager_id
    }


@dataclass(frozen=True, slots=True)
class LeaderboardRow:
    """One manager's standing: won amount in the board's currency, won deals, activities."""

    manager_id: str
    won_amount: Decimal
    won_count: int
    activity_count: int


def leaderboard(
    state: ActivityState,
    *,
    currency: str = "RUB",
    as_of: datetime | None = None,
    period: Period | None = None,
    manager_id: str | None = None,
) -> tuple[LeaderboardRow, ...]:
    """Managers by won amount, then won count, then activity count (all descending), then id.

    Amounts are compared in one `currency` only (no conversion); `won_count` counts won
    deals in every currency, since a win is a win. Deals count by the day they were won,
    activities (contacts only: notes and objections excluded) on leads, deals and clients by
    the day they happened; a manager with neither is absent. `manager_id` keeps that
    manager's row (the figures are the same as on the whole board).
    """
    amounts: dict[str, Decimal] = {}
    wins: Counter[str] = Counter()
    activities: Counter[str] = Counter()
    for deal in deal_views(state["deals"], as_of):
        if deal.is_won and closed_within(deal, period):
            wins[deal.manager_id] += 1
            if deal.currency == currency:
                amounts[deal.manager_id] = amounts.get(deal.manager_id, Decimal(0)) + deal.amount
    for _at, entry in _activities(state, as_of, period):
        if entry["kind"] in CONTACT_KINDS:
            activities[entry["manager_id"]] += 1
    rows = [
        LeaderboardRow(
            manager_id=manager,
            won_amount=amounts.get(manager, Decimal(0)),
            won_count=wins[manager],
            activity_count=activities[manager],
        )
        for manager in set(wins) | set(activities)
        if manager_id is None or manager == manager_id
    ]
    return tuple(
        sorted(
            rows,
            key=lambda r: (-r.won_amount, -r.won_count, -r.activity_count, r.manager_id),
        )
    )


def report_objections(
    state: ActivityState,
    *,
    as_of: datetime | None = None,
    period: Period | None = None,
    manager_id: str | None = None,
) -> dict[str, dict[str, int]]:
    """Objections per manager (in id order), then per category, most frequent first.

    An objection logged without a category counts under `UNCATEGORISED`; a manager who
    logged no objection is absent.
    """
    tallies: dict[str, Counter[str]] = {}
    for _at, entry in _activities(state, as_of, period):
        if entry["kind"] != ActivityKind.OBJECTION:
            continue
        if manager_id is not None and entry["manager_id"] != manager_id:
            continue
        category = entry.get("category", UNCATEGORISED)
        tallies.setdefault(entry["manager_id"], Counter())[category] += 1
    return {manager: ranked(counts) for manager, counts in sorted(tallies.items())}
