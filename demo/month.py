"""`make demo`: a month of sales driven through the public doors only (HTTP and Kafka).

Runs against `make run`. Time is compressed: `make run` starts the services on a clock
shifted by the number of seconds in `.cache/run/clock-offset`, and this script moves it
forward day by day, so SLA deadlines pass, reminders fall due and invoices go overdue.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
from aiokafka import AIOKafkaProducer

LEADS, DEALS, REPORTING = "http://127.0.0.1:8001", "http://127.0.0.1:8002", "http://127.0.0.1:8004"
TOPIC_PREFIX = os.environ.get("KAFKA_TOPIC_PREFIX", "")
OFFSET_FILE = Path(os.environ.get("VORONKA_CLOCK_OFFSET_FILE", ".cache/run/clock-offset"))
MOSCOW = ZoneInfo("Europe/Moscow")
FIRST = [
    "Иван",
    "Анна",
    "Сергей",
    "Ольга",
    "Дмитрий",
    "Елена",
    "Алексей",
    "Мария",
    "Павел",
    "Наталья",
]
LAST = ["Петров", "Смирнова", "Кузнецов", "Попова", "Соколов", "Лебедева", "Козлов", "Новикова"]
PRODUCTS = {
    "Насос Н-50": "150000.00",
    "Станок ЧПУ X200": "2400000.00",
    "Компрессор К-7": "380000.00",
}
CHANNELS_HTTP = ["web_form", "manual"]
CHANNELS_KAFKA = ["phone", "email", "messenger", "marketplace", "referral", "exhibition", "social"]
LOST_REASONS = ["price", "competitor", "no_budget", "timing"]


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


async def settle(seconds: float = 2.5) -> None:
    """Give consumers and timers (1 s polls) time to catch up after a step."""
    await asyncio.sleep(seconds)


async def main(leads_total: int, days: int, seed: int) -> None:
    rng = random.Random(seed)
    clock = Clock()
    start = (clock.now().astimezone(MOSCOW) + timedelta(days=1)).replace(
        hour=10, minute=0, second=0, microsecond=0
    )
    producer = AIOKafkaProducer(
        bootstrap_servers=os.environ.get("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:9092")
    )
    await producer.start()
    stats = {
        "leads_sent": 0,
        "duplicates_sent": 0,
        "refused_moves": 0,
        "won": 0,
        "lost": 0,
        "invoices": 0,
    }
    known_phones: list[str] = []
    pending_deals: dict[str, dict[str, Any]] = {}
    async with httpx.AsyncClient(timeout=30) as http:
        for day in range(days):
            morning = start + timedelta(days=day)
            clock.set(morning)
            for i in range(leads_total // days):
                duplicate = known_phones and rng.random() < 0.08
                digits = (
                    rng.choice(known_phones)
                    if duplicate
                    else f"9{rng.randint(100000000, 999999999)}"
                )
                known_phones.append(digits)
                product = rng.choice(list(PRODUCTS))
                body = {
                    "source": "demo",
                    # Unique per run: a second `make demo` on the same stack adds another month.
                    "external_id": f"{start:%Y%m%d}-{day}-{i}",
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
                stats["leads_sent"] += 1
                stats["duplicates_sent"] += int(bool(duplicate))
                if rng.random() < 0.5:
                    body["channel"] = rng.choice(CHANNELS_HTTP)
                    await http.post(f"{LEADS}/v1/leads", json=body)
                else:
                    body["channel"] = rng.choice(CHANNELS_KAFKA)
                    await producer.send_and_wait(
                        TOPIC_PREFIX + "lead.received",
                        json.dumps(body).encode(),
                        key=body["external_id"].encode(),
                    )
            await settle()
            # Managers call most new leads within the hour; some are forgotten and move on.
            queue = (
                await http.get(
                    f"{LEADS}/v1/leads", params={"status": ["assigned", "new"], "limit": 200}
                )
            ).json()
            clock.set(morning + timedelta(minutes=30))
            for lead in queue["items"]:
                if lead["manager_id"] and rng.random() < 0.85:
                    await http.post(
                        f"{LEADS}/v1/leads/{lead['id']}/activities",
                        json={
                            "manager_id": lead["manager_id"],
                            "kind": rng.choice(["call", "email", "message"]),
                        },
                    )
            clock.set(morning + timedelta(minutes=95))
            await settle()
            # A third of contacted leads become deals.
            contacted = (
                await http.get(f"{LEADS}/v1/leads", params={"status": "contacted", "limit": 200})
            ).json()
            for lead in contacted["items"]:
                if rng.random() < 0.35:
                    product = lead.get("product") or rng.choice(list(PRODUCTS))
                    await http.post(
                        f"{LEADS}/v1/leads/{lead['id']}/convert",
                        json={
                            "products": [
                                {
                                    "product": product,
                                    "quantity": str(rng.randint(1, 3)),
                                    "unit_price": {"amount": PRODUCTS[product], "currency": "RUB"},
                                }
                            ]
                        },
                    )
                elif rng.random() < 0.2:
                    await http.post(
                        f"{LEADS}/v1/leads/{lead['id']}/disqualify",
                        json={"reason": rng.choice(["no_budget", "no_need", "spam"])},
                    )
            await settle()
            await work_deals(http, clock, rng, stats, pending_deals)
    await producer.stop()
    await summary(clock, stats)


async def work_deals(
    http: httpx.AsyncClient,
    clock: Clock,
    rng: random.Random,
    stats: dict[str, int],
    pending: dict[str, dict[str, Any]],
) -> None:
    """Move today's new deals through the pipeline; pay, ship and claim the earlier ones."""
    new = (await http.get(f"{DEALS}/v1/deals", params={"stage": "new", "limit": 200})).json()[
        "items"
    ]
    today = clock.now().date()
    for deal in new:
        deal_id = deal["id"]
        early = await http.post(
            f"{DEALS}/v1/deals/{deal_id}/stage",
            json={"to_stage": "qualification", "by": deal["manager_id"]},
        )
        stats["refused_moves"] += int(early.status_code == 409)
        client = await http.post(
            f"{DEALS}/v1/clients",
            json={
                "legal_form": "ООО",
                "name": f"ООО «{rng.choice(LAST)} и партнёры {deal_id[-4:]}»",
                "requisites": {"inn": inn10(rng), "kpp": "770101001", "ogrn": ogrn13(rng)},
                "time_zone": "Europe/Moscow",
            },
        )
        if client.status_code != 201:
            continue
        await http.patch(
            f"{DEALS}/v1/deals/{deal_id}",
            json={"client_id": client.json()["id"], "proposal_sent_on": today.isoformat()},
        )
        for stage in ("qualification", "proposal", "negotiation"):
            await http.post(
                f"{DEALS}/v1/deals/{deal_id}/stage",
                json={"to_stage": stage, "by": deal["manager_id"]},
            )
        if rng.random() < 0.25:
            await http.post(
                f"{DEALS}/v1/deals/{deal_id}/stage",
                json={
                    "to_stage": "lost",
                    "by": deal["manager_id"],
                    "lost_reason": rng.choice(LOST_REASONS),
                },
            )
            stats["lost"] += 1
            continue
        await http.put(
            f"{DEALS}/v1/deals/{deal_id}/contract",
            json={
                "number": f"Д-{deal_id[-6:]}",
                "type": "supply",
                "payment_form": "bank_transfer",
                "signed_on": today.isoformat(),
            },
        )
        for stage in ("contract", "invoice"):
            await http.post(
                f"{DEALS}/v1/deals/{deal_id}/stage",
                json={"to_stage": stage, "by": deal["manager_id"]},
            )
        plan = [{"due_on": (today + timedelta(days=d)).isoformat()} for d in (7, 21, 35)]
        invoice = await http.post(
            f"{DEALS}/v1/deals/{deal_id}/invoices", json={"installments": plan}
        )
        if invoice.status_code == 201:
            stats["invoices"] += 1
            await http.post(
                f"{DEALS}/v1/deals/{deal_id}/stage",
                json={"to_stage": "payment", "by": deal["manager_id"]},
            )
            pending[deal_id] = {
                "invoice": invoice.json(),
                "manager": deal["manager_id"],
                "habit": rng.choice(["on_time", "on_time", "late", "never"]),
            }
    for deal_id, info in list(pending.items()):
        invoice = info["invoice"]
        for installment in invoice["installments"]:
            due = datetime.fromisoformat(installment["due_on"]).date()
            paid_already = installment.get("paid_demo")
            if paid_already or info["habit"] == "never":
                continue
            pay_day = (
                due - timedelta(days=1) if info["habit"] == "on_time" else due + timedelta(days=5)
            )
            if pay_day <= today:
                await http.post(
                    f"{DEALS}/v1/invoices/{invoice['id']}/payments",
                    json={
                        "payment_id": f"pay-{installment['id']}",
                        "amount": installment["amount"],
                    },
                )
                installment["paid_demo"] = True
        if all(i.get("paid_demo") for i in invoice["installments"]):
            for stage in ("shipment",):
                await http.post(
                    f"{DEALS}/v1/deals/{deal_id}/stage",
                    json={"to_stage": stage, "by": info["manager"]},
                )
            await http.post(
                f"{DEALS}/v1/deals/{deal_id}/shipments",
                json={"shipment_id": "s1", "planned_on": today.isoformat()},
            )
            for status in ("shipped", "delivered"):
                await http.post(
                    f"{DEALS}/v1/deals/{deal_id}/shipments/s1/status",
                    json={"status": status, "on": today.isoformat()},
                )
            won = await http.post(
                f"{DEALS}/v1/deals/{deal_id}/stage", json={"to_stage": "won", "by": info["manager"]}
            )
            stats["won"] += int(won.status_code == 200)
            if rng.random() < 0.1:
                await http.post(
                    f"{DEALS}/v1/deals/{deal_id}/claims",
                    json={
                        "category": rng.choice(["quality", "delivery_delay", "damage"]),
                        "description": "Претензия клиента",
                    },
                )
            del pending[deal_id]


