"""Meetings: scheduled ahead, reminded once per start time, each outcome an activity."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from deals.domain.meeting import Meeting, MeetingPlan
from deals.domain.refusal import Refused
from shared.contracts.events.activities import DealActivityLoggedV1
from shared.contracts.events.meetings import MeetingReminderDueV1

pytestmark = pytest.mark.unit

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)


def plan(starts: datetime, **overrides: object) -> MeetingPlan:
    fields: dict[str, object] = {
        "title": "Демонстрация",
        "starts_at": starts,
        "ends_at": starts + 90 * timedelta(minutes=1),
        "place": "Офис клиента",
        "staff_ids": ("m-boris",),
    }
    return MeetingPlan(**{**fields, **overrides})  # type: ignore[arg-type]


def meeting(starts: datetime) -> Meeting:
    return Meeting.schedule(
        "meeting-1",
        plan(starts),
        organizer_id="m-anna",
        team="msk",
        deal_id="deal-1",
        client_id="client-1",
        remind_before=HOUR,
        now=NOW,
    )


def test_a_meeting_needs_a_future_start_an_end_after_it_and_a_place_or_link() -> None:
    with pytest.raises(Refused) as refused:
        Meeting.schedule(
            "m",
            plan(NOW - HOUR, ends_at=NOW - 2 * HOUR, place=None),
            organizer_id="m-anna",
            team=None,
            deal_id=None,
            client_id="client-1",
            remind_before=HOUR,
            now=NOW,
        )
    assert refused.value.problems == (
        "ends_at: must be after starts_at",
        "starts_at: must be in the future",
        "place: a place or a link is needed",
    )


def test_the_reminder_fires_an_hour_before_once_and_again_after_a_move() -> None:
    m = meeting(NOW + 5 * HOUR)
    assert m.next_reminder_at == NOW + 4 * HOUR
    assert m.fire_due_reminders(NOW + 4 * HOUR - timedelta(seconds=1)) == 0
    assert m.fire_due_reminders(NOW + 4 * HOUR) == 1
    assert m.fire_due_reminders(NOW + 5 * HOUR) == 0
    [reminder] = m.collect_events()
    assert isinstance(reminder, MeetingReminderDueV1)
    assert (reminder.reminder_id, reminder.staff_ids) == (
        "meeting-1:2026-03-02T14:00:00+00:00",
        ["m-boris"],
    )

    moved = m.move(plan(NOW + 24 * HOUR), now=NOW + 4 * HOUR, by="m-anna")
    assert (moved.facts.activity_id, moved.facts.outcome) == ("meeting-1:moved-1", "moved")
    assert m.next_reminder_at == NOW + 23 * HOUR
    assert m.fire_due_reminders(NOW + 23 * HOUR) == 1
    [again] = m.collect_events()
    assert isinstance(again, MeetingReminderDueV1)
    assert again.reminder_id == "meeting-1:2026-03-03T09:00:00+00:00"


def test_a_held_meeting_is_a_meeting_activity_with_its_length_and_fires_nothing_more() -> None:
    m = meeting(NOW + 2 * HOUR)
    with pytest.raises(Refused, match="before it starts"):
        m.held(now=NOW + HOUR, by="m-anna", summary=None)
    activity = m.held(now=NOW + 4 * HOUR, by="m-anna", summary="Договорились о пилоте")
    [logged] = activity.collect_events()
    assert isinstance(logged, DealActivityLoggedV1)
    assert (logged.kind.value, logged.outcome, logged.duration_seconds, logged.occurred_at) == (
        "meeting",
        "held",
        5400,
        NOW + 2 * HOUR,
    )
    assert (logged.deal_id, logged.client_id, logged.team) == ("deal-1", "client-1", "msk")
    assert m.next_reminder_at is None
    with pytest.raises(Refused, match="already held"):
        m.cancel(now=NOW + 5 * HOUR, by="m-anna", reason=None)


def test_a_cancelled_meeting_is_an_activity_with_the_reason_and_no_reminder() -> None:
    m = meeting(NOW + 3 * HOUR)
    activity = m.cancel(now=NOW + HOUR, by="m-anna", reason="Клиент заболел")
    assert (activity.facts.outcome, activity.facts.summary, activity.facts.occurred_at) == (
        "cancelled",
        "Клиент заболел",
        NOW + HOUR,
    )
    assert m.next_reminder_at is None
    assert m.fire_due_reminders(NOW + 10 * HOUR) == 0
