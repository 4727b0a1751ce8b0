"""Files sent along with a message (a proposal's PDF), and the reference a delivery keeps.

An event brings its document base64-encoded (`proposal.sent`'s `document`). The service
keeps the bytes once, by their SHA-256, apart from the deliveries; the stored payload of a
delivery holds only the reference (file name, media type, digest, size). So a retry, a night
in quiet hours or a restart still finds the document, while the delivery log, the webhooks
and the dead letters never carry the file itself.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

DOCUMENT_FIELD = "document"
"""The payload field that carries a document, and once stored its reference."""
WITH_DOCUMENT = frozenset({"proposal.sent"})
"""Event types whose `document` is attached to the messages they call for."""

_DIGEST = re.compile(r"[0-9a-f]{64}")


class AttachmentError(ValueError):
    """A document that cannot be attached; the message never quotes its content or name."""


@dataclass(frozen=True, slots=True)
class AttachmentRef:
    """What a stored payload keeps of a document: how to name it and how to find its bytes."""

    filename: str = field(repr=False)
    media_type: str
    sha256: str
    size: int

    def as_record(self) -> dict[str, Any]:
        """The reference as the payload stores it (and webhooks receive it)."""
        return {
            "filename": self.filename,
            "media_type": self.media_type,
            "sha256": self.sha256,
            "size": self.size,
        }

    @classmethod
    def from_record(cls, value: object) -> AttachmentRef:
        """The reference a stored payload holds; `AttachmentError` when it is not one."""
        if not isinstance(value, Mapping):
            raise AttachmentError("the document reference is not an object")
        filename, media_type = value.get("filename"), value.get("media_type")
        digest, size = value.get("sha256"), value.get("size")
        if not isinstance(filename, str) or not isinstance(media_type, str):
            raise AttachmentError("the document reference lacks its file name or media type")
        if not isinstance(digest, str) or not _DIGEST.fullmatch(digest):
            raise AttachmentError("the document reference lacks its SHA-256")
        if isinstance(size, bool) or not isinstance(size, int) or size < 0:
            raise AttachmentError("the document reference lacks its size")
        return cls(filename, media_type, digest, size)

    def attach(self, content: bytes) -> Attachment:
        """The document with its bytes; `AttachmentError` when they are not the ones referred
        to (another size or digest)."""
        if len(content) != self.size or hashlib.sha256(content).hexdigest() != self.sha256:
            raise AttachmentError("the stored document does not match its reference")
        return Attachment(self.filename, self.media_type, content)


@dataclass(frozen=True, slots=True)
class Attachment:
    """A document as a provider attaches it; its name and bytes stay out of `repr`."""

    filename: str = field(repr=False)
    media_type: str
    content: bytes = field(repr=False)

    @classmethod
    def from_base64(cls, filename: str, media_type: str, content_base64: str) -> Attachment:
        """Decode an event's document; `AttachmentError` when it is not strict base64."""
        try:
            content = base64.b64decode(content_base64, validate=True)
        except (binascii.Error, ValueError):
            raise AttachmentError("the document is not valid base64") from None
        return cls(filename, media_type, content)

    @property
    def sha256(self) -> str:
        """Hex SHA-256 of the bytes: the document's key in the store."""
        return hashlib.sha256(self.content).hexdigest()

    def reference(self) -> AttachmentRef:
        """What a delivery keeps of this document."""
        return AttachmentRef(self.filename, self.media_type, self.sha256, len(self.content))


def attachment_ref(event_type: str, payload: Mapping[str, Any]) -> AttachmentRef | None:
    """The document a stored payload of `event_type` refers to; None for types without one."""
    if event_type not in WITH_DOCUMENT:
        return None
    return AttachmentRef.from_record(payload.get(DOCUMENT_FIELD))
