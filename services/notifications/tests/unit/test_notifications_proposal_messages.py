"""Commercial proposals: the client's e-mail with the PDF attached, once per version, and the
manager told of the answer.

Figures worked out by hand. The proposal's total is 285 000.00 RUB: Russian writes it
`285 000,00 ₽` (non-breaking spaces), English `RUB 285,000.00` (a non-breaking space after the
code). It holds until 16 March 2026: `16 марта 2026`, `16 March 2026`. The service starts on
Monday 2 March 2026 at 07:00 UTC, 10:00 in Moscow; 19:00 UTC is 22:00 there, inside the quiet
hours, which end at 09:00 Moscow time, 06:00 UTC on Tuesday.
"""

from __future__ import annotations

import base64
import hashlib
import json
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from notifications_fakes import Notifications, decoded, notifications
from structlog.testing import capture_logs

from notifications.domain.attachments import Attachment, AttachmentError
from notifications.domain.messages import DeliveryError
from notifications.domain.model import (
    PERSON,
    Channel,
    DeliveryStatus,
    Locale,
    RecipientKind,
    address_recipient_id,
    idempotency_key,
)
from notifications.domain.retry import RetryPolicy
from notifications.domain.rules import RuleConfig
from notifications.domain.webhooks import WebhookSubscription
from notifications.service_layer.sources import proposal_source_id
from shared.contracts.events.money import Money
from shared.contracts.events.payment_due import PaymentDueV1, ReminderKind, payment_reminder_id
from shared.contracts.events.proposals import (
    Attachment as WireAttachment,
)
from shared.contracts.events.proposals import (
    ProposalAcceptedV1,
    ProposalDeclinedV1,
    ProposalSentV1,
)

pytestmark = pytest.mark.unit

START = datetime(2026, 3, 2, 7, 0, tzinfo=UTC)  # a Monday, 10:00 in Moscow
PROPOSAL, NUMBER, DEAL = "proposal-9c1e", "КП-2026-0007", "deal-7f3a"
CLIENT, MANAGER = "client-1", "mgr-ivanova"
CLIENT_EMAIL, NAMED_EMAIL = "buyer@romashka.example", "director@romashka.example"
MANAGER_EMAIL, MANAGER_CHAT = "anna@voronka.example", "100200300"
FILENAME = "КП-2026-0007-v2.pdf"
PDF = b"%PDF-1.7\n" + bytes(range(256)) + b"\n%%EOF\n"
ACCEPT = f"https://crm.example.com/p/{PROPOSAL}/accept?v=2&sig=1f2e"
DECLINE = f"https://crm.example.com/p/{PROPOSAL}/decline?v=2&sig=3d4c"
RU_TOTAL = "285\u00a0000,00\u00a0₽"
EN_TOTAL = "RUB\u00a0285,000.00"
TOTAL = Money(amount=Decimal("285000.00"), currency="RUB")


def sent(
    version: int = 2,
    *,
    recipient_email: str | None = None,
    client_id: str | None = CLIENT,
    content: bytes = PDF,
    content_base64: str | None = None,
) -> ProposalSentV1:
    return ProposalSentV1(
        proposal_id=PROPOSAL,
        number=NUMBER,
        version=version,
        deal_id=DEAL,
        client_id=client_id,
        manager_id=MANAGER,
        recipient_email=recipient_email,
        total=TOTAL,
        valid_until="2026-03-16",
        accept_url=ACCEPT,
        decline_url=DECLINE,
        document=WireAttachment(
            filename=FILENAME,
            media_type="application/pdf",
            content_base64=content_base64 or base64.b64encode(content).decode("ascii"),
        ),
        sent_at=START,
    )


def accepted(version: int = 2) -> ProposalAcceptedV1:
    return ProposalAcceptedV1(
        proposal_id=PROPOSAL,
        version=version,
        deal_id=DEAL,
        client_id=CLIENT,
        manager_id=MANAGER,
        total=TOTAL,
        via="link",
        decided_at=START,
    )


