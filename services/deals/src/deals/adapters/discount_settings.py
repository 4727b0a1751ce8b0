"""The discount schemes and the discount deputy, stored as settings documents."""

from __future__ import annotations

from typing import Any

from pymongo.asynchronous.collection import AsyncCollection

from deals.domain.deputy import Deputy
from shared.platform.audit import replace_audited

DISCOUNT_RULES_ID = "discount_rules"
DEPUTY_ID = "discount_deputy"


class MongoDiscountSettings:
    """Writes and reads the settings the deal pricing applies."""

    def __init__(self, settings: AsyncCollection[Any]) -> None:
        self._settings = settings

    async def replace_rules(self, rules: list[dict[str, Any]]) -> None:
        """Replace every discount scheme at once."""
        await replace_audited(self._settings, DISCOUNT_RULES_ID, {"rules": rules})

    async def rules(self) -> list[dict[str, Any]]:
        """The discount schemes as stored."""
        found = await self._settings.find_one({"_id": DISCOUNT_RULES_ID})
        return list((found or {}).get("rules", []))

    async def name_deputy(self, deputy: Deputy) -> None:
        """Store whom the head of sales named to decide discounts in their place."""
        await replace_audited(
            self._settings,
            DEPUTY_ID,
            {"person_id": deputy.person_id, "until": deputy.until, "named_by": deputy.named_by},
        )

    async def deputy(self) -> Deputy | None:
        """The named deputy, if any."""
        found = await self._settings.find_one({"_id": DEPUTY_ID})
        if found is None:
            return None
        return Deputy(
            person_id=found["person_id"], until=found["until"], named_by=found["named_by"]
        )
