"""Meeting reminders: the organizer and each colleague, once per reminder, at once.

Figures worked out by hand. The organizer works in Yekaterinburg (UTC+5), the colleague in
Moscow (UTC+3). The meeting starts at 03:30 UTC on 3 March 2026: 08:30 for the organizer,
06:30 for the colleague. Deals reminds an hour before, at 02:30 UTC: 07:30 and 05:30 local,
both inside the quiet hours (21:00-09:00). Held until 09:00 in Yekaterinburg (04:00 UTC),
the organizer's reminder would come half an hour after the meeting began; so it goes now.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from notifications_fakes import Notifications, decoded, notifications
from structlog.testing import capture_logs

from notifications.domain.model import (
    PERSON,
    Channel,
    DeliveryStatus,
    Locale,
    RecipientKind,
    idempotency_key,
)
from notifications.domain.webhooks import WebhookSubscription
from notifications.service_layer.sources import source_of
from shared.contracts.events.meetings import MeetingReminderDueV1

pytestmark = pytest.mark.unit

STARTS = datetime(2026, 3, 3, 3, 30, tzinfo=UTC)
REMIND = STARTS - timedelta(minutes=60)  # 02:30 UTC: 07:30 in Yekaterinburg, 05:30 in Moscow
MEETING, TITLE, PLACE = "meeting-9", "Демо для ООО «Ромашка»", "Офис клиента"
ORGANIZER, COLLEAGUE = "mgr-anna", "mgr-boris"
ORGANIZER_EMAIL, COLLEAGUE_CHAT = "anna@voronka.example", "100200300"


def reminder_id(starts_at: datetime = STARTS) -> str:
    """As deals makes it: the meeting and its start, so a moved meeting gets a new one."""
    return f"{MEETING}:{starts_at.isoformat()}"


def reminder(
    staff: list[str] | None = None,
    *,
    starts_at: datetime = STARTS,
    place: str | None = PLACE,
    link: str | None = None,
) -> MeetingReminderDueV1:
    return MeetingReminderDueV1(
        meeting_id=MEETING,
        reminder_id=reminder_id(starts_at),
        title=TITLE,
        organizer_id=ORGANIZER,
        staff_ids=[COLLEAGUE] if staff is None else staff,
        starts_at=starts_at,
        place=place,
        link=link,
        deal_id="deal-7",
        client_id="client-5",
    )


def key_of(person: str, starts_at: datetime = STARTS) -> str:
    return idempotency_key(reminder_id(starts_at), person, PERSON)


def with_staff(start: datetime = REMIND) -> Notifications:
    """The organizer reads e-mail in Russian; the colleague, messenger only, in English."""
    service = notifications(start)
    service.directory.add(
        ORGANIZER,
        RecipientKind.MANAGER,
        name="Анна Иванова",
        time_zone="Asia/Yekaterinburg",
        email=ORGANIZER_EMAIL,
    )
    service.directory.add(
        COLLEAGUE,
        RecipientKind.MANAGER,
        name="Борис Орлов",
        locale=Locale.EN,
        messenger_chat_id=COLLEAGUE_CHAT,
    )
    return service


async def test_the_organizer_and_the_colleague_are_told_at_once_in_their_own_zones() -> None:
    service = with_staff()

    event = decoded(reminder(), key=MEETING, event_id="e1")
    assert await service.triggers.plan(source_of(event)) == 2
    assert await service.dispatcher.dispatch_due() == 2

    [mail] = service.channels[Channel.EMAIL].sent
    assert (mail.address, mail.subject) == (ORGANIZER_EMAIL, f"Встреча «{TITLE}» в 08:30")
    assert "Встреча «Демо для ООО «Ромашка»» в 08:30, Офис клиента" in mail.body
    [chat] = service.channels[Channel.MESSENGER].sent
    assert chat.address == COLLEAGUE_CHAT
    assert chat.body == f"Hello Борис Орлов,\n\nMeeting “{TITLE}” at 06:30, {PLACE}"

    to_organizer = service.deliveries.one(key_of(ORGANIZER))
    to_colleague = service.deliveries.one(key_of(COLLEAGUE))
    for delivery in (to_organizer, to_colleague):
        assert (delivery.status, delivery.event_kind, delivery.urgent) == (
            DeliveryStatus.SENT,
            "meeting.reminder_due",
            True,
        )
        # Sent at 02:30 UTC, not deferred to anyone's 09:00.
        assert delivery.sent_at == REMIND
        assert delivery.source.dedupe_id == reminder_id()
        assert "deferred" not in [line.event for line in delivery.history]
    assert {m.key for m in service.deliveries.published_on("notification.sent")} == {
        to_organizer.id,
        to_colleague.id,
    }


async def test_a_redelivered_or_republished_reminder_sends_nothing_more() -> None:
    service = with_staff()
    first = decoded(reminder(), key=MEETING, event_id="e1")
    assert await service.triggers.plan(source_of(first)) == 2
    assert await service.dispatcher.dispatch_due() == 2

    assert await service.triggers.plan(source_of(first)) == 0
    # Deals' scheduler restarted and published the same reminder under a new event id.
    again = decoded(reminder(), key=MEETING, event_id="e9")
    assert await service.triggers.plan(source_of(again)) == 0
    assert await service.dispatcher.dispatch_due() == 0

    assert len(service.deliveries.all()) == 2
    assert len(service.channels[Channel.EMAIL].sent) == 1
    assert len(service.channels[Channel.MESSENGER].sent) == 1


async def test_a_colleague_added_before_a_republished_reminder_is_told_the_others_are_not() -> None:
    service = with_staff()
    service.directory.add(
        "mgr-vera", RecipientKind.MANAGER, name="Вера Ким", email="vera@voronka.example"
    )
    await service.triggers(decoded(reminder(), key=MEETING, event_id="e1"))
    await service.dispatcher.dispatch_due()

    wider = decoded(reminder([COLLEAGUE, "mgr-vera"]), key=MEETING, event_id="e2")
    assert await service.triggers.plan(source_of(wider)) == 1
    assert await service.dispatcher.dispatch_due() == 1

    assert [m.address for m in service.channels[Channel.EMAIL].sent] == [
        ORGANIZER_EMAIL,
        "vera@voronka.example",
    ]
    assert len(service.channels[Channel.MESSENGER].sent) == 1


async def test_a_moved_meeting_is_reminded_again_under_its_new_reminder() -> None:
    service = with_staff()
    await service.triggers(decoded(reminder(), key=MEETING, event_id="e1"))
    await service.dispatcher.dispatch_due()

    # Moved to 05:00 UTC (10:00 in Yekaterinburg, 08:00 in Moscow); reminded at 04:00 UTC.
    moved = STARTS + timedelta(minutes=90)
    service.clock.set(moved - timedelta(hours=1))
    later = decoded(reminder(starts_at=moved), key=MEETING, event_id="e2")
    assert await service.triggers.plan(source_of(later)) == 2
    assert await service.dispatcher.dispatch_due() == 2

    assert [m.subject for m in service.channels[Channel.EMAIL].sent] == [
        f"Встреча «{TITLE}» в 08:30",
        f"Встреча «{TITLE}» в 10:00",
    ]
    assert service.channels[Channel.MESSENGER].sent[-1].body.endswith(f"at 08:00, {PLACE}")
    assert service.deliveries.one(key_of(ORGANIZER, moved)).status is DeliveryStatus.SENT
    assert len(service.deliveries.all()) == 4


async def test_an_organizer_also_listed_among_the_staff_gets_one_reminder() -> None:
    service = with_staff()
    both = decoded(reminder([ORGANIZER, COLLEAGUE, ORGANIZER]), key=MEETING, event_id="e1")

    assert await service.triggers.plan(source_of(both)) == 2
    assert await service.dispatcher.dispatch_due() == 2

    assert len(service.channels[Channel.EMAIL].sent) == 1
    assert len(service.channels[Channel.MESSENGER].sent) == 1


async def test_a_meeting_without_colleagues_reminds_the_organizer_and_records_nobody_else() -> None:
    service = with_staff()
    online = reminder([], place=None, link="https://meet.example.com/x")
    alone = decoded(online, key=MEETING, event_id="e1")

    assert await service.triggers.plan(source_of(alone)) == 1
    assert await service.dispatcher.dispatch_due() == 1

    assert [d.recipient_id for d in service.deliveries.all()] == [ORGANIZER]
    [mail] = service.channels[Channel.EMAIL].sent
    assert "Встреча «Демо для ООО «Ромашка»» в 08:30, https://meet.example.com/x" in mail.body


async def test_urgency_skips_quiet_hours_but_not_consent_or_the_directory() -> None:
    service = with_staff()
    service.directory.add(
        COLLEAGUE,
        RecipientKind.MANAGER,
        messenger_chat_id=COLLEAGUE_CHAT,
        opted_out=[Channel.MESSENGER],
    )
    gone = decoded(reminder([COLLEAGUE, "mgr-left"]), key=MEETING, event_id="e1")

    assert await service.triggers.plan(source_of(gone)) == 3
    assert await service.dispatcher.dispatch_due() == 1

    outcomes = [service.deliveries.one(key_of(p)) for p in (ORGANIZER, COLLEAGUE, "mgr-left")]
    assert [(d.status, d.reason) for d in outcomes] == [
        (DeliveryStatus.SENT, None),
        (DeliveryStatus.SUPPRESSED, "opted_out"),
        (DeliveryStatus.SUPPRESSED, "unknown_recipient"),
    ]
    assert service.channels[Channel.MESSENGER].sent == []


async def test_an_integrator_subscribed_to_meeting_reminders_gets_the_event_once() -> None:
    service = with_staff()
    service.webhooks.subscriptions["crm"] = WebhookSubscription(
        "crm",
        url="https://crm.example/hooks",
        secret="s3cret-s3cret-s3cret",
        event_types=("meeting.reminder_due",),
    )
    event = decoded(reminder(), key=MEETING, event_id="e1")

    assert await service.triggers.plan(source_of(event)) == 3
    assert await service.triggers.plan(source_of(event)) == 0
    assert await service.dispatcher.dispatch_due() == 3

    [hook] = service.channels[Channel.WEBHOOK].sent
    assert hook.event_type == "meeting.reminder_due"


async def test_the_logs_of_a_meeting_reminder_hold_no_title_place_name_or_address() -> None:
    service = with_staff()
    with capture_logs() as lines:
        await service.triggers(decoded(reminder(), key=MEETING, event_id="e1"))
        assert await service.dispatcher.dispatch_due() == 2

    assert lines, "nothing was logged"
    text = repr(lines)
    for personal in (TITLE, PLACE, "Анна", "Борис", ORGANIZER_EMAIL, COLLEAGUE_CHAT):
        assert personal not in text
