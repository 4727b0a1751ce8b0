"""What the work day reads: leads to call (fed by lead events), stuck deals, installments due."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime
from typing import Any

from pymongo.asynchronous.collection import AsyncCollection

from deals.adapters.money_fields import money_from_field
from deals.domain.work_day import InstallmentDue, LeadToCall, StuckDeal

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


class MongoLeadsToCall:
    """Assigned leads not yet contacted, per manager, as the leads service announced them.

    Events of one lead arrive in order per topic but not across topics: the newest
    assignment wins by its time, and `done` once set stays (a late assignment reopens nothing).
    """

    def __init__(self, collection: AsyncCollection[Any]) -> None:
        self.collection = collection

    async def assigned(
        self,
        lead_id: str,
        *,
        manager_id: str | None,
        priority: int | None,
        received_at: datetime,
        sla_deadline: datetime | None,
        at: datetime,
    ) -> None:
        """The lead has (or changed) its owner: the newest assignment wins, whatever the order.

        `priority` comes with the first assignment only (None on a reassignment).
        """
        facts: dict[str, Any] = {"$setOnInsert": {"at": EPOCH}}
        if priority is None:
            facts["$setOnInsert"].update(priority=0, received_at=received_at)
        else:
            facts["$set"] = {"priority": priority, "received_at": received_at}
        await self.collection.update_one({"_id": lead_id}, facts, upsert=True)
        await self.collection.update_one(
            {"_id": lead_id, "at": {"$lt": at}},
            {"$set": {"manager_id": manager_id, "sla_deadline": sla_deadline, "at": at}},
        )

    async def done(self, lead_id: str) -> None:
        """Contacted, converted or disqualified: nothing left to call about (for good)."""
        await self.collection.update_one(
            {"_id": lead_id},
            {"$set": {"done": True}, "$setOnInsert": {"at": EPOCH, "received_at": EPOCH}},
            upsert=True,
        )

    async def open_of(self, manager_id: str) -> list[LeadToCall]:
        """One manager's leads still to call."""
        cursor = self.collection.find({"manager_id": manager_id, "done": {"$ne": True}})
        return [_lead(doc) async for doc in cursor]


def _lead(doc: Mapping[str, Any]) -> LeadToCall:
    return LeadToCall(
        lead_id=str(doc["_id"]),
        priority=int(doc.get("priority") or 0),
        received_at=doc["received_at"],
        sla_deadline=doc.get("sla_deadline"),
    )


class MongoDayReader:
    """Reads deals and invoices for the work day; never writes them."""

    def __init__(self, deals: AsyncCollection[Any], invoices: AsyncCollection[Any]) -> None:
        self._deals = deals
        self._invoices = invoices

    async def waiting_of(self, manager_id: str, stages: list[str]) -> list[StuckDeal]:
        """One manager's open deals in these stages, with when they entered them."""
        query = {"manager_id": manager_id, "stage": {"$in": stages}}  # stuck stages are open ones
        cursor = self._deals.find(query, {"title": 1, "stage": 1, "stage_entered_at": 1})
        return [
            StuckDeal(str(d["_id"]), d.get("title") or "", d["stage"], d["stage_entered_at"])
            async for d in cursor
        ]

    async def installments_due(self, manager_id: str, by: date) -> list[InstallmentDue]:
        """Unpaid installments of one manager's open invoices, due on `by` or earlier."""
        cursor = self._invoices.find(
            {"manager_id": manager_id, "status": "open"},
            {"client_id": 1, "installments": 1},
        )
        due: list[InstallmentDue] = []
        async for invoice in cursor:
            for part in invoice["installments"]:
                on = date.fromisoformat(part["due_on"])
                if part.get("settled_at") is None and on <= by:
                    left = money_from_field(part["amount"]) - money_from_field(part["paid"])
                    due.append(
                        InstallmentDue(
                            invoice_id=str(invoice["_id"]),
                            number=int(part["number"]),
                            client_id=invoice.get("client_id"),
                            due_on=on,
                            amount=str(left.amount),
                            currency=left.currency,
                        )
                    )
        return due
