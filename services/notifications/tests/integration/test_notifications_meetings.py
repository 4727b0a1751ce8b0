"""Meeting reminders end to end: one e-mail each to the organizer and the colleague, at once.

Figures worked out by hand. The test clock starts at 09:00 UTC on 2 March 2026 and is moved
to 02:30 UTC on 3 March: 07:30 in Yekaterinburg (UTC+5, the organizer), 05:30 in Moscow
(UTC+3, the colleague), both inside the quiet hours. The meeting starts an hour later, at
03:30 UTC: 08:30 for the organizer, 06:30 for the colleague. Held until 09:00, the
organizer's reminder would come after the meeting began, so it goes out at once.
"""

from __future__ import annotations

from datetime import timedelta
from email.message import EmailMessage

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
from notifications.settings import NotificationsSettings
from shared.contracts.events.meetings import MeetingReminderDueV1
from shared.contracts.events.person import PersonChangedV1
from shared.contracts.topics import Topic
from shared.platform.clock import ManualClock
from shared.testing.kafka import committed, wait_until
from shared.testing.servers import Mailbox

pytestmark = pytest.mark.integration

MEETING, TITLE, PLACE = "meeting-42", "Демонстрация оборудования", "Офис клиента"
ORGANIZER, COLLEAGUE = "mgr-anna", "mgr-boris"
ORGANIZER_EMAIL, COLLEAGUE_EMAIL = "anna@voronka.example", "boris@voronka.example"


def person(
    person_id: str, name: str, email: str, time_zone: str, clock: ManualClock
) -> PersonChangedV1:
    return PersonChangedV1(
        person_id=person_id,
        name=name,
        team="north",
        role="manager",
        time_zone=time_zone,
        capacity=30,
        active=True,
        present=True,
        email=email,
        changed_at=clock.now(),
    )


def reminder(clock: ManualClock) -> MeetingReminderDueV1:
    starts_at = clock.now() + timedelta(minutes=60)
    return MeetingReminderDueV1(
        meeting_id=MEETING,
        reminder_id=f"{MEETING}:{starts_at.isoformat()}",
        title=TITLE,
        organizer_id=ORGANIZER,
        staff_ids=[COLLEAGUE],
        starts_at=starts_at,
        place=PLACE,
        deal_id="deal-7",
        client_id="client-5",
    )


def html(mail: EmailMessage) -> str:
    body = mail.get_body(("html",))
    assert body is not None
    content: str = body.get_content()
    return content


async def test_a_meeting_reminder_mails_the_organizer_and_the_colleague_once_each(
    notifications_service: ServiceFactory,
    notifications_settings: NotificationsSettings,
    publisher: Publisher,
    mailbox: Mailbox,
    clock: ManualClock,
) -> None:
    clock.advance(timedelta(hours=17, minutes=30))  # 02:30 UTC on 3 March
    async with notifications_service() as (service, _http):
        # The people are known from the one directory, not from the recipients API.
        await publisher.publish(
            person(ORGANIZER, "Анна Иванова", ORGANIZER_EMAIL, "Asia/Yekaterinburg", clock),
            key=ORGANIZER,
        )
        await publisher.publish(
            person(COLLEAGUE, "Борис Орлов", COLLEAGUE_EMAIL, "Europe/Moscow", clock),
            key=COLLEAGUE,
        )

        async def both_known() -> bool:
            return None not in [await service.directory.get(p) for p in (ORGANIZER, COLLEAGUE)]

        await wait_until(both_known, timeout=30)

        event = reminder(clock)
        message = publisher.encode(event, key=MEETING)
        await publisher.send_raw(Topic.MEETING_REMINDER_DUE, MEETING, *message)
        for person_id in (ORGANIZER, COLLEAGUE):
            key = delivery_id(event.reminder_id, person_id, Channel.EMAIL)
            sent = await wait_for_status(service, key, "sent")
            assert (sent["event_kind"], sent["urgent"]) == ("meeting.reminder_due", True)

        [to_organizer] = mailbox.to(ORGANIZER_EMAIL)
        assert to_organizer["Subject"] == f"Встреча «{TITLE}» в 08:30"
        assert f"Встреча «{TITLE}» в 08:30, {PLACE}" in html(to_organizer)
        [to_colleague] = mailbox.to(COLLEAGUE_EMAIL)
        assert to_colleague["Subject"] == f"Встреча «{TITLE}» в 06:30"
        assert f"Встреча «{TITLE}» в 06:30, {PLACE}" in html(to_colleague)

        # The same message is redelivered, and deals republishes the reminder under a new
        # event id (its scheduler restarted): the reminder id is the same.
        await publisher.send_raw(Topic.MEETING_REMINDER_DUE, MEETING, *message)
        await publisher.publish(event, key=MEETING)

        async def all_three_consumed() -> bool:
            group, topic = notifications_settings.consumer_group, Topic.MEETING_REMINDER_DUE
            return await committed(notifications_settings.kafka, group, topic) == 3

        await wait_until(all_three_consumed, timeout=30)
        await dispatcher_idle(clock)
        await outbox_drained(service)

        assert len(mailbox.to(ORGANIZER_EMAIL)) == 1
        assert len(mailbox.to(COLLEAGUE_EMAIL)) == 1
        assert await service.deliveries.collection.count_documents({}) == 2
