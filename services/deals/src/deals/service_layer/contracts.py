"""Contracts on deals: type, payment form, terms, dates, and their renewal reminders."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from deals.adapters.store import DealsStore, Doc
from deals.domain.contracts import Contract, ContractType, PaymentForm, plan_renewal_reminders
from deals.service_layer.errors import Invalid, NotFound
from deals.service_layer.invoicing import PENDING, next_due
from shared.platform.clock import Clock
from shared.platform.revisions import modify


def contract_id_for(deal_id: str) -> str:
    """A deal has one contract; re-signing updates it."""
    return f"contract-{deal_id.removeprefix('deal-')}"


class Contracts:
    """Attach or update a deal's contract; the deal keeps a copy of what its gates check."""

    def __init__(
        self, store: DealsStore, *, clock: Clock, days_before: list[int], default_time_zone: str
    ) -> None:
        self._store = store
        self._clock = clock
        self._days = days_before
        self._tz = default_time_zone

    async def attach(self, deal_id: str, fields: dict[str, Any]) -> Doc:
        """Store the contract with its renewal schedule, then mirror it onto the deal.

        The contract is written first: a crash in between leaves a contract the deal does
        not show yet, and repeating the call completes it.
        """
        deal = await self._store.deals.find_one({"_id": deal_id})
        if deal is None:
            raise NotFound("deal")
        contract_id = contract_id_for(deal_id)
        signed = _date(fields.get("signed_on"))
        renewal = _date(fields.get("renewal_on"))
        try:
            contract = Contract(
                id=contract_id,
                number=fields["number"],
                type=ContractType(fields["type"]),
                payment_form=PaymentForm(fields["payment_form"]),
                terms=fields.get("terms") or "",
                signed_on=signed,
                renewal_on=renewal,
            )
        except ValueError as exc:
            raise Invalid((f"contract: {exc}",)) from None
        client = await self._store.clients.find_one({"_id": deal.get("client_id")}) or {}
        now = self._clock.now()
        planned = plan_renewal_reminders(
            contract,
            time_zone=client.get("time_zone") or self._tz,
            days_before=self._days,
            not_before=now,
        )
        reminders = {
            f"d{r.days_before}": {
                "id": f"{contract_id}:{r.renewal_on.isoformat()}:{r.days_before}",
                "days_before": r.days_before,
                "fire_at": r.fire_at,
                "status": PENDING,
            }
            for r in planned
        }
        snapshot = {
            "id": contract_id,
            "number": contract.number,
            "type": contract.type.value,
            "payment_form": contract.payment_form.value,
            "terms": contract.terms,
            "signed_on": signed.isoformat() if signed else None,
            "renewal_on": renewal.isoformat() if renewal else None,
        }

        async def keep_sent(doc: Doc) -> Mapping[str, Any] | None:
            # Re-attaching with the same renewal date must not resend a reminder already sent.
            kept = {
                key: (
                    doc["reminders"][key]
                    if doc["reminders"].get(key, {}).get("id") == r["id"]
                    else r
                )
                for key, r in reminders.items()
            }
            update: dict[str, Any] = {"$set": {**snapshot, "reminders": kept, "updated_at": now}}
            due = next_due(kept)
            if due is None:
                update["$unset"] = {"next_reminder_at": ""}
            else:
                update["$set"]["next_reminder_at"] = due
            return update

        existing = await modify(self._store.contracts, {"_id": contract_id}, keep_sent)
        if existing is None:
            doc = {
                "_id": contract_id,
                **snapshot,
                "deal_id": deal_id,
                "client_id": deal.get("client_id"),
                "manager_id": deal["manager_id"],
                "reminders": reminders,
                "created_at": now,
                "updated_at": now,
            }
            due = next_due(reminders)
            if due is not None:
                doc["next_reminder_at"] = due
            if not await self._store.insert(self._store.contracts, doc):
                await modify(self._store.contracts, {"_id": contract_id}, keep_sent)

        async def mirror(doc: Doc) -> Mapping[str, Any] | None:
            return {
                "$set": {
                    "contract": snapshot,
                    "payment_form": contract.payment_form.value,
                    "updated_at": now,
                }
            }

        await modify(self._store.deals, {"_id": deal_id}, mirror)
        return await self.get(contract_id)

    async def get(self, contract_id: str) -> Doc:
        """One contract."""
        doc: Doc | None = await self._store.contracts.find_one({"_id": contract_id})
        if doc is None:
            raise NotFound("contract")
        return doc


def _date(value: Any) -> date | None:
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value))
