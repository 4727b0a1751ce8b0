"""The e-mail as it leaves for the SMTP server: headers survive folding word for word."""

import email
from datetime import UTC, datetime
from email.message import EmailMessage
from email.policy import default

import pytest
from aiosmtplib.email import flatten_message

from notifications.adapters.email_channel import SmtpConfig, SmtpEmailSender
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


def as_received(subject: str) -> tuple[EmailMessage, list[str]]:
    """The message parsed back from the bytes aiosmtplib submits, and its header lines."""
    sender = SmtpEmailSender(CONFIG, clock=ManualClock(datetime(2026, 3, 2, 9, 0, tzinfo=UTC)))
    mail = sender.build(
        OutgoingMessage(
            delivery_id="d-1",
            channel=Channel.EMAIL,
            address="olga@voronka.example",
            subject=subject,
            body="<p>Текст</p>",
            html=True,
        )
    )
    raw = flatten_message(mail)
    parsed = email.message_from_bytes(raw, policy=default)
    assert isinstance(parsed, EmailMessage)
    return parsed, raw.split(b"\r\n\r\n", 1)[0].decode("ascii").split("\r\n")


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
