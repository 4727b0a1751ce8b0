"""Shipments and claims on a deal; each change is recorded on the deal and published."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date

from deals.domain.deal import Deal, UnknownPart
from deals.domain.shipments import ClaimCategory, ClaimStatus, ShipmentStatus
from deals.service_layer.deal_ports import DealRepository
from deals.service_layer.errors import NotFound
from shared.platform.clock import Clock


@contextmanager
def missing_parts() -> Iterator[None]:
    """A shipment or claim the deal does not have, as the service's 404."""
    try:
        yield
    except UnknownPart as exc:
        raise NotFound(exc.what) from None


class Fulfilment:
    """Plan and move shipments; open and settle claims."""

    def __init__(
        self, deals: DealRepository, *, clock: Clock, wake: Callable[[], None] = lambda: None
    ) -> None:
        self._deals = deals
        self._clock = clock
        self._wake = wake

    async def plan_shipment(
        self, deal_id: str, *, planned_on: date, shipment_id: str | None
    ) -> Deal:
        """Add a planned shipment (a repeated id is a no-op)."""
        shipment_id = shipment_id or f"shp-{uuid.uuid4().hex[:12]}"
        now = self._clock.now()
        return await self._change(
            deal_id, lambda deal: deal.plan_shipment(shipment_id, planned_on=planned_on, now=now)
        )

    async def move_shipment(
        self, deal_id: str, shipment_id: str, *, status: ShipmentStatus, on: date
    ) -> Deal:
        """Ship, deliver or return a shipment, in that order."""
        now = self._clock.now()
        return await self._change(
            deal_id, lambda deal: deal.move_shipment(shipment_id, status, on=on, now=now)
        )

    async def open_claim(
        self,
        deal_id: str,
        *,
        category: ClaimCategory,
        description: str,
        shipment_id: str | None,
    ) -> Deal:
        """Record a claim (претензия, рекламация) against a deal."""
        claim_id = f"clm-{uuid.uuid4().hex[:12]}"
        now = self._clock.now()
        return await self._change(
            deal_id,
            lambda deal: deal.open_claim(
                claim_id,
                category=category,
                description=description,
                shipment_id=shipment_id,
                now=now,
            ),
        )

    async def move_claim(
        self, deal_id: str, claim_id: str, *, status: ClaimStatus, resolution: str | None
    ) -> Deal:
        """Investigate, resolve or reject a claim."""
        now = self._clock.now()
        return await self._change(
            deal_id,
            lambda deal: deal.move_claim(claim_id, status, resolution=resolution, now=now),
        )

    async def _change(self, deal_id: str, change: Callable[[Deal], object]) -> Deal:
        with missing_parts():
            changed = await self._deals.update(deal_id, change)
        if changed is None:
            raise NotFound("deal")
        self._wake()
        return changed[0]
