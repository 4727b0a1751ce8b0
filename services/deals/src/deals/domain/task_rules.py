"""The rules that set tasks: segment cadences, proposal follow-ups, stuck deals, renewals.

Every rule names its task by what caused it, so the same cause delivered twice is one task.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from deals.domain.task import TaskDraft
from shared.contracts.events.tasks import TaskLinks, TaskPriority

_TASKS = uuid.UUID("6f1d3c52-5a37-4c8e-9d0e-2b7f4e3a9c10")


def rule_task_id(rule: str, *parts: str) -> str:
    """The id of the task a rule sets for one cause (the same cause, the same id)."""
    return f"task-{uuid.uuid5(_TASKS, '|'.join((rule, *parts))).hex[:20]}"


@dataclass(frozen=True)
class Cadence:
    """How often a client of a segment is touched: first after `first_after`, then `every`."""

    segment: str
    title: str
    first_after: timedelta
    every: timedelta | None
    priority: TaskPriority = TaskPriority.NORMAL

    @property
    def rule(self) -> str:
        """The origin its tasks carry."""
        return f"cadence_{self.segment}"


DEFAULT_CADENCES: tuple[Cadence, ...] = (
    Cadence("hot", "Еженедельное касание горячего клиента", timedelta(days=7), timedelta(days=7)),
    Cadence(
        "warm", "Касание тёплого клиента раз в две недели", timedelta(days=14), timedelta(days=14)
    ),
    Cadence(
        "sleeping",
        "Звонок спящему клиенту: вернуть в работу",
        timedelta(days=1),
        None,
        TaskPriority.HIGH,
    ),
)
"""The seed documents' rhythm: hot weekly, warm every two weeks, one win-back call for sleepers."""


def cadence_of(segment: str, cadences: tuple[Cadence, ...]) -> Cadence | None:
    """The cadence a segment keeps, if any."""
    return next((c for c in cadences if c.segment == segment), None)


def is_cadence(origin: str) -> bool:
    """Whether a task was set by a segment cadence."""
    return origin.startswith("rule:cadence_")


def on_segment(
    client_id: str,
    manager_id: str,
    segment: str,
    changed_at: datetime,
    cadences: tuple[Cadence, ...],
) -> TaskDraft | None:
    """The first task of the cadence a client enters (none for a segment without one)."""
    cadence = cadence_of(segment, cadences)
    if cadence is None:
        return None
    return TaskDraft(
        task_id=rule_task_id(cadence.rule, client_id, changed_at.isoformat()),
        title=cadence.title,
        assignee_id=manager_id,
        due_at=changed_at + cadence.first_after,
        links=TaskLinks(client_id=client_id),
        origin=f"rule:{cadence.rule}",
        priority=cadence.priority,
    )


def after_touch(
    client_id: str,
    manager_id: str,
    segment: str,
    touched_at: datetime,
    cadences: tuple[Cadence, ...],
) -> TaskDraft | None:
    """The next task of a cadence once its last one is done (none for a one-off cadence)."""
    cadence = cadence_of(segment, cadences)
    if cadence is None or cadence.every is None:
        return None
    return TaskDraft(
        task_id=rule_task_id(cadence.rule, client_id, "after", touched_at.isoformat()),
        title=cadence.title,
        assignee_id=manager_id,
        due_at=touched_at + cadence.every,
        links=TaskLinks(client_id=client_id),
        origin=f"rule:{cadence.rule}",
        priority=cadence.priority,
    )


@dataclass(frozen=True)
class WaitingDeal:
    """A deal as the stuck rule sees it."""

    deal_id: str
    manager_id: str
    team: str | None
    client_id: str | None
    pipeline_id: str
    stage: str
    entered_at: datetime


def stuck_deal(deal: WaitingDeal, now: datetime, after: timedelta) -> TaskDraft | None:
    """A chase task once a deal has waited in a before-payment stage longer than `after`."""
    stuck_at = deal.entered_at + after
    if stuck_at > now:
        return None
    return TaskDraft(
        task_id=rule_task_id("stuck_deal", deal.deal_id, deal.stage, deal.entered_at.isoformat()),
        title=f"Сделка на этапе «{deal.stage}» дольше {_hours(after)} ч: выяснить, что мешает",
        assignee_id=deal.manager_id,
        team=deal.team,
        due_at=stuck_at,
        links=TaskLinks(deal_id=deal.deal_id, client_id=deal.client_id),
        origin="rule:stuck_deal",
        priority=TaskPriority.HIGH,
    )


def proposal_follow_up(
    deal_id: str,
    manager_id: str,
    team: str | None,
    client_id: str | None,
    sent_on: date,
    due_at: datetime,
) -> TaskDraft:
    """A call to follow up a proposal sent on `sent_on`."""
    return TaskDraft(
        task_id=rule_task_id("proposal_follow_up", deal_id, sent_on.isoformat()),
        title="Уточнить решение по отправленному КП",
        assignee_id=manager_id,
        team=team,
        due_at=due_at,
        links=TaskLinks(deal_id=deal_id, client_id=client_id),
        origin="rule:proposal_follow_up",
    )


def renewal(
    contract_id: str,
    renewal_on: date | None,
    days_before: int,
    manager_id: str,
    client_id: str | None,
    due_at: datetime,
) -> TaskDraft:
    """A task to agree the renewal of a contract (one per renewal date)."""
    return TaskDraft(
        task_id=rule_task_id("contract_renewal", contract_id, str(renewal_on)),
        title=f"Договор истекает через {days_before} дн.: согласовать продление",
        assignee_id=manager_id,
        due_at=due_at,
        links=TaskLinks(client_id=client_id),
        origin="rule:contract_renewal",
        priority=TaskPriority.HIGH,
    )


def proposal_answered(
    deal_id: str,
    manager_id: str,
    client_id: str | None,
    version: int,
    *,
    accepted: bool,
    due_at: datetime,
) -> TaskDraft:
    """After the client's answer: the contract to prepare, or the reason to learn."""
    rule = "proposal_accepted" if accepted else "proposal_declined"
    title = (
        "КП принято: подготовить договор и счёт"
        if accepted
        else "КП отклонено: выяснить причину и что предложить"
    )
    return TaskDraft(
        task_id=rule_task_id(rule, deal_id, str(version)),
        title=title,
        assignee_id=manager_id,
        due_at=due_at,
        links=TaskLinks(deal_id=deal_id, client_id=client_id),
        origin=f"rule:{rule}",
        priority=TaskPriority.HIGH,
    )


def lost_revisit(
    deal_id: str, manager_id: str, client_id: str | None, revisit_on: date, due_at: datetime
) -> TaskDraft:
    """A call to try a lost client again on the day the manager chose."""
    return TaskDraft(
        task_id=rule_task_id("lost_revisit", deal_id, revisit_on.isoformat()),
        title="Вернуться к клиенту после проигранной сделки",
        assignee_id=manager_id,
        due_at=due_at,
        links=TaskLinks(deal_id=deal_id, client_id=client_id),
        origin="rule:lost_revisit",
    )


def _hours(span: timedelta) -> int:
    return int(span.total_seconds() // 3600)