def declined(reason: str | None) -> ProposalDeclinedV1:
    return ProposalDeclinedV1(
        proposal_id=PROPOSAL,
        version=2,
        deal_id=DEAL,
        client_id=CLIENT,
        manager_id=MANAGER,
        via="link",
        reason=reason,
        decided_at=START,
    )


def to_client(version: int = 2, recipient_id: str = CLIENT) -> str:
    return idempotency_key(
        proposal_source_id("proposal.sent", PROPOSAL, version), recipient_id, PERSON
    )


def with_people(start: datetime = START, **options: Any) -> Notifications:
    service = notifications(start, **options)
    service.directory.add(CLIENT, RecipientKind.CLIENT, name="ООО «Ромашка»", email=CLIENT_EMAIL)
    service.directory.add(MANAGER, RecipientKind.MANAGER, name="Анна Иванова", email=MANAGER_EMAIL)
    return service


async def deliver(service: Notifications, event: Any, event_id: str = "e1") -> None:
    await service.triggers(decoded(event, key=PROPOSAL, event_id=event_id, at=START))


# --- the client's e-mail -----------------------------------------------------------------


async def test_a_proposal_mails_the_client_its_pdf_with_the_total_the_date_and_both_links() -> None:
    service = with_people()

    await deliver(service, sent())
    assert await service.dispatcher.dispatch_due() == 1

    [mail] = service.channels[Channel.EMAIL].sent
    assert (mail.address, mail.subject, mail.html) == (
        CLIENT_EMAIL,
        "Коммерческое предложение КП-2026-0007",
        True,
    )
    assert mail.attachments == (Attachment(FILENAME, "application/pdf", PDF),)
    assert mail.body.splitlines() == [
        "<p>Здравствуйте, ООО «Ромашка»!</p>",
        "<p>Направляем коммерческое предложение № КП-2026-0007 (редакция 2) на сумму "
        f"{RU_TOTAL}. Документ — во вложении. Предложение действительно до 16 марта 2026 "
        "включительно.</p>",
        # The links as HTML has them: & escaped in the attribute.
        f'<p><a href="{ACCEPT.replace("&", "&amp;")}">Принять предложение</a></p>',
        f'<p><a href="{DECLINE.replace("&", "&amp;")}">Отказаться</a></p>',
        "<p>Если появятся вопросы, ваш менеджер Анна Иванова с удовольствием ответит.</p>",
        "<p>С уважением,<br>Voronka</p>",
    ]
    delivery = service.deliveries.one(to_client())
    assert (delivery.status, delivery.event_kind, delivery.urgent, delivery.channel) == (
        DeliveryStatus.SENT,
        "proposal.sent",
        False,
        Channel.EMAIL,
    )
    assert delivery.source.dedupe_id == f"proposal.sent:{PROPOSAL}:v2"
    assert [m.key for m in service.deliveries.published_on("notification.sent")] == [delivery.id]


async def test_the_delivery_keeps_a_reference_to_the_document_stored_once_apart() -> None:
    service = with_people()

    await deliver(service, sent())

    stored = service.deliveries.one(to_client()).source.data()
    digest = hashlib.sha256(PDF).hexdigest()
    assert stored["document"] == {
        "filename": FILENAME,
        "media_type": "application/pdf",
        "sha256": digest,
        "size": 9 + 256 + 7,  # "%PDF-1.7\n", every byte value, "\n%%EOF\n"
    }
    assert "content_base64" not in service.deliveries.one(to_client()).source.payload
    assert service.attachments.files == {digest: PDF}


