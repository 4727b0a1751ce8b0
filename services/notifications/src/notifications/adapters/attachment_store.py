"""MongoDB store of documents sent along with messages: one document per file, by SHA-256."""

from __future__ import annotations

import contextlib
from datetime import datetime
from typing import Any

from bson.binary import Binary
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from notifications.domain.attachments import Attachment


class MongoAttachmentStore:
    """`attachments`: a proposal's PDF, kept once however many deliveries refer to it.

    The `_id` is the content's SHA-256, so a redelivered or republished event stores nothing
    new, and the delivery's reference finds exactly the bytes it names. Only the bytes, their
    size and when they first came are kept: the file name belongs to the reference.
    """

    def __init__(self, db: AsyncDatabase[Any]) -> None:
        self.collection: AsyncCollection[Any] = db["attachments"]

    async def put(self, attachment: Attachment, *, at: datetime) -> None:
        """Keep the bytes under their SHA-256; the first time is kept."""
        with contextlib.suppress(DuplicateKeyError):  # the same bytes, stored just now
            await self.collection.update_one(
                {"_id": attachment.sha256},
                {
                    "$setOnInsert": {
                        "content": Binary(attachment.content),
                        "size": len(attachment.content),
                        "stored_at": at,
                    }
                },
                upsert=True,
            )

    async def get(self, sha256: str) -> bytes | None:
        """The bytes stored under `sha256`, or None."""
        doc = await self.collection.find_one({"_id": sha256}, {"content": 1})
        return None if doc is None else bytes(doc["content"])
