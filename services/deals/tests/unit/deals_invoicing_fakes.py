"""In-memory fakes of the ports of invoicing, contracts and the client base."""

from __future__ import annotations

import copy
import json
from datetime import datetime
from typing import Any

from deals.adapters.client_repository import ClientMapper
from deals.adapters.contract_repository import ContractMapper
from deals.adapters.invoice_repository import InvoiceMapper
from deals.domain.client import Client, ClientFilter
from deals.domain.contract import DealContract
from deals.domain.deal_terms import DealTerms
from deals.domain.deputy import Deputy
from deals.domain.invoice import InvoiceFilter, InvoiceStatus, IssuedInvoice
from deals.domain.money import Money
from deals.domain.source import SOURCE
from shared.platform.clock import Clock
from shared.platform.repository import message_on_own_topic
from shared.testing.fakes import InMemoryRepository

Record = dict[str, Any]


def payloads(repository: InMemoryRepository[Any], topic: str) -> list[dict[str, Any]]:
    """The JSON payloads a repository published on a topic, in order."""
    return [json.loads(m.value) for m in repository.published_on(topic)]


def _due(document: Record, now: datetime) -> bool:
    """The Mongo query `{next_reminder_at: {$lte: now}}` on the stored document."""
    due = document.get("next_reminder_at")
    return due is not None and due <= now


class FakeInvoices(InMemoryRepository[IssuedInvoice]):
    """Invoices in a dict, with the queries of the Mongo repository done in Python."""

    def __init__(self, clock: Clock) -> None:
        super().__init__(InvoiceMapper(), clock=clock, message_of=message_on_own_topic(SOURCE))

    async def unpaid_of(self, manager_id: str) -> list[IssuedInvoice]:
        return [
            i for i in self.all() if i.manager_id == manager_id and i.status is InvoiceStatus.OPEN
        ]

    async def of_client(self, client_id: str) -> list[IssuedInvoice]:
        return [i for i in self.all() if i.client_id == client_id]

    async def due_reminders(self, now: datetime, *, limit: int) -> list[IssuedInvoice]:
        due = [self._load(d) for d in self.documents.values() if _due(d, now)]
        return due[:limit]

    async def postpone(self, aggregate_id: str, until: datetime) -> None:
        await self.set_aside(aggregate_id, "next_reminder_at", until)

    async def record(self, invoice_id: str) -> Record | None:
        return copy.deepcopy(self.documents.get(invoice_id))

    async def page(
        self, search: InvoiceFilter, *, offset: int, limit: int
    ) -> tuple[list[Record], int]:
        found = [
            d
            for d in self.documents.values()
            if search.deal_id in (None, d["deal_id"])
            and search.client_id in (None, d["client_id"])
            and search.status in (None, d["status"])
        ]
        found.sort(key=lambda d: d["issued_at"], reverse=True)
        return found[offset : offset + limit], len(found)


class FakeContracts(InMemoryRepository[DealContract]):
    """Contracts in a dict."""

    def __init__(self, clock: Clock) -> None:
        super().__init__(ContractMapper(), clock=clock, message_of=message_on_own_topic(SOURCE))

    async def due_reminders(self, now: datetime, *, limit: int) -> list[DealContract]:
        due = [self._load(d) for d in self.documents.values() if _due(d, now)]
        return due[:limit]

    async def postpone(self, aggregate_id: str, until: datetime) -> None:
        await self.set_aside(aggregate_id, "next_reminder_at", until)

    async def record(self, contract_id: str) -> Record | None:
        return copy.deepcopy(self.documents.get(contract_id))


class FakeClients(InMemoryRepository[Client]):
    """Clients in a dict; the id comes from the INN, so a duplicate INN is a taken id."""

    def __init__(self, clock: Clock) -> None:
        super().__init__(ClientMapper(), clock=clock, message_of=message_on_own_topic(SOURCE))

    async def time_zone_of(self, client_id: str) -> str | None:
        client = await self.get(client_id)
        return client.time_zone if client else None

    async def record(self, client_id: str) -> Record | None:
        return copy.deepcopy(self.documents.get(client_id))

    async def page(
        self, search: ClientFilter, *, offset: int, limit: int
    ) -> tuple[list[Record], int]:
        found = [
            d
            for d in self.documents.values()
            if search.inn in (None, (d.get("requisites") or {}).get("inn"))
            and search.name in (None, d.get("name"))
            and search.type in (None, d.get("type"))
        ]
        found.sort(key=lambda d: d["name"])
        return found[offset : offset + limit], len(found)

    async def ids_of_manager(self, manager_id: str) -> list[str]:
        return [i for i, d in sorted(self.documents.items()) if d.get("manager_id") == manager_id]


class FakeDeals:
    """Deals as invoicing, contracts and the client card read them; records contract copies."""

    def __init__(self) -> None:
        self.deals: dict[str, DealTerms] = {}
        self.won: dict[str, list[Money]] = {}
        self.contracts: dict[str, tuple[dict[str, Any], str]] = {}

    async def terms(self, deal_id: str) -> DealTerms | None:
        return self.deals.get(deal_id)

    async def won_amounts(self, client_id: str) -> list[Money]:
        return list(self.won.get(client_id, []))

    async def attach_contract(
        self, deal_id: str, *, contract: dict[str, Any], payment_form: str
    ) -> None:
        self.contracts[deal_id] = (contract, payment_form)


class FakeDiscountSettings:
    """Discount schemes and the deputy in memory."""

    def __init__(self) -> None:
        self.stored_rules: list[dict[str, Any]] = []
        self.named: Deputy | None = None

    async def replace_rules(self, rules: list[dict[str, Any]]) -> None:
        self.stored_rules = list(rules)

    async def rules(self) -> list[dict[str, Any]]:
        return list(self.stored_rules)

    async def name_deputy(self, deputy: Deputy) -> None:
        self.named = deputy

    async def deputy(self) -> Deputy | None:
        return self.named