async def test_the_address_the_manager_named_wins_and_the_text_is_in_the_clients_language() -> None:
    service = with_people()
    service.directory.add(
        CLIENT, RecipientKind.CLIENT, name="Romashka Ltd", email=CLIENT_EMAIL, locale=Locale.EN
    )

    await deliver(service, sent(recipient_email=f"  {NAMED_EMAIL} "))
    assert await service.dispatcher.dispatch_due() == 1

    [mail] = service.channels[Channel.EMAIL].sent
    assert (mail.address, mail.subject) == (NAMED_EMAIL, "Commercial proposal КП-2026-0007")
    assert mail.body.splitlines()[:2] == [
        "<p>Hello Romashka Ltd,</p>",
        "<p>Please find attached our commercial proposal No. КП-2026-0007 (revision 2) for "
        f"{EN_TOTAL}. It is valid until 16 March 2026 inclusive.</p>",
    ]
    assert ">Accept the proposal</a>" in mail.body and ">Decline</a>" in mail.body
    assert service.deliveries.one(to_client()).recipient_id == CLIENT


async def test_the_first_version_says_no_revision_and_escapes_what_the_event_says() -> None:
    service = with_people()
    service.directory.add(
        CLIENT, RecipientKind.CLIENT, name="<b>Ромашка</b> & Co", email=CLIENT_EMAIL
    )
    event = sent(1).model_copy(update={"number": 'КП-1 <script>alert("x")</script>'})

    await deliver(service, event)
    await service.dispatcher.dispatch_due()

    [mail] = service.channels[Channel.EMAIL].sent
    assert mail.body.splitlines()[:2] == [
        "<p>Здравствуйте, &lt;b&gt;Ромашка&lt;/b&gt; &amp; Co!</p>",
        "<p>Направляем коммерческое предложение № КП-1 &lt;script&gt;alert(&#34;x&#34;)"
        f"&lt;/script&gt; на сумму {RU_TOTAL}. Документ — во вложении. Предложение "
        "действительно до 16 марта 2026 включительно.</p>",
    ]
    # The subject is a header, not HTML: the text as it is, on one line.
    assert mail.subject == 'Коммерческое предложение КП-1 <script>alert("x")</script>'


async def test_a_redelivered_or_republished_version_sends_nothing_more_a_new_version_does() -> None:
    service = with_people()

    await deliver(service, sent(), "e1")
    await deliver(service, sent(), "e1")  # redelivered
    await deliver(service, sent(), "e2")  # deals sent the same version again
    assert await service.dispatcher.dispatch_due() == 1
    assert len(service.deliveries.all()) == 1

    second = PDF + b"v3"
    await deliver(service, sent(3, content=second), "e3")
    assert await service.dispatcher.dispatch_due() == 1

    first_mail, second_mail = service.channels[Channel.EMAIL].sent
    assert [a.content for a in first_mail.attachments] == [PDF]
    assert [a.content for a in second_mail.attachments] == [second]
    assert service.deliveries.one(to_client(3)).status is DeliveryStatus.SENT
    assert len(service.attachments.files) == 2


async def test_a_client_the_directory_does_not_list_is_mailed_at_the_named_address() -> None:
    service = notifications(START)

    await deliver(service, sent(recipient_email=NAMED_EMAIL))
    assert await service.dispatcher.dispatch_due() == 1

    [mail] = service.channels[Channel.EMAIL].sent
    assert mail.address == NAMED_EMAIL
    # No name on file: a greeting without one, in Russian, the directory's default.
    assert mail.body.startswith("<p>Здравствуйте!</p>")
    delivery = service.deliveries.one(to_client())
    assert (delivery.status, delivery.recipient_id, delivery.recipient_kind) == (
        DeliveryStatus.SENT,
        CLIENT,
        "client",
    )
    assert service.directory.locks == {}


async def test_without_a_client_the_named_address_is_the_person_under_a_digest_id() -> None:
    service = notifications(START)

    await deliver(service, sent(recipient_email=NAMED_EMAIL, client_id=None))
    assert await service.dispatcher.dispatch_due() == 1

    digest = hashlib.sha256(NAMED_EMAIL.encode()).hexdigest()[:32]
    assert address_recipient_id(NAMED_EMAIL.upper()) == f"email:{digest}"
    delivery = service.deliveries.one(to_client(recipient_id=f"email:{digest}"))
    assert delivery.status is DeliveryStatus.SENT
    assert NAMED_EMAIL not in delivery.recipient_id
    [mail] = service.channels[Channel.EMAIL].sent
    assert mail.address == NAMED_EMAIL


