"""Contracts in MongoDB: the document mapping and the renewal timer's query."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pymongo.asynchronous.collection import AsyncCollection

from deals.adapters.reminder_schedules import ScheduledRepository
from deals.domain.contract import DealContract, RenewalNotice, contract_terms
from deals.domain.reminder_schedule import ReminderStatus
from shared.platform.clock import Clock
from shared.platform.repository import Document, MessageOf

Record = dict[str, Any]


class ContractMapper:
    """A contract as stored: its terms side by side with the deal's ids and the reminder map."""

    def to_document(self, contract: DealContract) -> Document:
        """The contract's document."""
        document: Document = {
            "_id": contract.terms.id,
            **contract.summary(),
            "deal_id": contract.deal_id,
            "client_id": contract.client_id,
            "manager_id": contract.manager_id,
            "reminders": {key: _notice_field(n) for key, n in contract.reminders.items()},
            "created_at": contract.created_at,
            "updated_at": contract.updated_at,
        }
        if (due := contract.next_reminder_at) is not None:
            document["next_reminder_at"] = due
        return document

    def from_document(self, document: Mapping[str, Any]) -> DealContract:
        """The contract a stored document describes."""
        return DealContract(
            terms=contract_terms(document["_id"], document),
            deal_id=document["deal_id"],
            client_id=document.get("client_id"),
            manager_id=document["manager_id"],
            created_at=document["created_at"],
            updated_at=document["updated_at"],
            reminders={
                key: RenewalNotice(
                    id=n["id"],
                    days_before=n["days_before"],
                    fire_at=n["fire_at"],
                    status=ReminderStatus(n["status"]),
                    fired_at=n.get("fired_at"),
                )
                for key, n in document["reminders"].items()
            },
        )


def _notice_field(notice: RenewalNotice) -> dict[str, Any]:
    stored: dict[str, Any] = {
        "id": notice.id,
        "days_before": notice.days_before,
        "fire_at": notice.fire_at,
        "status": notice.status.value,
    }
    if notice.fired_at is not None:
        stored["fired_at"] = notice.fired_at
    return stored


class MongoContractRepository(ScheduledRepository[DealContract]):
    """Contracts by id and those with a renewal reminder due; records for the HTTP API."""

    def __init__(
        self, collection: AsyncCollection[Any], *, clock: Clock, message_of: MessageOf[DealContract]
    ) -> None:
        super().__init__(collection, ContractMapper(), clock=clock, message_of=message_of)

    async def record(self, contract_id: str) -> Record | None:
        """The stored contract as the API shows it."""
        found: Record | None = await self.collection.find_one({"_id": contract_id})
        return found
