"""`make demo`: a month of sales driven through the public doors only (HTTP and Kafka).

Runs against `make run`. Time is compressed: `make run` starts the services on a clock
shifted by the number of seconds in `.cache/run/clock-offset`, and this script moves it
forward day by day, so SLA deadlines pass, reminders fall due and invoices go overdue.
Between steps it waits until every consumer group has read everything (the services are
quiet), not for a fixed time. Random choices come from seeded generators (one per deal),
so a run is the same whatever order the concurrent requests finish in.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import time
from collections import Counter
from collections.abc import Awaitable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient

LEADS, DEALS, REPORTING = "http://127.0.0.1:8001", "http://127.0.0.1:8002", "http://127.0.0.1:8004"
BOOTSTRAP = os.environ.get("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:9092")
TOPIC_PREFIX = os.environ.get("KAFKA_TOPIC_PREFIX", "")
OFFSET_FILE = Path(os.environ.get("VORONKA_CLOCK_OFFSET_FILE", ".cache/run/clock-offset"))
# `make run` with sign-in on closes the API and keeps a local key with every scope here.
API_KEY_FILE = Path(os.environ.get("VORONKA_API_KEY_FILE", ".cache/run/api-key"))
MOSCOW = ZoneInfo("Europe/Moscow")
CONCURRENCY = 6
FIRST = ["Иван", "Анна", "Сергей", "Ольга", "Дмитрий", "Елена", "Алексей", "Мария", "Павел"]
LAST = ["Петров", "Смирнова", "Кузнецов", "Попова", "Соколов", "Лебедева", "Козлов", "Новикова"]
PRODUCTS = {
    "Насос Н-50": "150000.00",
    "Станок ЧПУ X200": "2400000.00",
    "Компрессор К-7": "380000.00",
}
CHANNELS_HTTP = ["web_form", "manual"]
CHANNELS_KAFKA = ["phone", "email", "messenger", "marketplace", "referral", "exhibition", "social"]
LOST_REASONS = ["price", "competitor", "no_budget", "timing"]
INSTALLMENT_PLANS = [(3,), (3, 10), (3, 10, 17)]  # days after the invoice
PAYMENT_HABITS = ["on_time", "on_time", "on_time", "late", "never"]


def phone_spelling(digits: str, rng: random.Random) -> str:
    """The same mobile number the way people type it."""
    d = digits
    return rng.choice(
        [
            f"8 {d[:3]} {d[3:6]}-{d[6:8]}-{d[8:]}",
            f"+7 ({d[:3]}) {d[3:6]}-{d[6:8]}-{d[8:]}",
            f"8({d[:3]}){d[3:]}",
            d,
            f"+7{d}",
        ]
    )


def inn10(rng: random.Random) -> str:
    """A legal entity INN with a valid check digit."""
    body = [rng.randint(0, 9) for _ in range(9)]
    body[0] = rng.randint(1, 9)
    weights = [2, 4, 10, 3, 5, 9, 4, 6, 8]
    check = sum(w * n for w, n in zip(weights, body, strict=True)) % 11 % 10
    return "".join(map(str, body)) + str(check)


def ogrn13(rng: random.Random) -> str:
    """An OGRN with a valid check digit."""
    body = "1" + "".join(str(rng.randint(0, 9)) for _ in range(11))
    return body + str(int(body) % 11 % 10)


class Clock:
    """Moves the services' clock by rewriting the offset file."""

    def __init__(self) -> None:
        OFFSET_FILE.parent.mkdir(parents=True, exist_ok=True)
        self.offset = float(OFFSET_FILE.read_text() or 0) if OFFSET_FILE.exists() else 0.0

    def now(self) -> datetime:
        return datetime.now(UTC) + timedelta(seconds=self.offset)

    def set(self, when: datetime) -> None:
        self.offset = max(self.offset, (when - datetime.now(UTC)).total_seconds())
        OFFSET_FILE.write_text(str(self.offset))


