"""E-mail over SMTP with aiosmtplib; the Message-ID is derived from the delivery id."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from email.header import Header
from email.message import EmailMessage
from email.utils import format_datetime

import aiosmtplib

from notifications.domain.messages import DeliveryError, OutgoingMessage, ProviderReceipt
from shared.platform.clock import Clock

_BREAK = re.compile(r"<br\s*/?>", re.IGNORECASE)
_PARAGRAPH_END = re.compile(r"</p\s*>", re.IGNORECASE)
_TAG = re.compile(r"<[^>]+>")


def plain_text(body: str) -> str:
    """A text/plain rendering of the simple HTML our templates produce, for old mail clients."""
    text = _PARAGRAPH_END.sub("\n\n", _BREAK.sub("\n", body))
    return html.unescape(_TAG.sub("", text)).strip()


@dataclass(frozen=True)
class SmtpConfig:
    """Where and how to submit mail."""

    host: str
    port: int
    security: str
    sender: str
    message_id_domain: str
    timeout: float
    username: str | None = None
    password: str | None = None


class SmtpEmailSender:
    """Submits one e-mail per call; errors name the SMTP code, never an address."""

    def __init__(self, config: SmtpConfig, *, clock: Clock) -> None:
        self._config = config
        self._clock = clock

    def build(self, message: OutgoingMessage) -> EmailMessage:
        """The MIME message: a stable Message-ID lets mail systems drop a resent duplicate."""
        mail = EmailMessage()
        mail["From"] = self._config.sender
        mail["To"] = message.address
        if message.subject.isascii():
            mail["Subject"] = message.subject
        else:
            # Python's own folder (before CPython gh-144156) puts the space between two
            # encoded words outside both when a fold falls there, and readers drop it:
            # "коммерческому предложению" arrived as one word. `Header` keeps every space
            # inside its encoded words; the folded value is stored as it is.
            subject = Header(message.subject, "utf-8", header_name="Subject")
            mail.set_raw("Subject", subject.encode())
        mail["Date"] = format_datetime(self._clock.now())
        mail["Message-ID"] = f"<{message.delivery_id}@{self._config.message_id_domain}>"
        if message.html:
            mail.set_content(plain_text(message.body))
            mail.add_alternative(message.body, subtype="html")
        else:
            mail.set_content(message.body)
        return mail

    async def send(self, message: OutgoingMessage) -> ProviderReceipt:
        """Submit to the SMTP server; 4xx and connection problems are worth retrying."""
        mail = self.build(message)
        config = self._config
        try:
            await aiosmtplib.send(
                mail,
                hostname=config.host,
                port=config.port,
                username=config.username,
                password=config.password,
                use_tls=config.security == "tls",
                start_tls=config.security == "starttls",
                timeout=config.timeout,
            )
        except aiosmtplib.SMTPRecipientsRefused as exc:
            codes = sorted({refusal.code for refusal in exc.recipients})
            raise DeliveryError(
                f"smtp refused the recipient ({codes[0] if codes else 'no code'})",
                retryable=all(400 <= code < 500 for code in codes),
            ) from None
        except aiosmtplib.SMTPResponseException as exc:
            # The server's text may quote the address: only the code is kept.
            raise DeliveryError(
                f"smtp answered {exc.code}", retryable=400 <= exc.code < 500
            ) from None
        except (aiosmtplib.SMTPException, OSError, TimeoutError) as exc:
            raise DeliveryError(
                f"smtp unreachable ({type(exc).__name__})", retryable=True
            ) from None
        # aiosmtplib raises on any other answer, and the only success reply to DATA is 250;
        # the server's text is not kept (some servers echo the addresses).
        return ProviderReceipt(status="250", provider_id=mail["Message-ID"])