async def summary(clock: Clock, stats: dict[str, int]) -> None:
    await settle(5)
    async with httpx.AsyncClient(timeout=30) as http:
        funnel = (await http.get(f"{REPORTING}/v1/reports/funnel")).json()
        sales = (await http.get(f"{REPORTING}/v1/reports/sales")).json()
        receivables = (
            await http.get(
                f"{REPORTING}/v1/reports/receivables", params={"as_of": clock.now().isoformat()}
            )
        ).json()
    lines = [
        f"demo: sent {stats['leads_sent']} leads ({stats['duplicates_sent']} duplicates by phone), "
        f"{stats['refused_moves']} stage moves refused by a gate, {stats['invoices']} invoices",
        "funnel: " + ", ".join(f"{s['step']} {s['count']}" for s in funnel["steps"]),
        f"sales: won {sales['won_count']} for {sales['won_sum']}, "
        f"lost {sales['lost_count']} {sales['lost_reasons']}",
        f"receivables: invoiced {receivables['invoiced']}, paid {receivables['paid']}, "
        f"outstanding {receivables['outstanding']}",
        f"dashboard: {REPORTING}/dashboard   (services' clock: {clock.now():%Y-%m-%d %H:%M} UTC)",
    ]
    print("\n".join(lines))  # noqa: T201 - the demo's report


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--leads", type=int, default=1000)
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    asyncio.run(main(args.leads, args.days, args.seed))
