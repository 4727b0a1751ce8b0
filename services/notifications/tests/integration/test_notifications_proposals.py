"""Commercial proposals end to end: the client gets one e-mail with the PDF attached, however
often the event comes; the manager hears of the acceptance once."""

from __future__ import annotations

import base64
import hashlib
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from notifications_testkit import (
    CLIENT,
    CLIENT_EMAIL,
    MANAGER,
    MANAGER_EMAIL,
    Publisher,
    ServiceFactory,
    delivery_id,
    dispatcher_idle,
    outbox_drained,
    put_people,
    wait_for_status,
)

from notifications.domain.model import Channel
from notifications.service_layer.sources import proposal_source_id
from notifications.settings import NotificationsSettings
from shared.contracts.events.money import Money
from shared.contracts.events.proposals import Attachment, ProposalAcceptedV1, ProposalSentV1
from shared.contracts.topics import Topic
from shared.platform.clock import ManualClock
from shared.testing.kafka import committed, wait_until
from shared.testing.servers import Mailbox

pytestmark = pytest.mark.integration

PROPOSAL, NUMBER = "proposal-9c1e", "КП-2026-0007"
FILENAME = "КП-2026-0007-v2.pdf"
# About 50 KB, every byte value many times over: the size of a proposal of a few pages.
PDF = b"%PDF-1.7\n" + bytes(range(256)) * 200 + b"\n%%EOF\n"
ACCEPT = f"https://crm.example.com/p/{PROPOSAL}/accept?v=2&sig=1f2e"
DECLINE = f"https://crm.example.com/p/{PROPOSAL}/decline?v=2&sig=3d4c"
TOTAL = Money(amount=Decimal("285000.00"), currency="RUB")


def proposal_sent(clock: ManualClock) -> ProposalSentV1:
    return ProposalSentV1(
        proposal_id=PROPOSAL,
        number=NUMBER,
        version=2,
        deal_id="deal-7f3a",
        client_id=CLIENT,
        manager_id=MANAGER,
        total=TOTAL,
        valid_until="2026-03-16",
        accept_url=ACCEPT,
        decline_url=DECLINE,
        document=Attachment(
            filename=FILENAME,
            media_type="application/pdf",
            content_base64=base64.b64encode(PDF).decode("ascii"),
        ),
        sent_at=clock.now(),
    )


async def test_a_proposal_mails_the_client_its_pdf_once_and_its_acceptance_the_manager_once(
    notifications_service: ServiceFactory,
    notifications_settings: NotificationsSettings,
    publisher: Publisher,
    mailbox: Mailbox,
    clock: ManualClock,
) -> None:
    assert clock.now() == datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # 12:00 in Moscow
    event = proposal_sent(clock)
    async with notifications_service() as (service, http):
        await put_people(http)
        payload, headers = publisher.encode(event, key=PROPOSAL)
        await publisher.send_raw(Topic.PROPOSAL_SENT, PROPOSAL, payload, headers)

        source_id = proposal_source_id("proposal.sent", PROPOSAL, 2)
        to_client = delivery_id(source_id, CLIENT, Channel.EMAIL)
        sent = await wait_for_status(service, to_client, "sent", attempts=1)
        assert sent["event_kind"] == "proposal.sent"

        [mail] = mailbox.to(CLIENT_EMAIL)
        assert mail["Subject"] == f"Коммерческое предложение {NUMBER}"
        assert mail["Message-ID"] == f"<{to_client}@voronka.local>"
        assert mail.get_content_type() == "multipart/mixed"
        html = mail.get_body(("html",))
        assert html is not None
        body = html.get_content()
        assert f'<a href="{ACCEPT.replace("&", "&amp;")}">Принять предложение</a>' in body
        assert f'<a href="{DECLINE.replace("&", "&amp;")}">Отказаться</a>' in body
        assert "на сумму 285\u00a0000,00\u00a0₽" in body
        assert "до 16 марта 2026 включительно" in body
        plain = mail.get_body(("plain",))
        assert plain is not None
        assert f"Принять предложение: {ACCEPT}" in plain.get_content()
        [document] = mail.iter_attachments()
        assert document.get_content_type() == "application/pdf"
        assert document.get_filename() == FILENAME
        assert document.get_content() == base64.b64decode(event.document.content_base64) == PDF

        # The delivery keeps a reference; the bytes are stored once, by their SHA-256.
        assert "content_base64" not in sent["source"]["payload"]
        digest = hashlib.sha256(PDF).hexdigest()
        stored = await service.connections.db["attachments"].find_one({"_id": digest})
        assert stored is not None and bytes(stored["content"]) == PDF

        # Redelivered as it was, then sent again by deals under a new event id.
        await publisher.send_raw(Topic.PROPOSAL_SENT, PROPOSAL, payload, headers)
        await publisher.publish(event, key=PROPOSAL)

        async def all_three_consumed() -> bool:
            group = notifications_settings.consumer_group
            return await committed(notifications_settings.kafka, group, Topic.PROPOSAL_SENT) == 3

        await wait_until(all_three_consumed, timeout=30)
        await dispatcher_idle(clock)
        assert len(mailbox.to(CLIENT_EMAIL)) == 1
        assert await service.deliveries.collection.count_documents({}) == 1
        assert await service.connections.db["attachments"].count_documents({}) == 1

        # The client clicks "accept": the manager is told, once.
        answer = ProposalAcceptedV1(
            proposal_id=PROPOSAL,
            version=2,
            deal_id="deal-7f3a",
            client_id=CLIENT,
            manager_id=MANAGER,
            total=TOTAL,
            via="link",
            decided_at=clock.now(),
        )
        answer_payload, answer_headers = publisher.encode(answer, key=PROPOSAL)
        await publisher.send_raw(Topic.PROPOSAL_ACCEPTED, PROPOSAL, answer_payload, answer_headers)
        await publisher.send_raw(Topic.PROPOSAL_ACCEPTED, PROPOSAL, answer_payload, answer_headers)
        to_manager = delivery_id(
            proposal_source_id("proposal.accepted", PROPOSAL, 2), MANAGER, Channel.EMAIL
        )
        told = await wait_for_status(service, to_manager, "sent", attempts=1)
        assert told["event_kind"] == "proposal.accepted"

        async def both_answers_consumed() -> bool:
            group = notifications_settings.consumer_group
            topic = Topic.PROPOSAL_ACCEPTED
            return await committed(notifications_settings.kafka, group, topic) == 2

        await wait_until(both_answers_consumed, timeout=30)
        await dispatcher_idle(clock)
        await outbox_drained(service)

        [note] = mailbox.to(MANAGER_EMAIL)
        assert note["Subject"] == f"Клиент принял КП {PROPOSAL} v2"
        note_html = note.get_body(("html",))
        assert note_html is not None
        assert f"Клиент принял КП {PROPOSAL} v2 на 285\u00a0000,00\u00a0₽." in (
            note_html.get_content()
        )
        assert list(note.iter_attachments()) == []
        assert len(mailbox.to(CLIENT_EMAIL)) == 1
        assert await service.deliveries.collection.count_documents({}) == 2
