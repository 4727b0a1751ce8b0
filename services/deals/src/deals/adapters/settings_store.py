"""Discount schemes and managers' limits as the pricing of deals reads them."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from pymongo.asynchronous.collection import AsyncCollection

from deals.adapters.discount_settings import MongoDiscountSettings
from deals.domain.contracts import PaymentForm
from deals.domain.discounts import (
    ClientSegment,
    ClientType,
    DiscountRule,
    PaymentFormDiscount,
    Promotion,
    SegmentDiscount,
    VolumeTier,
)


def rule_of(raw: Mapping[str, Any]) -> DiscountRule:
    """A stored discount rule as its domain class (`kind` says which)."""
    kind = raw["kind"]
    percent = Decimal(str(raw["percent"]))
    if kind == "volume":
        return VolumeTier(raw["id"], Decimal(str(raw["min_quantity"])), percent, raw.get("product"))
    if kind == "segment":
        return SegmentDiscount(
            raw["id"],
            percent,
            ClientSegment(raw["segment"]) if raw.get("segment") else None,
            ClientType(raw["client_type"]) if raw.get("client_type") else None,
        )
    if kind == "payment_form":
        return PaymentFormDiscount(raw["id"], PaymentForm(raw["payment_form"]), percent)
    return Promotion(
        raw["id"],
        percent,
        date.fromisoformat(str(raw["valid_from"])),
        date.fromisoformat(str(raw["valid_to"])),
        raw.get("product"),
    )


class MongoDealSettings:
    """The discount schemes every deal is priced with and each manager's own limit."""

    def __init__(self, settings: AsyncCollection[Any], people: AsyncCollection[Any]) -> None:
        self._settings = settings
        self._people = people
        self._schemes = MongoDiscountSettings(settings)

    async def discount_rules(self) -> tuple[DiscountRule, ...]:
        """Every configured scheme, in the order given (ties go to the first listed)."""
        return tuple(rule_of(raw) for raw in await self._schemes.rules())

    async def manager_limit(self, manager_id: str) -> Decimal | None:
        """The manager's own limit in percent, from the directory of people; None when unset."""
        person = await self._people.find_one({"_id": manager_id}, {"max_discount_percent": 1})
        limit = (person or {}).get("max_discount_percent")
        return None if limit is None else Decimal(str(limit))


class MongoWatermarks:
    """Where each periodic scan got to, one settings document per scan."""

    def __init__(self, settings: AsyncCollection[Any]) -> None:
        self._settings = settings

    async def get(self, name: str) -> datetime | None:
        """The stored moment, if any."""
        found = await self._settings.find_one({"_id": f"watermark:{name}"})
        return None if found is None else found["at"]

    async def put(self, name: str, at: datetime) -> None:
        """Store the moment."""
        await self._settings.update_one(
            {"_id": f"watermark:{name}"}, {"$set": {"at": at}}, upsert=True
        )