async def test_no_client_and_no_address_is_recorded_as_a_proposal_to_nobody() -> None:
    service = notifications(START)

    await deliver(service, sent(client_id=None))

    [delivery] = service.deliveries.all()
    assert (delivery.status, delivery.reason, delivery.recipient_id) == (
        DeliveryStatus.SUPPRESSED,
        "no_recipient",
        "nobody",
    )
    assert await service.dispatcher.dispatch_due() == 0


async def test_a_client_without_e_mail_gets_no_proposal_by_messenger_or_sms() -> None:
    service = notifications(START)
    service.directory.add(
        CLIENT, RecipientKind.CLIENT, messenger_chat_id="100200300", phone="+79123456789"
    )

    await deliver(service, sent())

    delivery = service.deliveries.one(to_client())
    assert (delivery.status, delivery.reason, delivery.channel) == (
        DeliveryStatus.SUPPRESSED,
        "no_reachable_channel",
        Channel.EMAIL,
    )
    assert await service.dispatcher.dispatch_due() == 0


@pytest.mark.parametrize(
    "address",
    [
        "buyer@romashka.example\r\nBcc: all@rival.example",
        "Buyer <buyer@romashka.example>",
        "a@b.example, c@d.example",
        "not-an-address",
        "x" * 250 + "@b.example",
    ],
)
async def test_a_named_address_that_is_no_single_address_is_suppressed_not_mailed(
    address: str,
) -> None:
    service = with_people()

    await deliver(service, sent(recipient_email=address))

    delivery = service.deliveries.one(to_client())
    assert (delivery.status, delivery.reason, delivery.address) == (
        DeliveryStatus.SUPPRESSED,
        "invalid_address",
        None,
    )
    assert await service.dispatcher.dispatch_due() == 0


# --- contact pressure ----------------------------------------------------------------------


async def test_a_client_who_opted_out_of_e_mail_gets_no_proposal_even_at_a_named_address() -> None:
    service = with_people()
    service.directory.add(
        CLIENT, RecipientKind.CLIENT, email=CLIENT_EMAIL, opted_out=[Channel.EMAIL]
    )

    await deliver(service, sent(recipient_email=NAMED_EMAIL))
    await service.dispatcher.dispatch_due()

    delivery = service.deliveries.one(to_client())
    assert (delivery.status, delivery.reason) == (DeliveryStatus.SUPPRESSED, "opted_out")
    assert service.channels[Channel.EMAIL].sent == []


async def test_a_proposal_sent_at_night_waits_for_nine_and_then_goes_with_its_pdf() -> None:
    service = with_people(datetime(2026, 3, 2, 19, 0, tzinfo=UTC))  # 22:00 in Moscow

    await deliver(service, sent())
    assert await service.dispatcher.dispatch_due() == 1

    morning = datetime(2026, 3, 3, 6, 0, tzinfo=UTC)  # 09:00 in Moscow
    held = service.deliveries.one(to_client())
    assert (held.status, held.reason, held.next_attempt_at) == (
        DeliveryStatus.DEFERRED,
        "quiet_hours",
        morning,
    )
    service.clock.set(morning)
    assert await service.dispatcher.dispatch_due() == 1
    [mail] = service.channels[Channel.EMAIL].sent
    assert [a.content for a in mail.attachments] == [PDF]
    assert service.deliveries.one(to_client()).sent_at == morning


def reminder(number: int) -> PaymentDueV1:
    """The on-issue reminder of installment `number` of inv-1 to the client."""
    installment = f"inv-1/{number}"
    return PaymentDueV1(
        reminder_id=payment_reminder_id(installment, ReminderKind.ON_ISSUE),
        invoice_id="inv-1",
        installment_id=installment,
        kind=ReminderKind.ON_ISSUE,
        due_date=date(2026, 3, 16),
        amount=TOTAL,
        client_id=CLIENT,
        deal_id=DEAL,
        manager_id=MANAGER,
    )


