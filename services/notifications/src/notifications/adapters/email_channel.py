"""E-mail over SMTP with aiosmtplib; the Message-ID is derived from the delivery id."""

from __future__ import annotations

import html
import re
import unicodedata
from dataclasses import dataclass
from email.header import Header
from email.message import EmailMessage
from email.utils import format_datetime

import aiosmtplib

from notifications.domain.attachments import Attachment
from notifications.domain.messages import DeliveryError, OutgoingMessage, ProviderReceipt
from shared.platform.clock import Clock

_BREAK = re.compile(r"<br\s*/?>", re.IGNORECASE)
_PARAGRAPH_END = re.compile(r"</p\s*>", re.IGNORECASE)
_TAG = re.compile(r"<[^>]+>")
_LINK = re.compile(
    r"<a\s[^>]*?href\s*=\s*\"(?P<href>[^\"]*)\"[^>]*>(?P<text>.*?)</a\s*>",
    re.IGNORECASE | re.DOTALL,
)
# A MIME type token (RFC 2045): what `add_attachment` may put in Content-Type as it is.
_TOKEN = re.compile(r"[a-z0-9][a-z0-9!#$&^_.+-]{0,126}")
_FALLBACK_TYPE = ("application", "octet-stream")
_MAX_FILENAME = 150
_FALLBACK_NAME = "document"


def _link(match: re.Match[str]) -> str:
    # A link keeps its address in the text part: "Принять предложение: https://…".
    text, href = match["text"], match["href"]
    return href if _TAG.sub("", text).strip() in ("", href) else f"{text}: {href}"


def plain_text(body: str) -> str:
    """A text/plain rendering of the simple HTML our templates produce, for old mail clients."""
    text = _PARAGRAPH_END.sub("\n\n", _BREAK.sub("\n", _LINK.sub(_link, body)))
    return html.unescape(_TAG.sub("", text)).strip()


def mime_type(media_type: str) -> tuple[str, str]:
    """(maintype, subtype) of a media type as given; `application/octet-stream` for anything
    that is not one plain type (parameters, junk, or a multipart/message type, which raw
    bytes cannot be)."""
    maintype, slash, subtype = media_type.strip().lower().partition("/")
    if (
        not slash
        or not _TOKEN.fullmatch(maintype)
        or not _TOKEN.fullmatch(subtype)
        or maintype in ("multipart", "message")
    ):
        return _FALLBACK_TYPE
    return maintype, subtype


def attachment_filename(filename: str) -> str:
    """The file name an attachment is offered under: no folders, no control characters.

    Non-ASCII names (Cyrillic) are kept: the header is written in RFC 2231 form
    (`filename*=utf-8''…`). A long name is cut in its stem, so the extension stays.
    """
    name = filename.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C").strip(" .")
    if not name:
        return _FALLBACK_NAME
    if len(name) > _MAX_FILENAME:
        stem, dot, extension = name.rpartition(".")
        if dot and 0 < len(extension) <= 10 and stem:
            name = stem[: _MAX_FILENAME - len(extension) - 1].rstrip() + "." + extension
        else:
            name = name[:_MAX_FILENAME]
    return name


def _attach(mail: EmailMessage, attachment: Attachment) -> None:
    maintype, subtype = mime_type(attachment.media_type)
    mail.add_attachment(
        attachment.content,
        maintype=maintype,
        subtype=subtype,
        filename=attachment_filename(attachment.filename),
    )


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
        """The MIME message: a stable Message-ID lets mail systems drop a resent duplicate.

        Attachments follow the text with their media type and file name; a name outside
        ASCII is encoded by RFC 2231, as Python's e-mail policy writes parameters.
        """
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
        # With a document the message becomes multipart/mixed: the text (and its HTML
        # alternative) first, then each file, base64-encoded.
        for attachment in message.attachments:
            _attach(mail, attachment)
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
