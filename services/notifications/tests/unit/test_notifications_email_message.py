"""The e-mail as it leaves for the SMTP server: headers survive folding word for word, and a
document goes as an attachment with its own name, Cyrillic included."""

import email
from datetime import UTC, datetime
from email.message import EmailMessage
from email.policy import default

import pytest
from aiosmtplib.email import flatten_message

from notifications.adapters.email_channel import (
    SmtpConfig,
    SmtpEmailSender,
    attachment_filename,
    mime_type,
    plain_text,
)
from notifications.domain.attachments import Attachment
from notifications.domain.messages import OutgoingMessage
from notifications.domain.model import Channel
from shared.platform.clock import ManualClock

pytestmark = pytest.mark.unit

CONFIG = SmtpConfig(
    host="127.0.0.1",
    port=25,
    security="none",
    sender="noreply@voronka.example",
    message_id_domain="voronka.local",
    timeout=5.0,
)


PDF = b"%PDF-1.7\n" + bytes(range(256)) + b"\n%%EOF\n"
LINKS = (
    '<p><a href="https://crm.example.com/p/proposal-9c1e/accept?v=2&amp;sig=1f">'
    "Принять предложение</a></p>"
    '<p><a href="https://crm.example.com/p/proposal-9c1e/decline?v=2&amp;sig=2e">'
    "Отказаться</a></p>"
)


def submitted(subject: str = "Тема", body: str = "<p>Текст</p>", *attachments: Attachment) -> bytes:
    """The bytes aiosmtplib submits for one message."""
    sender = SmtpEmailSender(CONFIG, clock=ManualClock(datetime(2026, 3, 2, 9, 0, tzinfo=UTC)))
    mail = sender.build(
        OutgoingMessage(
            delivery_id="d-1",
            channel=Channel.EMAIL,
            address="olga@voronka.example",
            subject=subject,
            body=body,
            html=True,
            attachments=attachments,
        )
    )
    return flatten_message(mail)


def parsed(raw: bytes) -> EmailMessage:
    message = email.message_from_bytes(raw, policy=default)
    assert isinstance(message, EmailMessage)
    return message


def as_received(subject: str) -> tuple[EmailMessage, list[str]]:
    """The message parsed back from the bytes aiosmtplib submits, and its header lines."""
    raw = submitted(subject)
    return parsed(raw), raw.split(b"\r\n\r\n", 1)[0].decode("ascii").split("\r\n")


@pytest.mark.parametrize(
    "subject",
    [
        # Folded between two encoded words right at the space: it used to vanish.
        "Задача просрочена: Перезвонить по коммерческому предложению (Анна Иванова)",
        "Счёт № 2026-0042 (ООО «Ромашка»): оплата просрочена",
        "Очень " * 30 + "длинная тема",
        "Task overdue: call back about the offer sent on Monday, a title long enough to fold",
        "New lead: lead-1",
    ],
)
def test_a_long_subject_arrives_with_every_space(subject: str) -> None:
    parsed, head = as_received(subject)
    assert parsed["Subject"] == subject
    assert max(len(line) for line in head) <= 78
    assert parsed["Message-ID"] == "<d-1@voronka.local>"
    headers = [name for name, _ in parsed.items()]
    assert headers[:5] == ["From", "To", "Subject", "Date", "Message-ID"]


def test_a_message_without_documents_is_text_and_its_html_alternative_only() -> None:
    mail = parsed(submitted())
    assert mail.get_content_type() == "multipart/alternative"
    assert list(mail.iter_attachments()) == []


def test_a_document_follows_the_text_with_its_cyrillic_name_encoded_by_rfc_2231() -> None:
    raw = submitted(
        "Коммерческое предложение КП-2026-0007",
        LINKS,
        Attachment("КП-2026-0007-v2.pdf", "application/pdf", PDF),
    )

    # К is U+041A (UTF-8 D0 9A), П is U+041F (D0 9F); the rest of the name is ASCII.
    assert b"filename*=utf-8''%D0%9A%D0%9F-2026-0007-v2.pdf" in raw
    mail = parsed(raw)
    assert mail.get_content_type() == "multipart/mixed"
    text, document = mail.iter_parts()
    assert text.get_content_type() == "multipart/alternative"
    assert document.get_content_type() == "application/pdf"
    assert document.get_content_disposition() == "attachment"
    assert document["Content-Transfer-Encoding"] == "base64"
    assert document.get_filename() == "КП-2026-0007-v2.pdf"
    assert document.get_content() == PDF
    # The text part keeps where each link leads (the HTML escapes & as &amp;).
    plain = mail.get_body(("plain",))
    assert plain is not None
    assert plain.get_content().strip().split("\n\n") == [
        "Принять предложение: https://crm.example.com/p/proposal-9c1e/accept?v=2&sig=1f",
        "Отказаться: https://crm.example.com/p/proposal-9c1e/decline?v=2&sig=2e",
    ]


def test_a_link_whose_text_is_its_address_is_written_once() -> None:
    link = '<p>See <a href="https://voronka.example/x">https://voronka.example/x</a></p>'
    assert plain_text(link) == "See https://voronka.example/x"


@pytest.mark.parametrize(
    ("media_type", "expected"),
    [
        ("application/pdf", ("application", "pdf")),
        (" Application/PDF ", ("application", "pdf")),
        ("text/csv", ("text", "csv")),
        (
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            ("application", "vnd.openxmlformats-officedocument.wordprocessingml.document"),
        ),
        ("application/pdf; name=x.pdf", ("application", "octet-stream")),
        ("pdf", ("application", "octet-stream")),
        ("application/", ("application", "octet-stream")),
        ("multipart/mixed", ("application", "octet-stream")),
        ("message/rfc822", ("application", "octet-stream")),
        ("application/pdf\r\nBcc: x@example.com", ("application", "octet-stream")),
    ],
)
def test_the_media_type_is_split_and_anything_but_one_plain_type_is_octet_stream(
    media_type: str, expected: tuple[str, str]
) -> None:
    assert mime_type(media_type) == expected


@pytest.mark.parametrize(
    ("filename", "expected"),
    [
        ("КП-2026-0007-v2.pdf", "КП-2026-0007-v2.pdf"),
        ("../../etc/КП.pdf", "КП.pdf"),
        ("C:\\Users\\anna\\КП.pdf", "КП.pdf"),
        ("КП\r\nBcc: x@example.com.pdf", "КПBcc: x@example.com.pdf"),
        ("  ..  ", "document"),
        ("", "document"),
        ("Я" * 300 + ".pdf", "Я" * 146 + ".pdf"),
    ],
)
def test_the_file_name_loses_folders_and_control_characters_and_keeps_its_extension(
    filename: str, expected: str
) -> None:
    assert attachment_filename(filename) == expected


def test_a_document_of_another_type_goes_as_that_type_under_its_name() -> None:
    sheet = Attachment("прайс.csv", "text/csv", "Товар;Цена\r\nНасос;1000\r\n".encode())
    [document] = parsed(submitted("Тема", "<p>Текст</p>", sheet)).iter_attachments()
    assert (document.get_content_type(), document.get_filename()) == ("text/csv", "прайс.csv")
    assert document.get_payload(decode=True) == sheet.content