async def test_a_proposal_goes_out_past_the_daily_cap_and_counts_against_the_next() -> None:
    service = with_people(rules=RuleConfig(copy_manager_on_reminders=False))
    for number in (1, 2, 3):
        await service.triggers(decoded(reminder(number), key="inv-1", event_id=f"r{number}"))
    assert await service.dispatcher.dispatch_due() == 3

    service.clock.advance(timedelta(hours=1))
    await deliver(service, sent())
    await service.dispatcher.dispatch_due()

    # Three reminders reached the cap (3 a day); the proposal the manager sent still goes.
    delivery = service.deliveries.one(to_client())
    assert delivery.status is DeliveryStatus.SENT
    assert len(service.channels[Channel.EMAIL].sent) == 4
    # It counts: a fourth reminder the same day is suppressed by the cap.
    await service.triggers(decoded(reminder(4), key="inv-1", event_id="r4"))
    await service.dispatcher.dispatch_due()
    capped = [d for d in service.deliveries.all() if d.reason == "daily_cap"]
    assert len(capped) == 1 and capped[0].event_kind == "payment.due:on_issue"
    assert len(service.channels[Channel.EMAIL].sent) == 4


# --- retries and the document --------------------------------------------------------------


async def test_a_retry_after_a_failed_attempt_still_attaches_the_document() -> None:
    service = with_people(retry=RetryPolicy(max_attempts=3, base=timedelta(seconds=5)))
    email = service.channels[Channel.EMAIL]
    email.failures = [DeliveryError("smtp answered 451", retryable=True)]

    await deliver(service, sent())
    assert await service.dispatcher.dispatch_due() == 1
    assert service.deliveries.one(to_client()).status is DeliveryStatus.QUEUED
    assert email.sent == []

    service.clock.advance(5)
    assert await service.dispatcher.dispatch_due() == 1
    [mail] = email.sent
    assert mail.attachments == (Attachment(FILENAME, "application/pdf", PDF),)
    assert service.deliveries.one(to_client()).attempts == 2


async def test_a_document_gone_from_the_store_fails_the_delivery_and_dead_letters_no_file() -> None:
    service = with_people()
    await deliver(service, sent())
    service.attachments.files.clear()

    await service.dispatcher.dispatch_due()

    delivery = service.deliveries.one(to_client())
    assert (delivery.status, delivery.reason, delivery.last_error) == (
        DeliveryStatus.FAILED,
        "attachment_missing",
        "the document is not stored",
    )
    assert service.channels[Channel.EMAIL].sent == []
    [failed] = service.deliveries.published_on("notification.failed")
    assert json.loads(failed.value)["error"] == "the document is not stored"
    [dead] = service.deliveries.published_on("proposal.sent.dlq")
    assert json.loads(dead.value)["document"]["sha256"] == hashlib.sha256(PDF).hexdigest()
    assert base64.b64encode(PDF).decode() not in dead.value


async def test_stored_bytes_that_are_not_the_referenced_document_are_not_attached() -> None:
    service = with_people()
    await deliver(service, sent())
    service.attachments.files[hashlib.sha256(PDF).hexdigest()] = b"%PDF-1.7 something else"

    await service.dispatcher.dispatch_due()

    delivery = service.deliveries.one(to_client())
    assert (delivery.status, delivery.reason) == (DeliveryStatus.FAILED, "attachment_missing")
    assert service.channels[Channel.EMAIL].sent == []


async def test_a_document_that_is_not_base64_fails_the_event_before_anything_is_planned() -> None:
    service = with_people()

    with pytest.raises(AttachmentError, match="not valid base64"):
        await deliver(service, sent(content_base64="JVBERi0x LjcK!!"))

    assert service.deliveries.all() == []
    assert service.attachments.files == {}


# --- integrators and logs ------------------------------------------------------------------


