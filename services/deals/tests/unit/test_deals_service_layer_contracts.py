"""Contracts over in-memory repositories: renewal reminders planned, kept and fired once."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import pytest
from deals_invoicing_fakes import FakeClients, FakeContracts, FakeDeals, FakeInvoices, payloads

from deals.domain.client import Client
from deals.domain.deal_terms import DealTerms
from deals.domain.money import Money
from deals.service_layer.contracts import Contracts
from deals.service_layer.errors import Invalid, NotFound
from deals.service_layer.reminders import ReminderWatcher
from shared.platform.clock import ManualClock

pytestmark = pytest.mark.unit

CONTRACT = {
    "number": "Д-2026/7",
    "type": "supply",
    "payment_form": "bank_transfer",
    "signed_on": "2026-03-02",
    "renewal_on": "2026-05-31",
}


@dataclass
class World:
    clock: ManualClock
    contracts: FakeContracts
    deals: FakeDeals
    service: Contracts
    watcher: ReminderWatcher


@pytest.fixture
async def world() -> World:
    clock = ManualClock(datetime(2026, 3, 2, 6, tzinfo=UTC))
    contracts, clients, deals = FakeContracts(clock), FakeClients(clock), FakeDeals()
    client = Client.register(
        {
            "legal_form": "ПАО",
            "name": "ПАО Сбербанк",
            "requisites": {"inn": "7707083893", "kpp": "773601001", "ogrn": "1027700132195"},
            "time_zone": "Asia/Yekaterinburg",
        },
        now=clock.now(),
    )
    await clients.add(client)
    deals.deals["deal-7"] = DealTerms("deal-7", client.id, "mgr-a", Money.of("1", "RUB"))
    service = Contracts(
        contracts,
        deals=deals,
        zones=clients,
        on_deal=deals,
        clock=clock,
        days_before=[30, 7],
        default_time_zone="Europe/Moscow",
    )
    watcher = ReminderWatcher([FakeInvoices(clock), contracts], clock=clock, poll_seconds=1)
    return World(clock, contracts, deals, service, watcher)


async def test_renewal_reminders_are_planned_in_the_clients_zone_and_the_deal_keeps_a_copy(
    world: World,
) -> None:
    stored = await world.service.attach("deal-7", CONTRACT)
    # 30 and 7 days before 31 May at 10:00 in Yekaterinburg (UTC+5): 1 and 24 May, 05:00 UTC.
    assert {r["days_before"]: r["fire_at"] for r in stored["reminders"].values()} == {
        30: datetime(2026, 5, 1, 5, tzinfo=UTC),
        7: datetime(2026, 5, 24, 5, tzinfo=UTC),
    }
    assert stored["_id"] == stored["id"] == "contract-7"
    assert stored["next_reminder_at"] == datetime(2026, 5, 1, 5, tzinfo=UTC)
    summary, payment_form = world.deals.contracts["deal-7"]
    assert payment_form == "bank_transfer"
    assert summary == {
        "id": "contract-7",
        "number": "Д-2026/7",
        "type": "supply",
        "payment_form": "bank_transfer",
        "terms": "",
        "signed_on": "2026-03-02",
        "renewal_on": "2026-05-31",
    }


async def test_each_renewal_reminder_fires_once_even_when_the_contract_is_attached_again(
    world: World,
) -> None:
    await world.service.attach("deal-7", CONTRACT)
    world.clock.set(datetime(2026, 4, 30, 5, tzinfo=UTC))
    again = await world.service.attach("deal-7", CONTRACT)
    assert again["reminders"]["d30"]["status"] == "pending"
    world.clock.set(datetime(2026, 5, 1, 5, tzinfo=UTC))
    assert await world.watcher.fire_due() == 1
    third = await world.service.attach("deal-7", {**CONTRACT, "terms": "30 days net"})
    # The 30-day reminder's moment is over: it is not planned (or sent) again.
    assert {key: r["status"] for key, r in third["reminders"].items()} == {"d7": "pending"}
    assert third["terms"] == "30 days net"
    assert await world.watcher.fire_due() == 0
    world.clock.set(datetime(2026, 6, 1, 5, tzinfo=UTC))
    assert await world.watcher.fire_due() == 1
    due = payloads(world.contracts, "contract.renewal_due")
    assert [(d["reminder_id"], d["days_before"], d["renewal_date"]) for d in due] == [
        ("contract-7:2026-05-31:30", 30, "2026-05-31"),
        ("contract-7:2026-05-31:7", 7, "2026-05-31"),
    ]
    assert all(m.key == "contract-7" for m in world.contracts.published)


async def test_a_new_renewal_date_plans_new_reminders(world: World) -> None:
    await world.service.attach("deal-7", CONTRACT)
    world.clock.set(datetime(2026, 5, 1, 5, tzinfo=UTC))
    await world.watcher.fire_due()
    renewed = await world.service.attach("deal-7", {**CONTRACT, "renewal_on": "2027-05-31"})
    assert {key: r["status"] for key, r in renewed["reminders"].items()} == {
        "d30": "pending",
        "d7": "pending",
    }
    assert renewed["reminders"]["d30"]["id"] == "contract-7:2027-05-31:30"


async def test_an_unknown_deal_and_impossible_dates_are_refused(world: World) -> None:
    with pytest.raises(NotFound):
        await world.service.attach("deal-x", CONTRACT)
    with pytest.raises(Invalid) as invalid:
        await world.service.attach("deal-7", {**CONTRACT, "renewal_on": "2026-03-01"})
    assert invalid.value.problems == (
        "contract: contract Д-2026/7: renewal_on must be after signed_on",
    )
    assert world.contracts.documents == {} and world.deals.contracts == {}
