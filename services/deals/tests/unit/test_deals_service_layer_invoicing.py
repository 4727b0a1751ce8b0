"""Invoicing and the reminder timer over in-memory repositories: issue, pay, fire reminders."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from deals_invoicing_fakes import FakeClients, FakeContracts, FakeDeals, FakeInvoices, payloads

from deals.domain.client import Client
from deals.domain.deal_terms import DealTerms
from deals.domain.invoice import InvoiceFilter, IssuedInvoice, PlannedPart
from deals.domain.invoices import ReminderPolicy
from deals.domain.money import Money
from deals.domain.reminder_schedule import SET_ASIDE
from deals.service_layer.errors import Invalid, NotFound, Refused
from deals.service_layer.invoicing import Invoicing
from deals.service_layer.reminders import ReminderWatcher, fire_due
from shared.platform.clock import ManualClock

pytestmark = pytest.mark.unit

ISSUED_AT = datetime(2026, 3, 2, 6, 0, tzinfo=UTC)  # 11:00 in Yekaterinburg (UTC+5)
PROFILE = {
    "legal_form": "ПАО",
    "name": "ПАО Сбербанк",
    "requisites": {"inn": "7707083893", "kpp": "773601001", "ogrn": "1027700132195"},
    "time_zone": "Asia/Yekaterinburg",
}


def rub(amount: str) -> Money:
    return Money.of(amount, "RUB")


@dataclass
class World:
    clock: ManualClock
    invoices: FakeInvoices
    deals: FakeDeals
    invoicing: Invoicing
    watcher: ReminderWatcher
    client_id: str


@pytest.fixture
async def world() -> World:
    clock = ManualClock(ISSUED_AT)
    invoices, clients, deals = FakeInvoices(clock), FakeClients(clock), FakeDeals()
    client = Client.register(dict(PROFILE), now=clock.now())
    await clients.add(client)
    deals.deals["deal-1"] = DealTerms("deal-1", client.id, "mgr-a", rub("300000.00"))
    deals.deals["deal-2"] = DealTerms("deal-2", None, "mgr-a", rub("10.00"))
    invoicing = Invoicing(
        invoices,
        deals=deals,
        zones=clients,
        clock=clock,
        policy=ReminderPolicy(),
        default_time_zone="Europe/Moscow",
    )
    watcher = ReminderWatcher([invoices, FakeContracts(clock)], clock=clock, poll_seconds=1)
    return World(clock, invoices, deals, invoicing, watcher, client.id)


TWO_PARTS = [
    PlannedPart(date(2026, 3, 16), rub("100000.00")),
    PlannedPart(date(2026, 4, 15), rub("200000.00")),
]


async def issue(world: World, parts: list[PlannedPart] = TWO_PARTS) -> dict[str, Any]:
    return await world.invoicing.issue(
        "deal-1", invoice_id="inv-1", number=None, total=None, parts=parts
    )


async def pay(
    world: World,
    amount: Money,
    *,
    paid_at: datetime,
    payment_id: str = "p1",
    reference: str | None = None,
    publish: bool = True,
    causation_id: str | None = None,
    invoice_id: str = "inv-1",
) -> tuple[dict[str, Any], bool]:
    return await world.invoicing.record_payment(
        invoice_id,
        payment_id=payment_id,
        amount=amount,
        paid_at=paid_at,
        reference=reference,
        publish=publish,
        causation_id=causation_id,
    )


def utc(month: int, day: int, hour: int) -> datetime:
    return datetime(2026, month, day, hour, tzinfo=UTC)


async def test_issuing_plans_every_reminder_at_ten_in_the_clients_zone_and_publishes(
    world: World,
) -> None:
    stored = await issue(world)
    # Yekaterinburg is UTC+5, so 10:00 local is 05:00 UTC. Installment 1 (due 16 March):
    # halfway through 14 days is 9 March; installment 2 (due 15 April): 44 days, 24 March.
    assert {key: r["fire_at"] for key, r in stored["reminders"].items()} == {
        "1_on_issue": ISSUED_AT,
        "1_mid_term": utc(3, 9, 5),
        "1_day_before": utc(3, 15, 5),
        "1_overdue": utc(3, 17, 5),
        "2_on_issue": ISSUED_AT,
        "2_mid_term": utc(3, 24, 5),
        "2_day_before": utc(4, 14, 5),
        "2_overdue": utc(4, 16, 5),
    }
    assert stored["next_reminder_at"] == ISSUED_AT
    assert stored["number"] == "INV-1" and stored["status"] == "open"
    assert [i["id"] for i in stored["installments"]] == ["inv-1/1", "inv-1/2"]
    [issued] = payloads(world.invoices, "invoice.issued")
    assert issued["client_id"] == world.client_id and issued["manager_id"] == "mgr-a"
    assert issued["total"] == {"amount": "300000.00", "currency": "RUB"}
    assert [(i["installment_id"], i["due_date"]) for i in issued["installments"]] == [
        ("inv-1/1", "2026-03-16"),
        ("inv-1/2", "2026-04-15"),
    ]
    assert issued["client_time_zone"] == "Asia/Yekaterinburg"


async def test_without_amounts_the_deal_amount_is_split_evenly(world: World) -> None:
    parts = [PlannedPart(date(2026, 4, d), None) for d in (1, 2, 3, 4, 5, 6, 7)]
    stored = await issue(world, parts)
    # 7 × 42857.14 = 299999.98: the 2 kopecks left go to the first two installments.
    amounts = [i["amount"]["amount"] for i in stored["installments"]]
    assert amounts == ["42857.15", "42857.15"] + ["42857.14"] * 5


async def test_a_plan_that_does_not_fit_is_refused_with_every_problem(world: World) -> None:
    wrong = [
        PlannedPart(date(2026, 3, 1), rub("100000.00")),
        PlannedPart(date(2026, 4, 15), rub("100000.00")),
    ]
    with pytest.raises(Invalid) as refused:
        await issue(world, wrong)
    assert refused.value.problems == (
        "installments: add up to 200000.00 RUB, not the total 300000.00 RUB",
        "installments: a due date is before the issue date",
    )
    mixed = [PlannedPart(date(2026, 3, 16), rub("100000.00")), PlannedPart(date(2026, 4, 15), None)]
    with pytest.raises(Invalid) as half_given:
        await issue(world, mixed)
    assert half_given.value.problems == (
        "installments: give every amount, or none to split evenly",
    )
    assert world.invoices.documents == {} and world.invoices.published == []


async def test_a_repeated_id_returns_the_first_invoice_and_refuses_another_deal(
    world: World,
) -> None:
    first = await issue(world)
    again = await issue(world, [PlannedPart(date(2026, 5, 1), None)])
    assert again == first and len(payloads(world.invoices, "invoice.issued")) == 1
    world.deals.deals["deal-3"] = DealTerms("deal-3", world.client_id, "mgr-b", rub("1.00"))
    with pytest.raises(Refused, match="another deal"):
        await world.invoicing.issue("deal-3", invoice_id="inv-1", number=None, total=None, parts=[])


async def test_unknown_deal_and_deal_without_client_are_refused(world: World) -> None:
    with pytest.raises(NotFound):
        await world.invoicing.issue("deal-x", invoice_id=None, number=None, total=None, parts=[])
    with pytest.raises(Refused) as no_client:
        await world.invoicing.issue("deal-2", invoice_id=None, number=None, total=None, parts=[])
    assert no_client.value.missing == ("client_id",)


async def test_several_reminders_due_at_once_send_only_the_latest_per_installment(
    world: World,
) -> None:
    await issue(world)
    world.clock.set(utc(3, 9, 6))
    assert await world.watcher.fire_due() == 2
    due = payloads(world.invoices, "payment.due")
    # Installment 1: on-issue (2 March) and mid-term (9 March) are both due; only the latest.
    assert [(d["reminder_id"], d["amount"]["amount"]) for d in due] == [
        ("inv-1/1:mid_term", "100000.00"),
        ("inv-1/2:on_issue", "200000.00"),
    ]
    stored = await world.invoicing.get("inv-1")
    statuses = {key: r["status"] for key, r in stored["reminders"].items()}
    assert statuses["1_on_issue"] == "skipped" and statuses["1_mid_term"] == "sent"
    assert statuses["2_on_issue"] == "sent"
    assert stored["next_reminder_at"] == utc(3, 15, 5)
    assert await world.watcher.fire_due() == 0
    assert len(payloads(world.invoices, "payment.due")) == 2


async def test_a_payment_settles_the_earliest_installment_and_cancels_its_later_reminders(
    world: World,
) -> None:
    await issue(world)
    world.clock.set(utc(3, 10, 6))
    stored, created = await pay(
        world, rub("150000.00"), payment_id="pay-1", paid_at=world.clock.now(), reference="п/п 17"
    )
    assert created
    # 150000 covers installment 1 (100000) and 50000 of installment 2.
    assert [i["paid"]["amount"] for i in stored["installments"]] == ["100000.00", "50000.00"]
    assert stored["installments"][0]["settled_at"] == utc(3, 10, 6)
    assert stored["installments"][1]["settled_at"] is None
    statuses = {key: r["status"] for key, r in stored["reminders"].items()}
    # Installment 1's reminders after the payment (15 and 17 March) are cancelled; those
    # before it are left for the timer, which skips what a later one replaces.
    assert statuses == {
        "1_on_issue": "pending",
        "1_mid_term": "pending",
        "1_day_before": "cancelled",
        "1_overdue": "cancelled",
        "2_on_issue": "pending",
        "2_mid_term": "pending",
        "2_day_before": "pending",
        "2_overdue": "pending",
    }
    assert stored["reminders"]["1_day_before"]["cancelled_at"] == utc(3, 10, 6)
    assert stored["status"] == "open" and stored["payment_ids"] == ["pay-1"]
    [received] = payloads(world.invoices, "payment.received")
    assert received["payment_id"] == "pay-1" and received["reference"] == "п/п 17"
    assert received["amount"] == {"amount": "150000.00", "currency": "RUB"}
    # The timer: installment 1 is paid, so its due reminder is cancelled, not sent;
    # installment 2 gets its on-issue reminder for the 150000.00 still due.
    assert await world.watcher.fire_due() == 1
    [due] = payloads(world.invoices, "payment.due")
    assert due["reminder_id"] == "inv-1/2:on_issue"
    assert due["amount"] == {"amount": "150000.00", "currency": "RUB"}
    after = await world.invoicing.get("inv-1")
    assert after["reminders"]["1_mid_term"]["status"] == "cancelled"
    assert after["reminders"]["1_on_issue"]["status"] == "skipped"


async def test_a_payment_is_applied_once_and_one_from_accounting_is_not_republished(
    world: World,
) -> None:
    await issue(world)
    paid_at = utc(3, 3, 7)
    for _ in range(2):
        stored, created = await pay(
            world,
            rub("300000.00"),
            payment_id="acc-1",
            paid_at=paid_at,
            publish=False,
            causation_id="event-1",
        )
    assert not created
    assert stored["status"] == "paid" and stored["payment_ids"] == ["acc-1"]
    assert payloads(world.invoices, "payment.received") == []
    # Every reminder after the payment is cancelled; the on-issue ones fired before it were
    # due already, and the timer cancels them instead of sending them.
    assert {k for k, r in stored["reminders"].items() if r["status"] == "pending"} == {
        "1_on_issue",
        "2_on_issue",
    }
    assert await world.watcher.fire_due() == 0
    assert "next_reminder_at" not in await world.invoicing.get("inv-1")
    assert payloads(world.invoices, "payment.due") == []
    with pytest.raises(NotFound):
        await pay(
            world,
            rub("1.00"),
            payment_id="acc-2",
            paid_at=paid_at,
            publish=False,
            invoice_id="inv-x",
        )


async def test_the_payment_event_carries_its_cause(world: World) -> None:
    await issue(world)
    await pay(world, rub("1.00"), payment_id="pay-1", paid_at=utc(3, 3, 7), causation_id="cmd-7")
    [message] = world.invoices.published_on("payment.received")
    assert message.key == "inv-1"
    assert message.headers["ce_causationid"] == "cmd-7"
    assert message.headers["ce_source"] == "urn:voronka:deals"


async def test_overpayment_and_another_currency_are_refused_and_change_nothing(
    world: World,
) -> None:
    await issue(world)
    before = dict(world.invoices.documents["inv-1"])
    with pytest.raises(Refused) as too_much:
        await pay(world, rub("300000.01"), paid_at=utc(3, 3, 7))
    assert too_much.value.problems == ("amount: more than is still due",)
    with pytest.raises(Refused) as dollars:
        await pay(world, Money.of("10.00", "USD"), payment_id="p2", paid_at=utc(3, 3, 7))
    assert dollars.value.problems == ("amount.currency",)
    assert str(dollars.value) == "the invoice is in RUB, not USD"
    assert world.invoices.documents["inv-1"] == before
    assert payloads(world.invoices, "payment.received") == []


async def test_payment_discipline_counts_installments_due_so_far(world: World) -> None:
    await issue(world)
    await pay(world, rub("100000.00"), paid_at=utc(3, 10, 6))
    world.clock.set(utc(4, 20, 6))
    discipline = await world.invoicing.discipline(world.client_id)
    # Installment 1 paid on time; installment 2 (due 15 April) unpaid for 5 days by 20 April.
    assert discipline.installments_due == 2 and discipline.paid_on_time == 1
    assert discipline.share_on_time == Decimal("0.5000")
    assert discipline.average_days_late == Decimal("2.50")


class StaleInvoices:
    """The timer's view of a replica that loaded the invoices before another one fired them."""

    def __init__(self, invoices: FakeInvoices, loaded: list[IssuedInvoice]) -> None:
        self._invoices = invoices
        self._loaded = loaded
        self.save = invoices.save
        self.update = invoices.update
        self.postpone = invoices.postpone

    async def due_reminders(self, now: datetime, *, limit: int) -> list[IssuedInvoice]:
        return self._loaded


