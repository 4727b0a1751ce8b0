"""The client base over an in-memory repository: create, update, contacts, segments, figures."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from deals_invoicing_fakes import FakeClients, FakeDeals, FakeDiscountSettings

from deals.domain.client import ClientFilter
from deals.domain.money import Money
from deals.service_layer.clients import ClientBase
from deals.service_layer.errors import Invalid, NotFound, Refused
from shared.platform.clock import ManualClock

pytestmark = pytest.mark.unit

START = datetime(2026, 3, 2, 6, tzinfo=UTC)
# Sberbank's published requisites: every checksum holds.
SBER: dict[str, Any] = {
    "legal_form": "ПАО",
    "name": "ПАО Сбербанк",
    "type": "wholesale",
    "requisites": {"inn": "7707083893", "kpp": "773601001", "ogrn": "1027700132195"},
    "time_zone": "Europe/Moscow",
}


@dataclass
class World:
    clock: ManualClock
    clients: FakeClients
    deals: FakeDeals
    discounts: FakeDiscountSettings
    base: ClientBase


@pytest.fixture
def world() -> World:
    clock = ManualClock(START)
    clients, deals, discounts = FakeClients(clock), FakeDeals(), FakeDiscountSettings()
    base = ClientBase(clients, deals=deals, discounts=discounts, clock=clock)
    return World(clock, clients, deals, discounts, base)


async def test_a_client_is_created_once_per_inn(world: World) -> None:
    first = await world.base.create(dict(SBER))
    assert first["_id"].startswith("client-") and first["inn_key"] == "7707083893"
    assert first["name"] == "ПАО Сбербанк" and first["contacts"] == []
    assert first["created_at"] == first["updated_at"] == START
    with pytest.raises(Refused) as duplicate:
        await world.base.create({**SBER, "name": "Другое имя"})
    assert first["_id"] in str(duplicate.value)
    assert duplicate.value.problems == ("requisites.inn",)
    assert len(world.clients.documents) == 1


async def test_broken_requisites_are_refused_naming_each_field(world: World) -> None:
    broken = {**SBER, "requisites": {"inn": "7707083894", "kpp": "773601001", "ogrn": "1"}}
    with pytest.raises(Invalid) as invalid:
        await world.base.create(broken)
    fields = [problem.partition(":")[0] for problem in invalid.value.problems]
    assert fields == ["requisites.inn", "requisites.ogrn"]
    assert world.clients.documents == {}


async def test_an_update_replaces_fields_but_never_the_inn(world: World) -> None:
    client_id = (await world.base.create(dict(SBER)))["_id"]
    world.clock.advance(timedelta(hours=1))
    updated = await world.base.update(
        client_id, {**SBER, "short_name": "Сбер", "time_zone": "Asia/Yekaterinburg"}
    )
    assert updated["short_name"] == "Сбер" and updated["time_zone"] == "Asia/Yekaterinburg"
    assert updated["updated_at"] == START + timedelta(hours=1)
    assert updated["created_at"] == START and updated["rev"] == 1
    other_inn = {**SBER, "requisites": {**SBER["requisites"], "inn": "7736207543"}}
    with pytest.raises(Refused, match="cannot change"):
        await world.base.update(client_id, other_inn)
    with pytest.raises(Invalid):
        await world.base.update(client_id, {"requisites": {"inn": "7707083894"}})
    with pytest.raises(NotFound):
        await world.base.update("client-x", dict(SBER))
    assert (await world.base.get(client_id))["rev"] == 1


async def test_a_contact_with_an_id_is_added_once(world: World) -> None:
    client_id = (await world.base.create(dict(SBER)))["_id"]
    for _ in range(2):
        shown = await world.base.add_contact(client_id, {"id": "cnt-1", "name": "Иванова"})
    assert shown["contacts"] == [{"id": "cnt-1", "name": "Иванова"}]
    generated = await world.base.add_contact(client_id, {"name": "Петров"})
    assert generated["contacts"][1]["id"].startswith("cnt-")


async def test_the_segment_from_reporting_is_kept_and_an_unknown_client_ignored(
    world: World,
) -> None:
    client_id = (await world.base.create(dict(SBER)))["_id"]
    await world.base.move_to_segment(client_id, "hot")
    await world.base.move_to_segment("client-unknown", "cold")
    shown = await world.base.get(client_id)
    assert shown["segment"] == "hot" and shown["updated_at"] == START
    assert list(world.clients.documents) == [client_id]


async def test_purchase_volume_is_summed_per_currency(world: World) -> None:
    world.deals.won["client-1"] = [
        Money.of("100.50", "RUB"),
        Money.of("10.00", "USD"),
        Money.of("200.25", "RUB"),
    ]
    volume = await world.base.purchase_volume("client-1")
    assert [str(v) for v in volume] == ["300.75 RUB", "10.00 USD"]
    assert await world.base.purchase_volume("client-2") == []


async def test_search_filters_by_inn_and_discount_settings_pass_through(world: World) -> None:
    await world.base.create(dict(SBER))
    found, total = await world.base.search(ClientFilter(inn="7707083893"), offset=0, limit=10)
    assert total == 1 and found[0]["name"] == "ПАО Сбербанк"
    assert await world.base.search(ClientFilter(inn="1"), offset=0, limit=10) == ([], 0)
    rule = {"id": "vol-10", "kind": "volume", "percent": "3", "min_quantity": "10"}
    assert await world.base.replace_discount_rules([rule]) == [rule]
    assert await world.base.discount_rules() == [rule]


async def test_the_named_deputy_decides_discounts_until_the_stand_in_ends(world: World) -> None:
    assert not await world.base.decides_discounts("m-boris")  # nobody named yet
    until = world.clock.now() + timedelta(days=3)
    await world.base.name_deputy("m-boris", until=until, named_by="h-irina")
    assert await world.base.decides_discounts("m-boris")
    assert not await world.base.decides_discounts("m-anna")  # only the one named
    world.clock.advance(timedelta(days=3))
    assert not await world.base.decides_discounts("m-boris")  # the end is exclusive


async def test_a_leaving_managers_clients_go_to_their_successor_once(world: World) -> None:
    ours = await world.base.create({**SBER, "manager_id": "m-boris"})
    other = {**SBER, "name": "Яндекс", "requisites": {**SBER["requisites"], "inn": "7736207543"}}
    kept = await world.base.create({**other, "manager_id": "m-anna"})
    world.clock.advance(timedelta(hours=1))

    assert await world.base.hand_over_clients("m-boris", "tl-olga") == 1
    assert await world.base.hand_over_clients("m-boris", "tl-olga") == 0  # a redelivery

    moved = await world.base.get(ours["_id"])
    assert moved["manager_id"] == "tl-olga" and moved["updated_at"] == START + timedelta(hours=1)
    assert (await world.base.get(kept["_id"]))["manager_id"] == "m-anna"


async def test_a_client_moved_meanwhile_stays_where_it_was_put(world: World) -> None:
    client = await world.base.create({**SBER, "manager_id": "m-boris"})
    listed = await world.clients.ids_of_manager("m-boris")  # the hand-over's list, read first
    await world.base.update(client["_id"], {"manager_id": "m-vera"})  # then an edit lands

    changed = await world.clients.update(
        listed[0], lambda c: c.hand_over("m-boris", "tl-olga", now=START)
    )

    assert changed is not None and changed[1] is False
    assert (await world.base.get(client["_id"]))["manager_id"] == "m-vera"
