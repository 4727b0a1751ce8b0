"""What travels to a provider and what comes back: the message, the receipt, the refusal."""

from __future__ import annotations

from dataclasses import dataclass, field

from notifications.domain.attachments import Attachment
from notifications.domain.model import Channel


@dataclass(frozen=True, slots=True)
class OutgoingMessage:
    """One message ready for a channel; address and texts stay out of `repr` (personal data).

    `attachments` are files the e-mail channel attaches (a proposal's PDF); other channels
    never get a message with attachments.
    """

    delivery_id: str
    channel: Channel
    address: str = field(repr=False)
    subject: str = field(default="", repr=False)
    body: str = field(default="", repr=False)
    html: bool = False
    event_type: str = ""
    secret: bytes | None = field(default=None, repr=False)
    attachments: tuple[Attachment, ...] = field(default=(), repr=False)


@dataclass(frozen=True, slots=True)
class ProviderReceipt:
    """What the provider answered on acceptance: a status code and its own message id if any."""

    status: str
    provider_id: str | None = None

    def as_record(self) -> dict[str, str | None]:
        """The receipt as the log shows it: `status` and the provider's `id`."""
        return {"status": self.status, "id": self.provider_id}


class DeliveryError(Exception):
    """A provider refused or could not be reached; `detail` never holds personal data."""

    def __init__(self, detail: str, *, retryable: bool) -> None:
        super().__init__(detail)
        self.detail = detail
        self.retryable = retryable
