"""Shipments under a contract tracked to completion, and claims (претензии) with their causes."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import date
from enum import StrEnum
from types import MappingProxyType


class InvalidTransition(ValueError):
    """A status change the state machine does not allow."""


class ShipmentStatus(StrEnum):
    """planned → shipped → delivered; shipped or delivered goods may come back (returned)."""

    PLANNED = "planned"
    SHIPPED = "shipped"
    DELIVERED = "delivered"
    RETURNED = "returned"


SHIPMENT_TRANSITIONS: Mapping[ShipmentStatus, frozenset[ShipmentStatus]] = MappingProxyType(
    {
        ShipmentStatus.PLANNED: frozenset({ShipmentStatus.SHIPPED}),
        ShipmentStatus.SHIPPED: frozenset({ShipmentStatus.DELIVERED, ShipmentStatus.RETURNED}),
        ShipmentStatus.DELIVERED: frozenset({ShipmentStatus.RETURNED}),
        ShipmentStatus.RETURNED: frozenset(),
    }
)


@dataclass(frozen=True, slots=True)
class Shipment:
    """A delivery of goods under a deal; each status after planned records its date."""

    id: str
    deal_id: str
    planned_on: date
    status: ShipmentStatus = ShipmentStatus.PLANNED
    shipped_on: date | None = None
    delivered_on: date | None = None
    returned_on: date | None = None

    def __post_init__(self) -> None:
        shipped = self.status is not ShipmentStatus.PLANNED
        delivered = self.status is ShipmentStatus.DELIVERED or (
            self.status is ShipmentStatus.RETURNED and self.delivered_on is not None
        )
        returned = self.status is ShipmentStatus.RETURNED
        for name, value, expected in (
            ("shipped_on", self.shipped_on, shipped),
            ("delivered_on", self.delivered_on, delivered),
            ("returned_on", self.returned_on, returned),
        ):
            if (value is not None) != expected:
                verb = "needs" if expected else "must not have"
                raise ValueError(f"shipment {self.id}: status {self.status} {verb} {name}")
        dates = [d for d in (self.shipped_on, self.delivered_on, self.returned_on) if d is not None]
        if dates != sorted(dates):
            raise ValueError(f"shipment {self.id}: dates must not go backwards")

    def _check(self, to: ShipmentStatus) -> None:
        if to not in SHIPMENT_TRANSITIONS[self.status]:
            raise InvalidTransition(f"shipment {self.id}: cannot go from {self.status} to {to}")

    def ship(self, on: date) -> Shipment:
        """Goods left the warehouse (possibly earlier or later than planned)."""
        self._check(ShipmentStatus.SHIPPED)
        return replace(self, status=ShipmentStatus.SHIPPED, shipped_on=on)

    def deliver(self, on: date) -> Shipment:
        """The client received the goods."""
        self._check(ShipmentStatus.DELIVERED)
        return replace(self, status=ShipmentStatus.DELIVERED, delivered_on=on)

    def mark_returned(self, on: date) -> Shipment:
        """Goods came back (refused in transit or returned after delivery)."""
        self._check(ShipmentStatus.RETURNED)
        return replace(self, status=ShipmentStatus.RETURNED, returned_on=on)

    @property
    def is_complete(self) -> bool:
        """Whether the shipment reached the client and stayed there."""
        return self.status is ShipmentStatus.DELIVERED

    def is_late(self, today: date) -> bool:
        """Whether it has not shipped by its planned date (planned date already past)."""
        return self.status is ShipmentStatus.PLANNED and today > self.planned_on


class ClaimCategory(StrEnum):
    """What a claim is about; the categories are what cause analysis groups by."""

    QUALITY = "quality"
    QUANTITY = "quantity"
    DELIVERY_DELAY = "delivery_delay"
    DAMAGE = "damage"
    DOCUMENTS = "documents"
    OTHER = "other"


class ClaimStatus(StrEnum):
    """open → investigating → resolved | rejected."""

    OPEN = "open"
    INVESTIGATING = "investigating"
    RESOLVED = "resolved"
    REJECTED = "rejected"


CLOSED_CLAIM_STATUSES: frozenset[ClaimStatus] = frozenset(
    {ClaimStatus.RESOLVED, ClaimStatus.REJECTED}
)


@dataclass(frozen=True, slots=True)
class Claim:
    """A client's claim or complaint; closing it needs a resolution text.

    Every claim passes through investigating before it is closed, even a plainly wrong
    one: the point of recording claims is to analyse their causes, so none skips that.
    """

    id: str
    category: ClaimCategory
    description: str
    opened_on: date
    shipment_id: str | None = None
    status: ClaimStatus = ClaimStatus.OPEN
    resolution: str | None = None
    closed_on: date | None = None

    def __post_init__(self) -> None:
        closed = self.status in CLOSED_CLAIM_STATUSES
        if closed and not (self.resolution or "").strip():
            raise ValueError(f"claim {self.id}: a {self.status} claim needs a resolution")
        if closed != (self.closed_on is not None):
            raise ValueError(f"claim {self.id}: closed_on is set exactly when the claim is closed")
        if self.closed_on is not None and self.closed_on < self.opened_on:
            raise ValueError(f"claim {self.id}: closed before it was opened")

    @property
    def is_closed(self) -> bool:
        """Whether the claim is resolved or rejected."""
        return self.status in CLOSED_CLAIM_STATUSES

    def investigate(self) -> Claim:
        """Start looking into the claim."""
        if self.status is not ClaimStatus.OPEN:
            raise InvalidTransition(f"claim {self.id}: only an open claim can be investigated")
        return replace(self, status=ClaimStatus.INVESTIGATING)

    def resolve(self, resolution: str, on: date) -> Claim:
        """Close in the client's favour (replacement, refund, re-delivery …)."""
        return self._close(ClaimStatus.RESOLVED, resolution, on)

    def reject(self, resolution: str, on: date) -> Claim:
        """Close as unfounded, saying why."""
        return self._close(ClaimStatus.REJECTED, resolution, on)

    def _close(self, to: ClaimStatus, resolution: str, on: date) -> Claim:
        if self.status is not ClaimStatus.INVESTIGATING:
            raise InvalidTransition(
                f"claim {self.id}: cannot go from {self.status} to {to}; investigate first"
            )
        return replace(self, status=to, resolution=resolution.strip(), closed_on=on)


def claims_by_category(claims: Iterable[Claim]) -> Mapping[ClaimCategory, int]:
    """How many claims of each category, most frequent first (ties in category order)."""
    counts = Counter(claim.category for claim in claims)
    order = list(ClaimCategory)
    ranked = sorted(counts.items(), key=lambda item: (-item[1], order.index(item[0])))
    return MappingProxyType(dict(ranked))
