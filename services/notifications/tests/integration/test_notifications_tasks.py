"""Overdue tasks end to end: the manager, then their team lead, one e-mail each, never more;
a task closed while its message waits for the morning cancels it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from notifications_testkit import (
    Publisher,
    ServiceFactory,
    delivery_id,
    dispatcher_idle,
    outbox_drained,
    wait_for_status,
)

from notifications.domain.model import Channel
from notifications.service_layer.sources import task_overdue_id
from notifications.settings import NotificationsSettings
from shared.contracts.events.person import PersonChangedV1
from shared.contracts.events.tasks import (
    OverdueLevel,
    TaskCompletedV1,
    TaskLinks,
    TaskOverdueV1,
    TaskResolution,
)
from shared.contracts.topics import Topic
from shared.platform.clock import ManualClock
from shared.testing.kafka import committed, wait_until
from shared.testing.servers import Mailbox

pytestmark = pytest.mark.integration

TASK, TITLE = "task-42", "Перезвонить по коммерческому предложению"
MANAGER, LEAD = "mgr-anna", "tl-olga"
MANAGER_EMAIL, LEAD_EMAIL = "anna@voronka.example", "olga@voronka.example"


def person(person_id: str, name: str, role: str, email: str, clock: ManualClock) -> PersonChangedV1:
    return PersonChangedV1(
        person_id=person_id,
        name=name,
        team="north",
        role=role,
        time_zone="Europe/Moscow",
        capacity=30,
        active=True,
        present=True,
        email=email,
        changed_at=clock.now(),
    )


def overdue(level: OverdueLevel, notify: str, clock: ManualClock) -> TaskOverdueV1:
    return TaskOverdueV1(
        task_id=TASK,
        title=TITLE,
        assignee_id=MANAGER,
        team="north",
        due_at=clock.now() - timedelta(hours=1),
        level=level,
        notify_person_id=notify,
        links=TaskLinks(deal_id="deal-7"),
        overdue_at=clock.now(),
    )


async def test_an_overdue_task_mails_the_manager_then_the_team_lead_once_each(
    notifications_service: ServiceFactory,
    notifications_settings: NotificationsSettings,
    publisher: Publisher,
    mailbox: Mailbox,
    clock: ManualClock,
) -> None:
    async with notifications_service() as (service, _http):
        # The people are known from the one directory, not from the recipients API.
        await publisher.publish(
            person(MANAGER, "Анна Иванова", "manager", MANAGER_EMAIL, clock), key=MANAGER
        )
        await publisher.publish(
            person(LEAD, "Ольга Смирнова", "team_lead", LEAD_EMAIL, clock), key=LEAD
        )

        async def both_known() -> bool:
            return None not in [await service.directory.get(p) for p in (MANAGER, LEAD)]

        await wait_until(both_known, timeout=30)

        at_assignee = publisher.encode(overdue(OverdueLevel.ASSIGNEE, MANAGER, clock), key=TASK)
        await publisher.send_raw(Topic.TASK_OVERDUE, TASK, *at_assignee)
        to_manager = delivery_id(task_overdue_id(TASK, "assignee"), MANAGER, Channel.EMAIL)
        sent = await wait_for_status(service, to_manager, "sent")
        assert sent["event_kind"] == "task.overdue"
        [mail] = mailbox.to(MANAGER_EMAIL)
        assert mail["Subject"] == f"Задача просрочена: {TITLE}"
        assert TITLE in mail.get_body(("html",)).get_content()  # type: ignore[union-attr]
        assert mailbox.to(LEAD_EMAIL) == []

        # The grace period passes; deals tells the team lead.
        clock.advance(timedelta(hours=2))
        at_lead = publisher.encode(overdue(OverdueLevel.TEAM_LEAD, LEAD, clock), key=TASK)
        await publisher.send_raw(Topic.TASK_OVERDUE, TASK, *at_lead)
        to_lead = delivery_id(task_overdue_id(TASK, "team_lead"), LEAD, Channel.EMAIL)
        sent = await wait_for_status(service, to_lead, "sent")
        assert sent["event_kind"] == "task.overdue:team_lead"
        [mail] = mailbox.to(LEAD_EMAIL)
        assert mail["Subject"] == f"Задача просрочена: {TITLE} (Анна Иванова)"
        body = mail.get_body(("html",)).get_content()  # type: ignore[union-attr]
        assert TITLE in body and "Ответственный менеджер: Анна Иванова" in body

        # Both messages are redelivered, and deals republishes a level under a new event id.
        await publisher.send_raw(Topic.TASK_OVERDUE, TASK, *at_assignee)
        await publisher.send_raw(Topic.TASK_OVERDUE, TASK, *at_lead)
        await publisher.publish(overdue(OverdueLevel.TEAM_LEAD, LEAD, clock), key=TASK)

        async def all_five_consumed() -> bool:
            group = notifications_settings.consumer_group
            return await committed(notifications_settings.kafka, group, Topic.TASK_OVERDUE) == 5

        await wait_until(all_five_consumed, timeout=30)
        await dispatcher_idle(clock)
        await outbox_drained(service)

        assert len(mailbox.to(MANAGER_EMAIL)) == 1
        assert len(mailbox.to(LEAD_EMAIL)) == 1
        assert await service.deliveries.collection.count_documents({}) == 2


async def test_a_task_done_before_morning_cancels_its_overdue_mail_held_by_quiet_hours(
    notifications_service: ServiceFactory,
    publisher: Publisher,
    mailbox: Mailbox,
    clock: ManualClock,
) -> None:
    # 19:00 UTC is 22:00 in Moscow: the overdue mail waits for 09:00 there, 06:00 UTC.
    clock.set(datetime(2026, 3, 2, 19, 0, tzinfo=UTC))
    async with notifications_service() as (service, _http):
        await publisher.publish(
            person(MANAGER, "Анна Иванова", "manager", MANAGER_EMAIL, clock), key=MANAGER
        )

        async def known() -> bool:
            return await service.directory.get(MANAGER) is not None

        await wait_until(known, timeout=30)
        await publisher.publish(overdue(OverdueLevel.ASSIGNEE, MANAGER, clock), key=TASK)
        to_manager = delivery_id(task_overdue_id(TASK, "assignee"), MANAGER, Channel.EMAIL)
        held = await wait_for_status(service, to_manager, "deferred")
        assert held["next_attempt_at"].replace(tzinfo=UTC) == datetime(2026, 3, 3, 6, 0, tzinfo=UTC)

        clock.advance(timedelta(hours=1))
        done = TaskCompletedV1(
            task_id=TASK,
            assignee_id=MANAGER,
            team="north",
            resolution=TaskResolution.DONE,
            origin="manual",
            links=TaskLinks(deal_id="deal-7"),
            was_overdue=True,
            completed_at=clock.now(),
        )
        await publisher.publish(done, key=TASK)
        cancelled = await wait_for_status(service, to_manager, "cancelled")
        assert cancelled["reason"] == "task_closed"

        clock.set(datetime(2026, 3, 3, 6, 30, tzinfo=UTC))
        await dispatcher_idle(clock)
        await outbox_drained(service)
        assert mailbox.to(MANAGER_EMAIL) == []
        assert await service.deliveries.collection.count_documents({"status": "sent"}) == 0
