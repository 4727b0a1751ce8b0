"""The reminder timer: `payment.due` for installments and `contract.renewal_due` for contracts.

Each schedule lives in its own document (`reminders` map + `next_reminder_at`), so it survives
restarts. Firing is one revision-checked write that marks the reminders sent and appends
their events to the document's outbox: with any number of replicas, one write wins.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from pymongo.asynchronous.collection import AsyncCollection

from deals.adapters.store import DealsStore, Doc
from deals.service_layer.events import deal_event
from deals.service_layer.invoicing import PENDING, next_due
from deals.service_layer.money_docs import money_of, wire
from shared.contracts.events.invoicing import ContractRenewalDueV1
from shared.contracts.events.payment_due import PaymentDueV1, ReminderKind, payment_reminder_id
from shared.platform.clock import Clock
from shared.platform.logging import get_logger
from shared.platform.loops import run_every
from shared.platform.outbox import OutboxMessage, with_outbox
from shared.platform.revisions import modify

log = get_logger(__name__)

BATCH = 100


def _fire_invoice(doc: Doc, now: datetime) -> tuple[dict[str, Any], list[OutboxMessage]]:
    """Reminders due now: one per installment at most, for what is still unpaid.

    After an outage several reminders of one installment may be due at once; only the latest
    goes out and the older ones are marked skipped — a burst of stale reminders is exactly
    the nagging the documents warn against.
    """
    reminders = {key: dict(r) for key, r in doc["reminders"].items()}
    due_by_installment: dict[int, list[str]] = {}
    for key, r in reminders.items():
        if r["status"] == PENDING and r["fire_at"] <= now:
            due_by_installment.setdefault(r["number"], []).append(key)
    installments = {i["number"]: i for i in doc["installments"]}
    events: list[OutboxMessage] = []
    for number, keys in due_by_installment.items():
        keys.sort(key=lambda k: reminders[k]["fire_at"])
        *stale, latest = keys
        for key in stale:
            reminders[key].update(status="skipped", fired_at=now)
        installment = installments[number]
        outstanding = money_of(installment["amount"]) - money_of(installment["paid"])
        if outstanding.amount <= Decimal(0):
            reminders[latest].update(status="cancelled", fired_at=now)
            continue
        reminder = reminders[latest]
        reminder.update(status="sent", fired_at=now)
        kind = ReminderKind(reminder["kind"])
        event = PaymentDueV1(
            reminder_id=payment_reminder_id(installment["id"], kind),
            invoice_id=doc["_id"],
            installment_id=installment["id"],
            kind=kind,
            due_date=date.fromisoformat(installment["due_on"]),
            amount=wire(outstanding),
            client_id=doc["client_id"],
            deal_id=doc["deal_id"],
            manager_id=doc["manager_id"],
            client_time_zone=doc["client_time_zone"],
        )
        events.append(deal_event(event, key=doc["_id"], at=now))
    return _schedule_update(reminders, now), events


def _fire_contract(doc: Doc, now: datetime) -> tuple[dict[str, Any], list[OutboxMessage]]:
    """Renewal reminders due now (all of them: each names how many days are left)."""
    reminders = {key: dict(r) for key, r in doc["reminders"].items()}
    events: list[OutboxMessage] = []
    for r in sorted(reminders.values(), key=lambda r: r["fire_at"]):
        if r["status"] != PENDING or r["fire_at"] > now:
            continue
        r.update(status="sent", fired_at=now)
        event = ContractRenewalDueV1(
            reminder_id=r["id"],
            contract_id=doc["_id"],
            number=doc["number"],
            client_id=doc["client_id"],
            manager_id=doc["manager_id"],
            renewal_date=date.fromisoformat(doc["renewal_on"]),
            days_before=r["days_before"],
        )
        events.append(deal_event(event, key=doc["_id"], at=now))
    return _schedule_update(reminders, now), events


def _schedule_update(reminders: Mapping[str, Any], now: datetime) -> dict[str, Any]:
    update: dict[str, Any] = {"$set": {"reminders": reminders, "updated_at": now}}
    due = next_due(reminders)
    if due is None:
        update["$unset"] = {"next_reminder_at": ""}
    else:
        update["$set"]["next_reminder_at"] = due
    return update


Firing = Callable[[Doc, datetime], tuple[dict[str, Any], list[OutboxMessage]]]


class ReminderWatcher:
    """Polls both schedules every `poll_seconds` of the injected clock."""

    def __init__(
        self,
        store: DealsStore,
        *,
        clock: Clock,
        poll_seconds: float,
        on_fired: Callable[[], None] = lambda: None,
    ) -> None:
        self._store = store
        self._clock = clock
        self._poll = poll_seconds
        self._on_fired = on_fired

    async def run(self) -> None:
        """Fire due reminders forever; an outage only delays them to the next pass."""
        await run_every(self.fire_due, clock=self._clock, seconds=self._poll, what="reminder pass")

    async def fire_due(self) -> int:
        """Publish every reminder due by now; return how many events this replica wrote."""
        fired = await self._sweep(self._store.invoices, _fire_invoice)
        fired += await self._sweep(self._store.contracts, _fire_contract)
        if fired:
            self._on_fired()
        return fired

    async def _sweep(self, collection: AsyncCollection[Any], fire: Firing) -> int:
        now = self._clock.now()
        cursor = collection.find({"next_reminder_at": {"$lte": now}}, {"_id": 1}).limit(BATCH)
        ids = [doc["_id"] async for doc in cursor]
        written = 0
        for doc_id in ids:
            events: list[OutboxMessage] = []

            async def decide(doc: Doc) -> Mapping[str, Any] | None:
                nonlocal events
                events = []
                due = doc.get("next_reminder_at")
                if due is None or due > now:
                    return None  # another replica fired it meanwhile
                update, events = fire(doc, now)
                return with_outbox(update, events)

            await modify(collection, {"_id": doc_id}, decide)
            written += len(events)
        return written