class Quiet:
    """Waits until the services' consumer groups have read every event on their topics."""

    GROUP = re.compile(rf"^{re.escape(TOPIC_PREFIX)}voronka-[a-z]+\.(?P<topic>.+)$")

    def __init__(self) -> None:
        self._admin = AIOKafkaAdminClient(bootstrap_servers=BOOTSTRAP)
        self._consumer = AIOKafkaConsumer(bootstrap_servers=BOOTSTRAP, enable_auto_commit=False)

    async def start(self) -> None:
        await self._admin.start()
        await self._consumer.start()

    async def stop(self) -> None:
        await self._consumer.stop()
        await self._admin.close()

    async def lag(self) -> int:
        """Events on the services' topics that their groups have not committed yet."""
        total = 0
        for group, _ in await self._admin.list_consumer_groups():
            if not group.startswith(f"{TOPIC_PREFIX}voronka-"):
                continue
            committed = await self._admin.list_consumer_group_offsets(group)
            topics = {tp.topic for tp in committed}
            if match := self.GROUP.match(group):  # one group per topic: `<group>.<topic>`
                topics.add(match["topic"])
            wanted = [
                TopicPartition(meta["topic"], part["partition"])
                for meta in await self._admin.describe_topics(sorted(topics))
                for part in meta["partitions"]
            ]
            if not wanted:
                continue
            ends = await self._consumer.end_offsets(wanted)
            starts = await self._consumer.beginning_offsets(wanted)
            for tp in wanted:
                read = committed[tp].offset if tp in committed else -1
                total += ends[tp] - (read if read >= 0 else starts[tp])
        return total

    async def settle(self, *, timers: bool = False, limit: float = 60.0) -> None:
        """Return once nothing is left to read twice in a row; `timers` waits out a 1 s poll."""
        await asyncio.sleep(1.2 if timers else 0.2)  # relays publish, timers take their turn
        deadline = time.monotonic() + limit
        quiet_in_a_row = 0
        while quiet_in_a_row < 2 and time.monotonic() < deadline:
            quiet_in_a_row = quiet_in_a_row + 1 if await self.lag() == 0 else 0
            await asyncio.sleep(0.2)


class PatientTransport(httpx.AsyncHTTPTransport):
    """Waits out a 429 for as long as `Retry-After` says, as a well-behaved integrator does."""

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        while True:
            response = await super().handle_async_request(request)
            if response.status_code != 429:
                return response
            await response.aclose()
            await asyncio.sleep(float(response.headers.get("retry-after", "1")))


def credentials() -> dict[str, str]:
    """The local key's header when `make run` made one, else none (the API is open)."""
    key = API_KEY_FILE.read_text(encoding="ascii").strip() if API_KEY_FILE.is_file() else ""
    return {"Authorization": f"Bearer {key}"} if key else {}


async def bounded(jobs: Iterable[Awaitable[Any]], limit: int = CONCURRENCY) -> list[Any]:
    """Run the jobs at most `limit` at a time; results in the jobs' order."""
    gate = asyncio.Semaphore(limit)

    async def run(job: Awaitable[Any]) -> Any:
        async with gate:
            return await job

    return await asyncio.gather(*(run(job) for job in jobs))


async def all_pages(http: httpx.AsyncClient, url: str, params: dict[str, Any]) -> list[Any]:
    """Every item of a paginated list endpoint."""
    items: list[Any] = []
    while True:
        page = (await http.get(url, params={**params, "offset": len(items), "limit": 200})).json()
        items.extend(page["items"])
        if len(items) >= page["total"] or not page["items"]:
            return items


@dataclass
class Stats:
    """What the demo did, for the summary."""

    leads_sent: int = 0
    duplicates_sent: int = 0
    refused_moves: int = 0
    invoices: int = 0
    installments: int = 0
    payments: int = 0
    won: int = 0
    lost: int = 0
    claims: int = 0


@dataclass
class PendingDeal:
    """A deal waiting for its client to pay every installment."""

    deal_id: str
    manager: str
    invoice: dict[str, Any]
    habit: str
    paid: set[str] = field(default_factory=set)


