"""Overdue tasks: the assignee, then the team lead, each told once, the way staff are told;
a task closed first cancels what of that is still waiting, as a payment cancels reminders.

Figures worked out by hand: the manager works in Yekaterinburg (UTC+5), the team lead in
Moscow (UTC+3). The task was due at 06:00 UTC: 11:00 for the manager, 09:00 for the lead.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from notifications_fakes import Notifications, decoded, notifications
from structlog.testing import capture_logs

from notifications.domain.delivery import Delivery, DeliveryQuery
from notifications.domain.model import (
    PERSON,
    Channel,
    DeliveryStatus,
    Locale,
    RecipientKind,
    idempotency_key,
)
from notifications.domain.webhooks import WebhookSubscription
from notifications.service_layer.sources import source_of, task_overdue_id
from shared.contracts.events.tasks import (
    OverdueLevel,
    TaskCompletedV1,
    TaskLinks,
    TaskOverdueV1,
    TaskResolution,
)

pytestmark = pytest.mark.unit

START = datetime(2026, 3, 2, 7, 0, tzinfo=UTC)  # 12:00 in Yekaterinburg, 10:00 in Moscow
DUE = datetime(2026, 3, 2, 6, 0, tzinfo=UTC)
TASK, TITLE = "task-7", "Перезвонить клиенту"
MANAGER, LEAD = "mgr-anna", "tl-olga"
MANAGER_EMAIL, LEAD_CHAT = "anna@voronka.example", "100200300"


def overdue(
    level: OverdueLevel = OverdueLevel.ASSIGNEE, notify: str | None = MANAGER
) -> TaskOverdueV1:
    return TaskOverdueV1(
        task_id=TASK,
        title=TITLE,
        assignee_id=MANAGER,
        team="north",
        due_at=DUE,
        level=level,
        notify_person_id=notify,
        links=TaskLinks(deal_id="deal-7"),
        overdue_at=START,
    )


def at_lead() -> TaskOverdueV1:
    return overdue(OverdueLevel.TEAM_LEAD, LEAD)


def completed(
    at: datetime, resolution: TaskResolution = TaskResolution.DONE, task: str = TASK
) -> TaskCompletedV1:
    return TaskCompletedV1(
        task_id=task,
        assignee_id=MANAGER,
        team="north",
        resolution=resolution,
        origin="manual",
        links=TaskLinks(deal_id="deal-7"),
        was_overdue=True,
        completed_at=at,
    )


def key_of(level: OverdueLevel, person: str) -> str:
    return idempotency_key(task_overdue_id(TASK, level.value), person, PERSON)


def with_staff(start: datetime = START) -> Notifications:
    """The manager reads e-mail in Russian; the team lead, messenger only, in English."""
    service = notifications(start)
    service.directory.add(
        MANAGER,
        RecipientKind.MANAGER,
        name="Анна Иванова",
        time_zone="Asia/Yekaterinburg",
        email=MANAGER_EMAIL,
    )
    service.directory.add(
        LEAD,
        RecipientKind.MANAGER,
        name="Ольга Смирнова",
        locale=Locale.EN,
        messenger_chat_id=LEAD_CHAT,
    )
    return service


async def test_the_assignee_then_the_team_lead_are_each_told_once_in_their_own_zone() -> None:
    service = with_staff()

    assert await service.triggers.plan(source_of(decoded(overdue(), key=TASK, event_id="e1"))) == 1
    assert await service.dispatcher.dispatch_due() == 1

    [mail] = service.channels[Channel.EMAIL].sent
    assert (mail.address, mail.subject) == (MANAGER_EMAIL, f"Задача просрочена: {TITLE}")
    assert f"Задача просрочена: {TITLE}, срок 2 марта 2026, 11:00." in mail.body
    assert "task-7" in mail.body
    to_manager = service.deliveries.one(key_of(OverdueLevel.ASSIGNEE, MANAGER))
    assert (to_manager.status, to_manager.event_kind, to_manager.urgent) == (
        DeliveryStatus.SENT,
        "task.overdue",
        False,
    )
    assert to_manager.source.dedupe_id == "task.overdue:task-7:assignee"

    # The grace period is over: deals publishes the team lead's level.
    assert await service.triggers.plan(source_of(decoded(at_lead(), key=TASK, event_id="e2"))) == 1
    assert await service.dispatcher.dispatch_due() == 1

    [chat] = service.channels[Channel.MESSENGER].sent
    assert chat.address == LEAD_CHAT
    assert chat.body.startswith("Hello Ольга Смирнова,")
    assert (
        f"The task “{TITLE}” is overdue: it was due 2 March 2026, 09:00. "
        "Responsible manager: Анна Иванова."
    ) in chat.body
    to_lead = service.deliveries.one(key_of(OverdueLevel.TEAM_LEAD, LEAD))
    assert (to_lead.status, to_lead.event_kind, to_lead.recipient_kind) == (
        DeliveryStatus.SENT,
        "task.overdue:team_lead",
        "manager",
    )
    assert len(service.channels[Channel.EMAIL].sent) == 1
    sent = service.deliveries.published_on("notification.sent")
    assert {m.key for m in sent} == {to_manager.id, to_lead.id}
    # The delivery log finds each level by its business id.
    page, total = await service.deliveries.search(
        DeliveryQuery(source_id="task.overdue:task-7:team_lead"), offset=0, limit=10
    )
    assert (total, [d.recipient_id for d in page]) == (1, [LEAD])


async def test_a_redelivered_or_republished_level_adds_nothing_and_sends_nothing() -> None:
    service = with_staff()
    first = decoded(overdue(), key=TASK, event_id="e1")
    assert await service.triggers.plan(source_of(first)) == 1
    await service.dispatcher.dispatch_due()

    assert await service.triggers.plan(source_of(first)) == 0
    # Deals republished the same level under a new event id (a restart of its scheduler).
    assert await service.triggers.plan(source_of(decoded(overdue(), key=TASK, event_id="e9"))) == 0
    assert await service.dispatcher.dispatch_due() == 0

    assert len(service.deliveries.all()) == 1
    assert len(service.channels[Channel.EMAIL].sent) == 1


async def test_a_team_without_a_lead_is_recorded_in_the_delivery_log_not_dropped() -> None:
    service = with_staff()
    no_lead = decoded(overdue(OverdueLevel.TEAM_LEAD, None), key=TASK, event_id="e2")

    assert await service.triggers.plan(source_of(no_lead)) == 1
    assert await service.triggers.plan(source_of(no_lead)) == 0

    nobody = service.deliveries.one(key_of(OverdueLevel.TEAM_LEAD, "nobody"))
    assert (nobody.status, nobody.reason, nobody.recipient_id, nobody.next_attempt_at) == (
        DeliveryStatus.SUPPRESSED,
        "no_recipient",
        "nobody",
        None,
    )
    assert nobody.event_kind == "task.overdue:team_lead"
    assert await service.dispatcher.dispatch_due() == 0
    assert all(channel.sent == [] for channel in service.channels.values())


async def test_a_person_the_directory_does_not_know_is_suppressed_like_any_unknown_one() -> None:
    service = with_staff()
    gone = decoded(overdue(OverdueLevel.TEAM_LEAD, "tl-left"), key=TASK, event_id="e2")

    assert await service.triggers.plan(source_of(gone)) == 1

    suppressed = service.deliveries.one(key_of(OverdueLevel.TEAM_LEAD, "tl-left"))
    assert (suppressed.status, suppressed.reason) == (
        DeliveryStatus.SUPPRESSED,
        "unknown_recipient",
    )
    assert await service.dispatcher.dispatch_due() == 0


async def test_a_task_overdue_at_night_waits_for_nine_in_the_persons_morning() -> None:
    night = datetime(2026, 3, 2, 17, 0, tzinfo=UTC)  # 22:00 in Yekaterinburg
    service = with_staff(night)
    await service.triggers(decoded(overdue(), key=TASK, event_id="e1"))

    assert await service.dispatcher.dispatch_due() == 1

    waiting = service.deliveries.one(key_of(OverdueLevel.ASSIGNEE, MANAGER))
    morning = datetime(2026, 3, 3, 4, 0, tzinfo=UTC)  # 09:00 in Yekaterinburg (UTC+5)
    assert (waiting.status, waiting.reason, waiting.next_attempt_at) == (
        DeliveryStatus.DEFERRED,
        "quiet_hours",
        morning,
    )
    assert service.channels[Channel.EMAIL].sent == []

    service.clock.set(morning)
    assert await service.dispatcher.dispatch_due() == 1
    assert len(service.channels[Channel.EMAIL].sent) == 1


async def test_the_logs_of_an_overdue_task_hold_no_title_name_or_address() -> None:
    service = with_staff()
    with capture_logs() as lines:
        await service.triggers(decoded(overdue(), key=TASK, event_id="e1"))
        await service.triggers(decoded(at_lead(), key=TASK, event_id="e2"))
        await service.triggers(decoded(overdue(notify=None), key=TASK, event_id="e3"))
        assert await service.dispatcher.dispatch_due() == 2

    assert lines, "nothing was logged"
    text = repr(lines)
    for personal in (TITLE, "Анна", "Ольга", MANAGER_EMAIL, LEAD_CHAT):
        assert personal not in text


# --- the task closes -------------------------------------------------------------------------

NIGHT = datetime(2026, 3, 2, 17, 0, tzinfo=UTC)  # 22:00 in Yekaterinburg, 20:00 in Moscow
MORNING = datetime(2026, 3, 3, 4, 0, tzinfo=UTC)  # 09:00 in Yekaterinburg, 07:00 in Moscow


async def test_a_task_done_before_morning_cancels_the_overdue_message_held_overnight() -> None:
    service = with_staff(NIGHT)
    await service.triggers(decoded(overdue(), key=TASK, event_id="e1"))
    await service.dispatcher.dispatch_due()
    assert service.deliveries.one(key_of(OverdueLevel.ASSIGNEE, MANAGER)).next_attempt_at == (
        MORNING
    )

    # 08:00 in Yekaterinburg: the manager did it before the message could go out at 09:00.
    done_at = datetime(2026, 3, 3, 3, 0, tzinfo=UTC)
    service.clock.set(done_at)
    await service.tasks(decoded(completed(done_at), key=TASK, event_id="c1"))

    held = service.deliveries.one(key_of(OverdueLevel.ASSIGNEE, MANAGER))
    assert (held.status, held.reason, held.next_attempt_at) == (
        DeliveryStatus.CANCELLED,
        "task_closed",
        None,
    )
    assert [line.event for line in held.history] == ["queued", "deferred", "cancelled"]
    assert service.settlements.paid == {"task:task-7": done_at}
    service.clock.set(MORNING)
    assert await service.dispatcher.dispatch_due() == 0
    assert service.channels[Channel.EMAIL].sent == []
    assert service.deliveries.published_on("notification.sent") == []


async def test_a_message_already_sent_stays_sent_and_only_the_waiting_level_is_cancelled() -> None:
    # The assignee was told at 12:00 their time (07:00 UTC). The lead's level fires at
    # 19:00 UTC, 22:00 in Moscow, and waits for 09:00 there (06:00 UTC).
    service = with_staff()
    await service.triggers(decoded(overdue(), key=TASK, event_id="e1"))
    assert await service.dispatcher.dispatch_due() == 1
    service.clock.set(datetime(2026, 3, 2, 19, 0, tzinfo=UTC))
    await service.triggers(decoded(at_lead(), key=TASK, event_id="e2"))
    assert await service.dispatcher.dispatch_due() == 1
    to_lead = service.deliveries.one(key_of(OverdueLevel.TEAM_LEAD, LEAD))
    assert (to_lead.status, to_lead.next_attempt_at) == (
        DeliveryStatus.DEFERRED,
        datetime(2026, 3, 3, 6, 0, tzinfo=UTC),
    )

    closed_at = datetime(2026, 3, 2, 20, 0, tzinfo=UTC)
    service.clock.set(closed_at)
    await service.tasks(
        decoded(completed(closed_at, TaskResolution.CANCELLED), key=TASK, event_id="c1")
    )

    to_manager = service.deliveries.one(key_of(OverdueLevel.ASSIGNEE, MANAGER))
    to_lead = service.deliveries.one(key_of(OverdueLevel.TEAM_LEAD, LEAD))
    assert (to_manager.status, to_manager.reason) == (DeliveryStatus.SENT, None)
    assert (to_lead.status, to_lead.reason) == (DeliveryStatus.CANCELLED, "task_closed")
    service.clock.set(datetime(2026, 3, 3, 6, 0, tzinfo=UTC))
    assert await service.dispatcher.dispatch_due() == 0
    assert len(service.channels[Channel.EMAIL].sent) == 1
    assert service.channels[Channel.MESSENGER].sent == []


async def test_an_overdue_message_consumed_after_the_closing_is_cancelled_on_arrival() -> None:
    # The two topics are read by separate consumers: the lead's level, published before the
    # task was done, may be read after `task.completed`.
    service = with_staff()
    await service.tasks(decoded(completed(START), key=TASK, event_id="c1"))

    assert await service.triggers.plan(source_of(decoded(at_lead(), key=TASK, event_id="e2"))) == 1

    late = service.deliveries.one(key_of(OverdueLevel.TEAM_LEAD, LEAD))
    assert (late.status, late.reason, late.next_attempt_at) == (
        DeliveryStatus.CANCELLED,
        "task_closed",
        None,
    )
    assert await service.dispatcher.dispatch_due() == 0
    assert all(channel.sent == [] for channel in service.channels.values())


async def test_a_task_closed_while_its_overdue_message_is_planned_is_cancelled_all_the_same(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    service = with_staff(NIGHT)
    add = service.deliveries.add

    async def close_meanwhile(delivery: Delivery, *, causation_id: str | None = None) -> bool:
        # `task.completed` is handled between the check on arrival and the insert: it finds
        # nothing to cancel yet, and the triggers' second look after inserting does it.
        await service.tasks(decoded(completed(NIGHT), key=TASK, event_id="c1"))
        return await add(delivery, causation_id=causation_id)

    monkeypatch.setattr(service.deliveries, "add", close_meanwhile)
    assert await service.triggers.plan(source_of(decoded(overdue(), key=TASK, event_id="e1"))) == 1

    planned = service.deliveries.one(key_of(OverdueLevel.ASSIGNEE, MANAGER))
    assert (planned.status, planned.reason) == (DeliveryStatus.CANCELLED, "task_closed")


async def test_another_task_closing_or_a_redelivered_closing_changes_nothing_more() -> None:
    service = with_staff(NIGHT)
    await service.triggers(decoded(overdue(), key=TASK, event_id="e1"))
    await service.dispatcher.dispatch_due()

    await service.tasks(decoded(completed(NIGHT, task="task-8"), key="task-8", event_id="c8"))
    waiting = service.deliveries.one(key_of(OverdueLevel.ASSIGNEE, MANAGER))
    assert (waiting.status, waiting.next_attempt_at) == (DeliveryStatus.DEFERRED, MORNING)

    closing = decoded(completed(NIGHT), key=TASK, event_id="c1")
    await service.tasks(closing)
    await service.tasks(closing)
    cancelled = service.deliveries.one(key_of(OverdueLevel.ASSIGNEE, MANAGER))
    assert [line.event for line in cancelled.history].count("cancelled") == 1
    assert service.settlements.paid == {"task:task-8": NIGHT, "task:task-7": NIGHT}


async def test_a_task_closed_while_its_message_is_on_its_way_is_recorded_as_sent() -> None:
    service = with_staff()
    await service.triggers(decoded(overdue(), key=TASK, event_id="e1"))
    email = service.channels[Channel.EMAIL]

    async def close_during_send() -> None:
        email.during_send = None
        await service.tasks(decoded(completed(START), key=TASK, event_id="c1"))

    email.during_send = close_during_send
    await service.dispatcher.dispatch_due()

    sent = service.deliveries.one(key_of(OverdueLevel.ASSIGNEE, MANAGER))
    assert (sent.status, sent.reason) == (DeliveryStatus.SENT, None)
    assert [line.event for line in sent.history] == ["queued", "attempt", "cancelled", "sent"]
    assert len(service.deliveries.published_on("notification.sent")) == 1


async def test_an_integrator_subscribed_to_task_closings_receives_them() -> None:
    service = with_staff()
    service.webhooks.subscriptions["crm"] = WebhookSubscription(
        "crm",
        url="https://crm.example/hooks",
        secret="s3cret-s3cret-s3cret",
        event_types=("task.completed",),
    )
    closing = decoded(completed(START), key=TASK, event_id="c1")
    await service.tasks(closing)
    await service.tasks(closing)

    assert await service.dispatcher.dispatch_due() == 1
    [hook] = service.channels[Channel.WEBHOOK].sent
    assert hook.event_type == "task.completed"