async def test_an_integrator_gets_the_proposal_with_a_reference_to_its_file_not_the_file() -> None:
    service = with_people()
    service.webhooks.subscriptions["erp"] = WebhookSubscription(
        "erp",
        url="https://erp.example/hooks",
        secret="s3cret-s3cret-s3cret",
        event_types=("proposal.sent",),
    )

    await deliver(service, sent())
    assert await service.dispatcher.dispatch_due() == 2

    [hook] = service.channels[Channel.WEBHOOK].sent
    data = json.loads(hook.body)["data"]
    assert data["document"] == {
        "filename": FILENAME,
        "media_type": "application/pdf",
        "sha256": hashlib.sha256(PDF).hexdigest(),
        "size": len(PDF),
    }
    assert (data["number"], data["version"], data["accept_url"]) == (NUMBER, 2, ACCEPT)
    assert hook.attachments == ()
    assert base64.b64encode(PDF).decode() not in hook.body


async def test_the_logs_of_a_proposal_hold_no_address_name_link_or_document() -> None:
    service = with_people()
    with capture_logs() as lines:
        await deliver(service, sent(recipient_email=NAMED_EMAIL))
        await service.dispatcher.dispatch_due()
        await deliver(service, sent(recipient_email="bad\r\naddress"), "e2")

    assert lines, "nothing was logged"
    text = repr(lines)
    for personal in (
        CLIENT_EMAIL,
        NAMED_EMAIL,
        "Ромашка",
        "Анна",
        "sig=1f2e",
        FILENAME,
        base64.b64encode(PDF).decode(),
    ):
        assert personal not in text


# --- the answer, to the manager ------------------------------------------------------------


async def test_the_manager_hears_once_that_the_client_accepted_the_version() -> None:
    service = with_people()

    await deliver(service, accepted(), "a1")
    await deliver(service, accepted(), "a1")
    await deliver(service, accepted(), "a2")  # a second click, published again
    assert await service.dispatcher.dispatch_due() == 1

    [mail] = service.channels[Channel.EMAIL].sent
    assert (mail.address, mail.subject) == (MANAGER_EMAIL, f"Клиент принял КП {PROPOSAL} v2")
    assert mail.body.splitlines() == [
        "<p>Здравствуйте, Анна Иванова!</p>",
        f"<p>Клиент принял КП {PROPOSAL} v2 на {RU_TOTAL}.</p>",
        f"<p>Клиент: ООО «Ромашка». Сделка: {DEAL}.</p>",
        "<p>С уважением,<br>Voronka</p>",
    ]
    assert mail.attachments == ()
    [delivery] = service.deliveries.all()
    assert (delivery.recipient_id, delivery.event_kind, delivery.source.dedupe_id) == (
        MANAGER,
        "proposal.accepted",
        f"proposal.accepted:{PROPOSAL}:v2",
    )


async def test_a_refusal_reaches_the_manager_on_their_own_channel_with_the_reason() -> None:
    service = with_people()
    service.directory.add(
        MANAGER, RecipientKind.MANAGER, name="Анна Иванова", messenger_chat_id=MANAGER_CHAT
    )

    await deliver(service, declined("Дорого"))
    await service.dispatcher.dispatch_due()

    [chat] = service.channels[Channel.MESSENGER].sent
    assert chat.address == MANAGER_CHAT
    assert chat.body == (
        "Здравствуйте, Анна Иванова!\n\n"
        f"Клиент отказался от КП {PROPOSAL} v2: Дорого\n\n"
        f"Клиент: ООО «Ромашка». Сделка: {DEAL}."
    )


async def test_a_refusal_without_a_reason_says_so_in_the_managers_language() -> None:
    service = with_people()
    service.directory.add(MANAGER, RecipientKind.MANAGER, email=MANAGER_EMAIL, locale=Locale.EN)

    await deliver(service, declined(None))
    await service.dispatcher.dispatch_due()

    [mail] = service.channels[Channel.EMAIL].sent
    assert mail.subject == f"The client declined proposal {PROPOSAL} v2"
    assert f"<p>The client declined proposal {PROPOSAL} v2 without giving a reason</p>" in (
        mail.body
    )
