"""Tasks: the overdue timer, segment cadences and stuck deals, with a manual clock."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from deals_task_fakes import ESCALATE_AFTER, FakeTaskRepository, task_world

from deals.domain.task import PastDue, Task, TaskDraft
from deals.domain.task_rules import WaitingDeal
from deals.service_layer.errors import Invalid
from shared.contracts.events.tasks import TaskLinks, TaskResolution
from shared.contracts.topics import Topic
from shared.platform.clock import ManualClock

pytestmark = pytest.mark.unit

MONDAY = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def draft(due: datetime, **overrides: object) -> TaskDraft:
    fields: dict[str, object] = {
        "task_id": "task-1",
        "title": "Перезвонить по КП",
        "assignee_id": "m-anna",
        "due_at": due,
        "links": TaskLinks(deal_id="deal-1"),
    }
    return TaskDraft(**{**fields, **overrides})  # type: ignore[arg-type]


def sent(repo: FakeTaskRepository, topic: Topic) -> list[dict[str, Any]]:
    return [json.loads(m.value) for m in repo.published_on(topic.value)]


def overdue_levels(repo: FakeTaskRepository) -> list[tuple[str, str | None]]:
    return [(e["level"], e["notify_person_id"]) for e in sent(repo, Topic.TASK_OVERDUE)]


# --- the task and its overdue timer ------------------------------------------------------


def test_a_task_due_in_the_past_is_refused_unless_flagged_as_overdue() -> None:
    with pytest.raises(PastDue, match="due_at"):
        Task.set(draft(MONDAY - timedelta(minutes=1)), now=MONDAY, escalate_after=ESCALATE_AFTER)
    task = Task.set(
        draft(MONDAY - timedelta(days=1)), now=MONDAY, escalate_after=ESCALATE_AFTER, overdue=True
    )
    assert task.is_overdue(MONDAY)
    assert task.next_reminder_at == MONDAY - timedelta(days=1)


async def test_the_service_answers_a_past_due_time_with_the_field_path() -> None:
    book, _rules, _repo, _clients, _waiting = task_world(ManualClock(MONDAY))
    with pytest.raises(Invalid) as refused:
        await book.set(draft(MONDAY - timedelta(hours=2)))
    assert refused.value.problems[0].startswith("due_at:")


async def test_an_overdue_task_tells_the_assignee_at_its_due_time_then_the_lead_a_day_later() -> (
    None
):
    clock = ManualClock(MONDAY)
    book, _rules, repo, _clients, _waiting = task_world(clock)
    await book.set(draft(MONDAY + timedelta(hours=2)))
    assert (await repo.get("task-1")).team == "msk"  # type: ignore[union-attr]

    clock.set(MONDAY + timedelta(hours=1, minutes=59))
    assert await book.fire_overdue() == 0
    clock.set(MONDAY + timedelta(hours=2))
    assert await book.fire_overdue() == 1
    assert await book.fire_overdue() == 0  # once
    assert overdue_levels(repo) == [("assignee", "m-anna")]

    clock.set(MONDAY + timedelta(hours=2) + ESCALATE_AFTER - timedelta(seconds=1))
    assert await book.fire_overdue() == 0
    clock.set(MONDAY + timedelta(hours=2) + ESCALATE_AFTER)
    assert await book.fire_overdue() == 1
    assert overdue_levels(repo) == [("assignee", "m-anna"), ("team_lead", "tl-olga")]
    clock.advance(timedelta(days=30))
    assert await book.fire_overdue() == 0
    assert (await repo.get("task-1")).next_reminder_at is None  # type: ignore[union-attr]


async def test_a_task_done_before_its_due_time_tells_nobody() -> None:
    clock = ManualClock(MONDAY)
    book, _rules, repo, _clients, _waiting = task_world(clock)
    await book.set(draft(MONDAY + timedelta(hours=2)))
    clock.set(MONDAY + timedelta(hours=1))
    task = await book.close("task-1", TaskResolution.DONE)
    clock.set(MONDAY + timedelta(days=3))
    assert await book.fire_overdue() == 0
    completed = sent(repo, Topic.TASK_COMPLETED)
    assert [(e["resolution"], e["was_overdue"]) for e in completed] == [("done", False)]
    assert task.closed_at == MONDAY + timedelta(hours=1)


async def test_a_task_found_overdue_late_tells_both_at_once_and_a_lead_less_team_names_none() -> (
    None
):
    clock = ManualClock(MONDAY)
    book, _rules, repo, _clients, _waiting = task_world(clock)
    await book.set(draft(MONDAY + timedelta(hours=1), assignee_id="tl-olga"))
    clock.set(MONDAY + timedelta(days=2))  # the service was down over the due time and a day
    assert await book.fire_overdue() == 2
    # Olga leads her own team: nobody above her in it to tell.
    assert overdue_levels(repo) == [("assignee", "tl-olga"), ("team_lead", None)]


async def test_open_tasks_follow_a_deputy_and_closed_ones_stay() -> None:
    clock = ManualClock(MONDAY)
    book, _rules, repo, _clients, _waiting = task_world(clock)
    await book.set(draft(MONDAY + timedelta(hours=1), task_id="task-a"))
    await book.set(draft(MONDAY + timedelta(hours=2), task_id="task-b"))
    await book.close("task-b", TaskResolution.CANCELLED)
    assert await book.hand_over_open("m-anna", "m-boris", reason="absence") == 1
    moved = sent(repo, Topic.TASK_REASSIGNED)
    assert [(e["task_id"], e["to_assignee_id"]) for e in moved] == [("task-a", "m-boris")]
    assert (await repo.get("task-b")).assignee_id == "m-anna"  # type: ignore[union-attr]


# --- segment cadences ----------------------------------------------------------------------


async def test_a_client_turning_warm_gets_a_touch_in_two_weeks_and_the_next_after_it() -> None:
    clock = ManualClock(MONDAY)
    _book, rules, repo, clients, _waiting = task_world(clock)
    clients.known["client-1"] = ("warm", "m-anna")

    first = await rules.on_segment("client-1", "warm", MONDAY, manager_id=None)
    again = await rules.on_segment("client-1", "warm", MONDAY, manager_id=None)  # redelivered
    assert first is not None and again is not None and again.id == first.id
    assert [(t.origin, t.due_at, t.assignee_id) for t in repo.open_tasks()] == [
        ("rule:cadence_warm", datetime(2026, 3, 16, 9, 0, tzinfo=UTC), "m-anna")
    ]

    clock.set(datetime(2026, 3, 13, 12, 0, tzinfo=UTC))  # touched two working days early
    done = await _book.close(first.id, TaskResolution.DONE)
    following = await rules.on_task_done(done)
    assert following is not None
    assert following.due_at == datetime(2026, 3, 27, 12, 0, tzinfo=UTC)  # 14 days after the touch
    assert await rules.on_task_done(done) is not None  # a retried completion sets no second one
    assert [t.id for t in repo.open_tasks()] == [following.id]


async def test_moving_from_warm_to_hot_stops_the_fortnight_and_starts_the_week() -> None:
    clock = ManualClock(MONDAY)
    _book, rules, repo, clients, _waiting = task_world(clock)
    clients.known["client-1"] = ("warm", "m-anna")
    await rules.on_segment("client-1", "warm", MONDAY, manager_id=None)
    clients.known["client-1"] = ("hot", "m-anna")
    later = MONDAY + timedelta(days=3)
    await rules.on_segment("client-1", "hot", later, manager_id=None)
    assert [(t.origin, t.due_at) for t in repo.open_tasks()] == [
        ("rule:cadence_hot", later + timedelta(days=7))
    ]
    assert [e["resolution"] for e in sent(repo, Topic.TASK_COMPLETED)] == ["cancelled"]


async def test_a_sleeping_client_gets_one_win_back_call_and_cooling_gets_no_cadence() -> None:
    clock = ManualClock(MONDAY)
    _book, rules, repo, clients, _waiting = task_world(clock)
    clients.known["client-2"] = ("sleeping", None)
    task = await rules.on_segment("client-2", "sleeping", MONDAY, manager_id="m-boris")
    assert task is not None
    assert (task.assignee_id, task.due_at, task.priority.value) == (
        "m-boris",
        MONDAY + timedelta(days=1),
        "high",
    )
    done = await _book.close(task.id, TaskResolution.DONE)
    assert await rules.on_task_done(done) is None  # a one-off: no rhythm for sleepers

    clients.known["client-3"] = ("warm", "m-anna")
    await rules.on_segment("client-3", "warm", MONDAY, manager_id=None)
    clients.known["client-3"] = ("cooling", "m-anna")
    assert await rules.on_segment("client-3", "cooling", MONDAY, manager_id=None) is None
    assert repo.open_tasks() == []


async def test_a_cadence_task_done_after_the_segment_changed_sets_nothing_more() -> None:
    clock = ManualClock(MONDAY)
    book, rules, repo, clients, _waiting = task_world(clock)
    clients.known["client-1"] = ("warm", "m-anna")
    task = await rules.on_segment("client-1", "warm", MONDAY, manager_id=None)
    assert task is not None
    clients.known["client-1"] = ("cooling", "m-anna")  # the change is on its way
    done = await book.close(task.id, TaskResolution.DONE)
    assert await rules.on_task_done(done) is None
    assert repo.open_tasks() == []


# --- stuck deals ---------------------------------------------------------------------------


def waiting(deal_id: str, stage: str, entered_at: datetime) -> WaitingDeal:
    return WaitingDeal(deal_id, "m-anna", "msk", "client-1", "default", stage, entered_at)


async def test_a_deal_waiting_72_hours_before_payment_gets_one_chase_task() -> None:
    clock = ManualClock(MONDAY)
    _book, rules, repo, _clients, deals = task_world(clock)
    entered = MONDAY - timedelta(hours=1)
    deals.deals = [
        waiting("deal-inv", "invoice", entered),
        waiting("deal-neg", "negotiation", entered),  # not a before-payment stage
    ]
    assert await rules.scan_stuck() == 0
    clock.set(entered + timedelta(hours=71, minutes=59))
    assert await rules.scan_stuck() == 0
    clock.set(entered + timedelta(hours=72))
    assert await rules.scan_stuck() == 1
    clock.advance(timedelta(minutes=1))
    assert await rules.scan_stuck() == 0  # the scan moved on: not found twice
    [chase] = repo.open_tasks()
    assert (chase.origin, chase.links.deal_id, chase.due_at, chase.priority.value) == (
        "rule:stuck_deal",
        "deal-inv",
        entered + timedelta(hours=72),
        "high",
    )
    assert chase.title.startswith("Сделка на этапе «invoice» дольше 72 ч")


async def test_a_deal_that_moves_on_cancels_its_chase() -> None:
    clock = ManualClock(MONDAY)
    _book, rules, repo, _clients, deals = task_world(clock)
    deals.deals = [waiting("deal-pay", "payment", MONDAY - timedelta(hours=80))]
    assert await rules.scan_stuck() == 1
    assert await rules.on_deal_moved("deal-pay") == 1
    assert repo.open_tasks() == []
    assert await rules.on_deal_moved("deal-pay") == 0


async def test_a_stuck_scan_after_downtime_catches_every_deal_in_between_once() -> None:
    clock = ManualClock(MONDAY)
    _book, rules, repo, _clients, deals = task_world(clock)
    await rules.scan_stuck()
    deals.deals = [
        waiting("deal-a", "invoice", MONDAY - timedelta(hours=70)),
        waiting("deal-b", "payment", MONDAY + timedelta(hours=5)),
    ]
    clock.set(MONDAY + timedelta(days=10))  # down for ten days
    assert await rules.scan_stuck() == 2
    assert await rules.scan_stuck() == 0
    assert sorted(t.links.deal_id or "" for t in repo.open_tasks()) == ["deal-a", "deal-b"]


async def test_a_proposal_follow_up_is_due_three_days_later_at_ten_local() -> None:
    clock = ManualClock(MONDAY)
    _book, rules, _repo, _clients, _waiting = task_world(clock)
    task = await rules.on_proposal_sent(
        "deal-1", manager_id="m-anna", team="msk", client_id="client-1", sent_on=MONDAY.date()
    )
    # 5 March 10:00 in Moscow (UTC+3) is 07:00 UTC.
    assert task.due_at == datetime(2026, 3, 5, 7, 0, tzinfo=UTC)
    again = await rules.on_proposal_sent(
        "deal-1", manager_id="m-anna", team="msk", client_id="client-1", sent_on=MONDAY.date()
    )
    assert again.id == task.id


async def test_a_lost_deal_with_a_revisit_date_gets_a_call_that_day_at_ten_local() -> None:
    _book, rules, _repo, _clients, _waiting = task_world(ManualClock(MONDAY))
    task = await rules.on_lost(
        "deal-1",
        manager_id="m-anna",
        client_id="client-1",
        revisit_on=MONDAY.date().replace(month=6),
    )
    assert (task.origin, task.due_at) == (
        "rule:lost_revisit",
        datetime(2026, 6, 2, 7, 0, tzinfo=UTC),  # 10:00 in Moscow
    )


async def test_a_renewal_reminder_sets_one_task_per_renewal_date() -> None:
    _book, rules, repo, _clients, _waiting = task_world(ManualClock(MONDAY))
    for days_before in (30, 30, 7):  # the 30-day reminder redelivered, then the 7-day one
        await rules.on_renewal_due(
            "contract-1",
            renewal_on=MONDAY.date().replace(month=4),
            days_before=days_before,
            manager_id="m-anna",
            client_id="client-1",
        )
    [task] = repo.open_tasks()
    assert (task.origin, task.due_at, task.title) == (
        "rule:contract_renewal",
        MONDAY,
        "Договор истекает через 30 дн.: согласовать продление",
    )


async def test_a_deal_changing_hands_takes_its_open_tasks_of_the_previous_owner() -> None:
    clock = ManualClock(MONDAY)
    book, rules, repo, _clients, _waiting = task_world(clock)
    await book.set(draft(MONDAY + timedelta(hours=1), task_id="task-a"))
    await book.set(draft(MONDAY + timedelta(hours=1), task_id="task-b", assignee_id="tl-olga"))
    await book.set(draft(MONDAY + timedelta(hours=1), task_id="task-c", links=TaskLinks()))
    assert await rules.hand_over_deal_tasks("deal-1", "m-anna", "m-boris") == 1
    holders = {t.id: t.assignee_id for t in repo.open_tasks()}
    assert holders == {"task-a": "m-boris", "task-b": "tl-olga", "task-c": "m-anna"}


def test_cadences_are_configurable_and_the_default_is_the_seed_rhythm(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from deals.domain.task_rules import DEFAULT_CADENCES
    from deals.settings import DealsSettings

    assert tuple(c.cadence() for c in DealsSettings().cadences) == DEFAULT_CADENCES
    rhythm = '[{"segment": "warm", "title": "Касание", "first_after_days": 10, "every_days": 21}]'
    monkeypatch.setenv("DEALS_CADENCES", rhythm)
    [warm] = [c.cadence() for c in DealsSettings().cadences]
    assert (warm.segment, warm.first_after, warm.every, warm.priority.value) == (
        "warm",
        timedelta(days=10),
        timedelta(days=21),
        "normal",
    )