class Month:
    """One simulated month: the day's leads, calls, conversions, deals and payments."""

    def __init__(
        self,
        http: httpx.AsyncClient,
        producer: AIOKafkaProducer,
        clock: Clock,
        quiet: Quiet,
        seed: int,
        run: str,
    ) -> None:
        self.http, self.producer, self.clock, self.quiet = http, producer, clock, quiet
        self.seed, self.run = seed, run
        self.rng = random.Random(seed)
        self.stats = Stats()
        self.known_phones: list[str] = []
        self.pending: dict[str, PendingDeal] = {}

    def rng_for(self, key: str) -> random.Random:
        """A generator of its own for one deal or lead: the same choices in any order."""
        return random.Random(f"{self.seed}:{key}")

    async def day(self, morning: datetime, leads: int, day: int) -> None:
        self.clock.set(morning)
        await bounded(self.send_lead(self.new_lead(day, i)) for i in range(leads))
        await self.quiet.settle()
        # Managers call most new leads within the hour; the rest pass their SLA and move on.
        queue = await all_pages(self.http, f"{LEADS}/v1/leads", {"status": ["assigned", "new"]})
        self.clock.set(morning + timedelta(minutes=30))
        await bounded(
            self.contact(lead) for lead in queue if lead["manager_id"] and self.rng.random() < 0.85
        )
        self.clock.set(morning + timedelta(minutes=95))
        await self.quiet.settle(timers=True)
        # Contacted leads become deals or are closed; a few wait for another call tomorrow.
        contacted = await all_pages(self.http, f"{LEADS}/v1/leads", {"status": "contacted"})
        await bounded(self.decide(lead, day) for lead in contacted)
        await self.quiet.settle()
        new_deals = await all_pages(self.http, f"{DEALS}/v1/deals", {"stage": "new"})
        await bounded(self.work_deal(deal) for deal in new_deals)
        await bounded(self.collect(deal) for deal in list(self.pending.values()))
        await self.quiet.settle()

    def new_lead(self, day: int, i: int) -> dict[str, Any]:
        rng = self.rng
        duplicate = bool(self.known_phones) and rng.random() < 0.08
        digits = rng.choice(self.known_phones) if duplicate else f"9{rng.randint(10**8, 10**9 - 1)}"
        self.known_phones.append(digits)
        product = rng.choice(list(PRODUCTS))
        self.stats.leads_sent += 1
        self.stats.duplicates_sent += int(duplicate)
        body: dict[str, Any] = {
            "source": "demo",
            # Unique per run: a second `make demo` on the same stack adds another month.
            "external_id": f"{self.run}-{day}-{i}",
            "contact": {
                "name": f"{rng.choice(FIRST)} {rng.choice(LAST)}",
                "phone": phone_spelling(digits, rng),
            },
            "request_text": rng.choice(
                [f"Нужен {product}, срочно", "Сколько стоит?", f"Интересует {product}"]
            ),
            "product": product if rng.random() < 0.6 else None,
            "quantity": str(rng.randint(1, 5)) if rng.random() < 0.5 else None,
        }
        by_http = rng.random() < 0.5
        body["channel"] = rng.choice(CHANNELS_HTTP if by_http else CHANNELS_KAFKA)
        return body

    async def send_lead(self, body: dict[str, Any]) -> None:
        if body["channel"] in CHANNELS_HTTP:
            (await self.http.post(f"{LEADS}/v1/leads", json=body)).raise_for_status()
        else:
            await self.producer.send_and_wait(
                TOPIC_PREFIX + "lead.received",
                json.dumps(body).encode(),
                key=body["external_id"].encode(),
            )

    async def contact(self, lead: dict[str, Any]) -> None:
        kind = self.rng_for(lead["id"]).choice(["call", "email", "message"])
        await self.http.post(
            f"{LEADS}/v1/leads/{lead['id']}/activities",
            json={"manager_id": lead["manager_id"], "kind": kind},
        )

    async def decide(self, lead: dict[str, Any], day: int) -> None:
        rng = self.rng_for(f"{lead['id']}:{day}")
        draw = rng.random()
        if draw < 0.35:
            product = lead.get("product") or rng.choice(list(PRODUCTS))
            line = {
                "product": product,
                "quantity": str(rng.randint(1, 3)),
                "unit_price": {"amount": PRODUCTS[product], "currency": "RUB"},
            }
            await self.http.post(
                f"{LEADS}/v1/leads/{lead['id']}/convert", json={"products": [line]}
            )
        elif draw < 0.8:
            reason = rng.choice(["no_budget", "no_need", "spam"])
            await self.http.post(
                f"{LEADS}/v1/leads/{lead['id']}/disqualify", json={"reason": reason}
            )

    async def move(self, deal_id: str, stage: str, by: str, **extra: Any) -> httpx.Response:
        return await self.http.post(
            f"{DEALS}/v1/deals/{deal_id}/stage", json={"to_stage": stage, "by": by, **extra}
        )

    async def work_deal(self, deal: dict[str, Any]) -> None:
        """A new deal through the pipeline up to waiting for payment, or lost on the way."""
        deal_id, manager = deal["id"], deal["manager_id"]
        rng = self.rng_for(deal_id)
        today = self.clock.now().date()
        early = await self.move(deal_id, "qualification", manager)  # no client yet: refused
        self.stats.refused_moves += int(early.status_code == 409)
        client = await self.http.post(
            f"{DEALS}/v1/clients",
            json={
                "legal_form": "ООО",
                "name": f"ООО «{rng.choice(LAST)} и партнёры {deal_id[-4:]}»",
                "requisites": {"inn": inn10(rng), "kpp": "770101001", "ogrn": ogrn13(rng)},
                "time_zone": "Europe/Moscow",
            },
        )
        if client.status_code != 201:
            return
        await self.http.patch(
            f"{DEALS}/v1/deals/{deal_id}",
            json={"client_id": client.json()["id"], "proposal_sent_on": today.isoformat()},
        )
        for stage in ("qualification", "proposal", "negotiation"):
            await self.move(deal_id, stage, manager)
        if rng.random() < 0.25:
            await self.move(deal_id, "lost", manager, lost_reason=rng.choice(LOST_REASONS))
            self.stats.lost += 1
            return
        await self.http.put(
            f"{DEALS}/v1/deals/{deal_id}/contract",
            json={
                "number": f"Д-{deal_id[-6:]}",
                "type": "supply",
                "payment_form": "bank_transfer",
                "signed_on": today.isoformat(),
            },
        )
        for stage in ("contract", "invoice"):
            await self.move(deal_id, stage, manager)
        plan = [
            {"due_on": (today + timedelta(days=d)).isoformat()}
            for d in rng.choice(INSTALLMENT_PLANS)
        ]
        invoice = await self.http.post(
            f"{DEALS}/v1/deals/{deal_id}/invoices", json={"installments": plan}
        )
        if invoice.status_code != 201:
            return
        self.stats.invoices += 1
        self.stats.installments += len(plan)
        await self.move(deal_id, "payment", manager)
        self.pending[deal_id] = PendingDeal(
            deal_id, manager, invoice.json(), rng.choice(PAYMENT_HABITS)
        )

    async def collect(self, deal: PendingDeal) -> None:
        """Payments as the client's habit has them; once paid in full: ship, win, maybe claim."""
        today = self.clock.now().date()
        for installment in deal.invoice["installments"]:
            if installment["id"] in deal.paid or deal.habit == "never":
                continue
            due = date.fromisoformat(installment["due_on"])
            late = deal.habit == "late"
            pay_day = due + timedelta(days=4) if late else due - timedelta(days=1)
            if pay_day <= today:
                amount = installment["amount"]
                payment = {"payment_id": f"pay-{installment['id']}", "amount": amount}
                await self.http.post(
                    f"{DEALS}/v1/invoices/{deal.invoice['id']}/payments", json=payment
                )
                deal.paid.add(installment["id"])
                self.stats.payments += 1
        if len(deal.paid) < len(deal.invoice["installments"]):
            return
        await self.move(deal.deal_id, "shipment", deal.manager)
        shipments = f"{DEALS}/v1/deals/{deal.deal_id}/shipments"
        await self.http.post(shipments, json={"shipment_id": "s1", "planned_on": today.isoformat()})
        for status in ("shipped", "delivered"):
            await self.http.post(
                f"{shipments}/s1/status", json={"status": status, "on": today.isoformat()}
            )
        won = await self.move(deal.deal_id, "won", deal.manager)
        self.stats.won += int(won.status_code == 200)
        if self.rng_for(deal.deal_id).random() < 0.1:
            await self.http.post(
                f"{DEALS}/v1/deals/{deal.deal_id}/claims",
                json={
                    "category": self.rng_for(deal.deal_id).choice(
                        ["quality", "delivery_delay", "damage"]
                    ),
                    "description": "Претензия клиента",
                },
            )
            self.stats.claims += 1
        del self.pending[deal.deal_id]


