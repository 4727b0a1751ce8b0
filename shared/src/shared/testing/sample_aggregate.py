"""A small aggregate and its mapper, the subject of the repository's and the fake's own tests."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from shared.contracts.events.client_segment_changed import ClientSegmentChangedV1
from shared.kernel.aggregate import Aggregate

SAMPLE_SOURCE = "urn:voronka:test"


@dataclass(eq=False)
class SampleAccount(Aggregate[ClientSegmentChangedV1]):
    """A client's segment, tags and optional note; each move to another segment is recorded."""

    client_id: str
    segment: str
    tags: list[str] = field(default_factory=list)
    note: str | None = None

    @property
    def aggregate_id(self) -> str:
        """The client's id, which also keys the recorded events."""
        return self.client_id

    def move_to(self, segment: str, at: datetime) -> bool:
        """Enter `segment` and record the move; False (nothing recorded) if already in it."""
        if segment == self.segment:
            return False
        self.record(
            ClientSegmentChangedV1(
                client_id=self.client_id,
                from_segment=self.segment,
                to_segment=segment,
                changed_at=at,
            )
        )
        self.segment = segment
        return True

    def tag(self, label: str) -> None:
        """Add a tag to the list in place."""
        self.tags.append(label)


class SampleAccountMapper:
    """`{_id, segment, tags, note}`, the note omitted when absent (so removing it is `$unset`).

    It hands out the aggregate's own tag list, as a careless mapper might: a repository must
    still see a tag added in place after load.
    """

    def to_document(self, aggregate: SampleAccount) -> dict[str, Any]:
        """The stored fields of an account."""
        document: dict[str, Any] = {
            "_id": aggregate.client_id,
            "segment": aggregate.segment,
            "tags": aggregate.tags,
        }
        if aggregate.note is not None:
            document["note"] = aggregate.note
        return document

    def from_document(self, document: Mapping[str, Any]) -> SampleAccount:
        """The account a stored document describes."""
        return SampleAccount(
            client_id=document["_id"],
            segment=document["segment"],
            tags=list(document.get("tags") or []),
            note=document.get("note"),
        )