async def test_a_replica_that_lost_the_race_sends_nothing_again(world: World) -> None:
    await issue(world)
    world.clock.advance(timedelta(seconds=1))
    loaded = await world.invoices.due_reminders(world.clock.now(), limit=10)
    assert await world.watcher.fire_due() == 2
    late = StaleInvoices(world.invoices, loaded)
    assert await fire_due(late, world.clock.now()) == 0
    assert len(payloads(world.invoices, "payment.due")) == 2


async def test_the_list_filters_by_status_newest_first(world: World) -> None:
    await issue(world)
    world.clock.advance(timedelta(hours=1))
    await world.invoicing.issue(
        "deal-1",
        invoice_id="inv-2",
        number="N-2",
        total=rub("5.00"),
        parts=[PlannedPart(date(2026, 4, 1), None)],
    )
    await pay(world, rub("5.00"), invoice_id="inv-2", paid_at=world.clock.now())
    everything, total = await world.invoicing.search(InvoiceFilter(), offset=0, limit=10)
    assert [i["_id"] for i in everything] == ["inv-2", "inv-1"] and total == 2
    open_ones, _ = await world.invoicing.search(InvoiceFilter(status="open"), offset=0, limit=10)
    assert [i["_id"] for i in open_ones] == ["inv-1"]