async def main(leads_total: int, days: int, seed: int) -> None:
    started = time.monotonic()
    clock = Clock()
    start = (clock.now().astimezone(MOSCOW) + timedelta(days=1)).replace(
        hour=10, minute=0, second=0, microsecond=0
    )
    producer = AIOKafkaProducer(bootstrap_servers=BOOTSTRAP)
    quiet = Quiet()
    await producer.start()
    await quiet.start()
    try:
        limits = httpx.Limits(max_connections=CONCURRENCY * 2)
        transport = PatientTransport(limits=limits)
        async with httpx.AsyncClient(
            timeout=60, transport=transport, headers=credentials()
        ) as http:
            month = Month(http, producer, clock, quiet, seed, f"{start:%Y%m%d}")
            for day in range(days):
                await month.day(start + timedelta(days=day), leads_total // days, day)
        await summary(clock, month.stats, time.monotonic() - started)
    finally:
        await quiet.stop()
        await producer.stop()


async def summary(clock: Clock, stats: Stats, seconds: float) -> None:
    async with httpx.AsyncClient(timeout=60, headers=credentials()) as http:
        funnel = (await http.get(f"{REPORTING}/v1/reports/funnel")).json()
        sales = (await http.get(f"{REPORTING}/v1/reports/sales")).json()
        as_of = {"as_of": clock.now().isoformat()}
        receivables = (await http.get(f"{REPORTING}/v1/reports/receivables", params=as_of)).json()
        segments = (await http.get(f"{REPORTING}/v1/reports/segments", params=as_of)).json()
    lines = [
        f"demo: {stats.leads_sent} leads ({stats.duplicates_sent} repeat a phone number), "
        f"{stats.refused_moves} stage moves refused by a gate, {stats.invoices} invoices in "
        f"{stats.installments} installments, {stats.payments} payments, {stats.claims} claims; "
        f"{seconds / 60:.1f} min",
        "funnel: " + ", ".join(f"{s['step']} {s['count']}" for s in funnel["steps"]),
        f"sales: won {sales['won_count']} for {sales['won_sum']}, "
        f"lost {sales['lost_count']} {sales['lost_reasons']}",
        f"receivables: invoiced {receivables['invoiced']}, paid {receivables['paid']}, "
        f"outstanding {receivables['outstanding']}",
        f"segments: {segments_line(segments)}",
        f"dashboard: {REPORTING}/dashboard   (services' clock: {clock.now():%Y-%m-%d %H:%M} UTC)",
    ]
    print("\n".join(lines))  # noqa: T201 - the demo's report


def segments_line(by_client: dict[str, str]) -> str:
    """Clients per segment, from the report's client → segment map."""
    counts = Counter(by_client.values())
    return ", ".join(f"{segment} {n}" for segment, n in counts.most_common()) or "none yet"


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--leads", type=int, default=1000)
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    asyncio.run(main(args.leads, args.days, args.seed))
