"""A client's last published segment: the aggregate behind `client.segment_changed`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from reporting.domain.segments import Segment
from shared.contracts.events.client_segment_changed import ClientSegmentChangedV1
from shared.kernel.aggregate import Aggregate


@dataclass(eq=False)
class ClientSegmentState(Aggregate[ClientSegmentChangedV1]):
    """The segment a client was last announced in; each move to another one is announced once."""

    client_id: str
    segment: Segment | None = None
    changed_at: datetime | None = None

    @property
    def aggregate_id(self) -> str:
        """The client's id, which also keys the published events."""
        return self.client_id

    def move_to(self, segment: Segment, *, last_purchase_on: date | None, now: datetime) -> bool:
        """Enter `segment` and record the change; False (nothing recorded) if already in it."""
        if segment == self.segment:
            return False
        self.record(
            ClientSegmentChangedV1(
                client_id=self.client_id,
                from_segment=self.segment.value if self.segment else None,
                to_segment=segment.value,
                last_purchase_on=last_purchase_on,
                changed_at=now,
            )
        )
        self.segment = segment
        self.changed_at = now
        return True
