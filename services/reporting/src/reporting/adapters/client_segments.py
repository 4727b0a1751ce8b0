"""Client segments in MongoDB (`client_segments`): one document per client, with its outbox."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pymongo.asynchronous.collection import AsyncCollection

from reporting.domain.client_segment import ClientSegmentState
from reporting.domain.segments import Segment
from shared.platform.clock import Clock
from shared.platform.repository import MongoRepository, message_on_own_topic

SOURCE = "urn:voronka:reporting"
COLLECTION = "client_segments"


class ClientSegmentMapper:
    """`{_id: client id, segment, changed_at}`; a client seen without a segment has None."""

    def to_document(self, aggregate: ClientSegmentState) -> dict[str, Any]:
        """The stored fields of a client's segment."""
        return {
            "_id": aggregate.client_id,
            "segment": aggregate.segment.value if aggregate.segment else None,
            "changed_at": aggregate.changed_at,
        }

    def from_document(self, document: Mapping[str, Any]) -> ClientSegmentState:
        """The client's segment as stored."""
        segment = document.get("segment")
        return ClientSegmentState(
            client_id=document["_id"],
            segment=Segment(segment) if segment else None,
            changed_at=document.get("changed_at"),
        )


PAGE = 1000


class ClientSegmentRepository(MongoRepository[ClientSegmentState]):
    """Client segments; each saved move goes out through the document's outbox."""

    def __init__(self, collection: AsyncCollection[Any], *, clock: Clock) -> None:
        super().__init__(
            collection, ClientSegmentMapper(), clock=clock, message_of=message_on_own_topic(SOURCE)
        )

    async def all_clients(self) -> list[ClientSegmentState]:
        """Every stored client, read in pages along `_id`."""
        found: list[ClientSegmentState] = []
        while True:
            after = {"_id": {"$gt": found[-1].client_id}} if found else {}
            page = await self.find(after, sort=[("_id", 1)], limit=PAGE)
            found.extend(page)
            if len(page) < PAGE:
                return found
