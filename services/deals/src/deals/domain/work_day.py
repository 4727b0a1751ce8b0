"""A manager's work day: what to do now, in the order a good sales manager would do it."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo


@dataclass(frozen=True)
class LeadToCall:
    """An assigned lead nobody has contacted yet."""

    lead_id: str
    priority: int
    received_at: datetime
    sla_deadline: datetime | None


@dataclass(frozen=True)
class TaskDue:
    """An open task due before the day ends."""

    task_id: str
    title: str
    due_at: datetime
    priority: str
    origin: str
    lead_id: str | None
    deal_id: str | None
    client_id: str | None


@dataclass(frozen=True)
class MeetingToday:
    """A meeting that starts within the day."""

    meeting_id: str
    title: str
    starts_at: datetime
    ends_at: datetime
    place: str | None
    link: str | None


@dataclass(frozen=True)
class StuckDeal:
    """An open deal waiting in a before-payment stage longer than allowed."""

    deal_id: str
    title: str
    stage: str
    entered_at: datetime


@dataclass(frozen=True)
class InstallmentDue:
    """An unpaid installment of one of the manager's invoices, due today or earlier."""

    invoice_id: str
    number: int
    client_id: str | None
    due_on: date
    amount: str
    currency: str


_PRIORITY_RANK = {"high": 0, "normal": 1, "low": 2}


def day_bounds(now: datetime, zone: ZoneInfo) -> tuple[date, datetime, datetime]:
    """The local date of `now` and the start and end of that day (aware)."""
    today = now.astimezone(zone).date()
    start = datetime.combine(today, time(0), zone)
    return today, start, start + timedelta(days=1)


def assemble(
    now: datetime,
    zone: ZoneInfo,
    *,
    leads: Iterable[LeadToCall],
    tasks: Iterable[TaskDue],
    meetings: Iterable[MeetingToday],
    stuck: Iterable[StuckDeal],
    installments: Iterable[InstallmentDue],
) -> dict[str, object]:
    """The day's queue as the API shows it, each list in the order to work it."""
    today, _start, _end = day_bounds(now, zone)
    tasks = list(tasks)
    overdue = [t for t in tasks if t.due_at <= now]
    later = [t for t in tasks if t.due_at > now]
    return {
        "date": today.isoformat(),
        "time_zone": zone.key,
        "leads_to_call": [
            {
                "lead_id": lead.lead_id,
                "priority": lead.priority,
                "sla_deadline": lead.sla_deadline,
                "sla_seconds_left": None
                if lead.sla_deadline is None
                else int((lead.sla_deadline - now).total_seconds()),
            }
            for lead in sorted(leads, key=lambda x: (-x.priority, x.received_at, x.lead_id))
        ],
        "tasks_overdue": [_task(t) for t in sorted(overdue, key=_task_order)],
        "tasks_today": [_task(t) for t in sorted(later, key=_task_order)],
        "meetings": [
            {
                "meeting_id": m.meeting_id,
                "title": m.title,
                "starts_at": m.starts_at,
                "ends_at": m.ends_at,
                "place": m.place,
                "link": m.link,
            }
            for m in sorted(meetings, key=lambda x: (x.starts_at, x.meeting_id))
        ],
        "stuck_deals": [
            {
                "deal_id": d.deal_id,
                "title": d.title,
                "stage": d.stage,
                "waiting_hours": int((now - d.entered_at).total_seconds() // 3600),
            }
            for d in sorted(stuck, key=lambda x: (x.entered_at, x.deal_id))
        ],
        "installments_due": [
            {
                "invoice_id": i.invoice_id,
                "number": i.number,
                "client_id": i.client_id,
                "due_on": i.due_on.isoformat(),
                "days_overdue": (today - i.due_on).days,
                "amount": i.amount,
                "currency": i.currency,
            }
            for i in sorted(installments, key=lambda x: (x.due_on, x.invoice_id, x.number))
        ],
    }


def _task_order(task: TaskDue) -> tuple[datetime, int, str]:
    return (task.due_at, _PRIORITY_RANK.get(task.priority, 1), task.task_id)


def _task(task: TaskDue) -> dict[str, object]:
    return {
        "task_id": task.task_id,
        "title": task.title,
        "due_at": task.due_at,
        "priority": task.priority,
        "origin": task.origin,
        "lead_id": task.lead_id,
        "deal_id": task.deal_id,
        "client_id": task.client_id,
    }