class OnePoisoned:
    """The timer's view where the first invoice due breaks in its own code when it fires."""

    def __init__(self, invoices: FakeInvoices, poisoned: str) -> None:
        self._invoices = invoices
        self._poisoned = poisoned
        self.save = invoices.save
        self.update = invoices.update
        self.postpone = invoices.postpone

    async def due_reminders(self, now: datetime, *, limit: int) -> list[IssuedInvoice]:
        due = await self._invoices.due_reminders(now, limit=limit)
        due.sort(key=lambda invoice: invoice.aggregate_id != self._poisoned)  # it comes first

        def broken(_: datetime) -> int:
            raise KeyError("reminders")

        for invoice in due:
            if invoice.aggregate_id == self._poisoned:
                invoice.fire_due_reminders = broken  # type: ignore[method-assign]
        return due


async def test_one_invoice_that_fails_is_set_aside_and_the_others_still_remind(
    world: World,
) -> None:
    await issue(world)
    await world.invoicing.issue(
        "deal-1", invoice_id="inv-2", number=None, total=None, parts=TWO_PARTS
    )
    world.clock.advance(timedelta(seconds=1))
    assert await fire_due(OnePoisoned(world.invoices, "inv-1"), world.clock.now()) == 2
    reminded = {p["invoice_id"] for p in payloads(world.invoices, "payment.due")}
    assert reminded == {"inv-2"}
    set_aside = world.invoices.documents["inv-1"]["next_reminder_at"]
    assert set_aside == world.clock.now() + SET_ASIDE
    assert await world.invoices.due_reminders(world.clock.now(), limit=10) == []
