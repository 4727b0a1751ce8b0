"""Overdue tasks: the assignee, then the team lead, each told once, the way staff are told.

Figures worked out by hand: the manager works in Yekaterinburg (UTC+5), the team lead in
Moscow (UTC+3). The task was due at 06:00 UTC: 11:00 for the manager, 09:00 for the lead.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from notifications_fakes import Notifications, decoded, notifications
from structlog.testing import capture_logs

from notifications.domain.delivery import DeliveryQuery
from notifications.domain.model import (
    PERSON,
    Channel,
    DeliveryStatus,
    Locale,
    RecipientKind,
    idempotency_key,
)
from notifications.service_layer.sources import source_of, task_overdue_id
from shared.contracts.events.tasks import OverdueLevel, TaskLinks, TaskOverdueV1

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
