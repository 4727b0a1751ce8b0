"""Shipments and claims on a deal; each change is recorded and published."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from datetime import date
from typing import Any

from deals.adapters.store import DealsStore, Doc
from deals.domain.shipments import (
    Claim,
    ClaimCategory,
    ClaimStatus,
    InvalidTransition,
    Shipment,
    ShipmentStatus,
)
from deals.service_layer.errors import NotFound, Refused
from deals.service_layer.events import deal_event
from shared.contracts.events.fulfilment import (
    ClaimStatus as WireClaimStatus,
)
from shared.contracts.events.fulfilment import (
    ClaimStatusChangedV1,
    ShipmentStatusChangedV1,
)
from shared.contracts.events.fulfilment import (
    ShipmentStatus as WireShipmentStatus,
)
from shared.platform.clock import Clock
from shared.platform.outbox import with_outbox
from shared.platform.revisions import modify


def _shipment_of(raw: Mapping[str, Any]) -> Shipment:
    return Shipment(
        id=raw["id"],
        deal_id=raw["deal_id"],
        planned_on=date.fromisoformat(raw["planned_on"]),
        status=ShipmentStatus(raw["status"]),
        shipped_on=_day(raw.get("shipped_on")),
        delivered_on=_day(raw.get("delivered_on")),
        returned_on=_day(raw.get("returned_on")),
    )


def _shipment_doc(shipment: Shipment) -> dict[str, Any]:
    return {
        "id": shipment.id,
        "deal_id": shipment.deal_id,
        "planned_on": shipment.planned_on.isoformat(),
        "status": shipment.status.value,
        "shipped_on": _iso(shipment.shipped_on),
        "delivered_on": _iso(shipment.delivered_on),
        "returned_on": _iso(shipment.returned_on),
    }


def _claim_of(raw: Mapping[str, Any]) -> Claim:
    return Claim(
        id=raw["id"],
        category=ClaimCategory(raw["category"]),
        description=raw["description"],
        opened_on=date.fromisoformat(raw["opened_on"]),
        shipment_id=raw.get("shipment_id"),
        status=ClaimStatus(raw["status"]),
        resolution=raw.get("resolution"),
        closed_on=_day(raw.get("closed_on")),
    )


def _claim_doc(claim: Claim) -> dict[str, Any]:
    return {
        "id": claim.id,
        "category": claim.category.value,
        "description": claim.description,
        "opened_on": claim.opened_on.isoformat(),
        "shipment_id": claim.shipment_id,
        "status": claim.status.value,
        "resolution": claim.resolution,
        "closed_on": _iso(claim.closed_on),
    }


def _day(value: Any) -> date | None:
    return date.fromisoformat(value) if value else None


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value else None


class Fulfilment:
    """Plan and move shipments; open and settle claims."""

    def __init__(self, store: DealsStore, *, clock: Clock, wake: Callable[[], None]) -> None:
        self._store = store
        self._clock = clock
        self._wake = wake

    async def plan_shipment(
        self, deal_id: str, *, planned_on: date, shipment_id: str | None
    ) -> Doc:
        """Add a planned shipment (a repeated id is a no-op)."""
        shipment_id = shipment_id or f"shp-{uuid.uuid4().hex[:12]}"
        try:
            shipment = Shipment(id=shipment_id, deal_id=deal_id, planned_on=planned_on)
        except ValueError as exc:
            raise Refused(str(exc)) from None
        return await self._shipment_write(
            deal_id, shipment_id, lambda current: current or shipment, planned_on
        )

    async def move_shipment(self, deal_id: str, shipment_id: str, *, status: str, on: date) -> Doc:
        """Ship, deliver or return a shipment, in that order."""

        def step(current: Shipment | None) -> Shipment:
            if current is None:
                raise NotFound("shipment")
            moves = {
                ShipmentStatus.SHIPPED: current.ship,
                ShipmentStatus.DELIVERED: current.deliver,
                ShipmentStatus.RETURNED: current.mark_returned,
            }
            target = ShipmentStatus(status)
            if target not in moves:
                raise Refused("a shipment moves to shipped, delivered or returned")
            return moves[target](on)

        return await self._shipment_write(deal_id, shipment_id, step, on)

    async def _shipment_write(
        self,
        deal_id: str,
        shipment_id: str,
        step: Callable[[Shipment | None], Shipment],
        on: date,
    ) -> Doc:
        now = self._clock.now()

        async def decide(doc: Doc) -> Mapping[str, Any] | None:
            raw = (doc.get("shipments") or {}).get(shipment_id)
            current = _shipment_of(raw) if raw else None
            try:
                changed = step(current)
            except InvalidTransition as exc:
                raise Refused(str(exc)) from None
            if changed == current:
                return None
            event = ShipmentStatusChangedV1(
                shipment_id=shipment_id,
                deal_id=deal_id,
                client_id=doc.get("client_id"),
                manager_id=doc["manager_id"],
                status=WireShipmentStatus(changed.status.value),
                on=on,
                changed_at=now,
            )
            update = {
                "$set": {f"shipments.{shipment_id}": _shipment_doc(changed), "updated_at": now},
                "$push": {
                    "history": {
                        "at": now,
                        "type": "shipment",
                        "id": shipment_id,
                        "status": changed.status.value,
                    }
                },
            }
            return with_outbox(update, [deal_event(event, key=deal_id, at=now)])

        doc = await modify(self._store.deals, {"_id": deal_id}, decide)
        if doc is None:
            raise NotFound("deal")
        self._wake()
        return doc

    async def open_claim(
        self, deal_id: str, *, category: str, description: str, shipment_id: str | None
    ) -> Doc:
        """Record a claim (претензия, рекламация) against a deal."""
        now = self._clock.now()
        claim = Claim(
            id=f"clm-{uuid.uuid4().hex[:12]}",
            category=ClaimCategory(category),
            description=description,
            opened_on=now.date(),
            shipment_id=shipment_id,
        )
        return await self._claim_write(deal_id, claim.id, lambda _: claim)

    async def move_claim(
        self, deal_id: str, claim_id: str, *, status: str, resolution: str | None
    ) -> Doc:
        """Investigate, resolve or reject a claim."""
        today = self._clock.now().date()

        def step(current: Claim | None) -> Claim:
            if current is None:
                raise NotFound("claim")
            target = ClaimStatus(status)
            if target is ClaimStatus.INVESTIGATING:
                return current.investigate()
            if target in (ClaimStatus.RESOLVED, ClaimStatus.REJECTED):
                if not resolution:
                    raise Refused("a closed claim needs a resolution", problems=("resolution",))
                close = current.resolve if target is ClaimStatus.RESOLVED else current.reject
                return close(resolution, today)
            raise Refused("a claim moves to investigating, resolved or rejected")

        return await self._claim_write(deal_id, claim_id, step)

    async def _claim_write(
        self, deal_id: str, claim_id: str, step: Callable[[Claim | None], Claim]
    ) -> Doc:
        now = self._clock.now()

        async def decide(doc: Doc) -> Mapping[str, Any] | None:
            raw = (doc.get("claims") or {}).get(claim_id)
            current = _claim_of(raw) if raw else None
            try:
                changed = step(current)
            except InvalidTransition as exc:
                raise Refused(str(exc)) from None
            event = ClaimStatusChangedV1(
                claim_id=claim_id,
                deal_id=deal_id,
                client_id=doc.get("client_id"),
                manager_id=doc["manager_id"],
                category=changed.category.value,
                status=WireClaimStatus(changed.status.value),
                resolution=changed.resolution,
                changed_at=now,
            )
            update = {
                "$set": {f"claims.{claim_id}": _claim_doc(changed), "updated_at": now},
                "$push": {
                    "history": {
                        "at": now,
                        "type": "claim",
                        "id": claim_id,
                        "status": changed.status.value,
                    }
                },
            }
            return with_outbox(update, [deal_event(event, key=deal_id, at=now)])

        doc = await modify(self._store.deals, {"_id": deal_id}, decide)
        if doc is None:
            raise NotFound("deal")
        self._wake()
        return doc
