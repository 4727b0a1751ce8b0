"""The check after a run: the whole history on the topics, the doors and the mailbox, against the
workload's ledger. Findings are sorted into lost (something accepted left no trace), doubled
(one fact counted or sent twice) and wrong (anything else the rules forbid)."""

from __future__ import annotations

import contextlib
import json
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from email.utils import parsedate_to_datetime
from typing import Any
from zoneinfo import ZoneInfo

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from fault_workload import CLIENT_EMAIL, DEAL_AMOUNT, RUB, TRUSTED, Doors, Ledger
from pymongo import AsyncMongoClient

from shared.contracts.topics import TOPIC_SPECS, dead_letter_topic
from shared.testing.kafka import wait_until
from shared.testing.servers import Mailbox

MAX_PER_DAY = 3
MAX_PER_WEEK = 6
"""Notification caps per recipient (the service's defaults)."""
DEALS_SOURCE = "urn:voronka:deals"
PARTITIONS = {spec.name: spec.partitions for spec in TOPIC_SPECS}
QUIET_WITHIN = 180
"""Seconds the check waits for every consumer and outbox to catch up before judging. After a
database stall one notifications replica took up to ~100 s to recover its connection pool
(slow, not lossy); the run's timeline shows how long it took."""


@dataclass
class Record:
    """One message as the checker reads it back."""

    topic: str
    key: str | None
    value: Any
    event_id: str | None
    source: str | None
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Findings:
    lost: list[str] = field(default_factory=list)
    doubled: list[str] = field(default_factory=list)
    wrong: list[str] = field(default_factory=list)

    @property
    def clean(self) -> bool:
        return not (self.lost or self.doubled or self.wrong)


async def read_history(bootstrap: str, prefix: str, topics: Iterable[str]) -> list[Record]:
    """Every message of `topics` from the first offset to the end as it is now."""
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    await consumer.start()
    records: list[Record] = []
    try:
        partitions = [
            TopicPartition(prefix + topic, p) for topic in topics for p in range(PARTITIONS[topic])
        ]
        consumer.assign(partitions)
        await consumer.seek_to_beginning(*partitions)
        ends = await consumer.end_offsets(partitions)
        remaining = {tp for tp, end in ends.items() if end > 0}
        while remaining:
            batch = await consumer.getmany(*remaining, timeout_ms=1000)
            for tp, messages in batch.items():
                for message in messages:
                    headers = {k: v.decode() for k, v in message.headers or ()}
                    try:
                        value = json.loads(message.value or b"")
                    except ValueError:
                        value = None
                    records.append(
                        Record(
                            tp.topic.removeprefix(prefix),
                            message.key.decode() if message.key else None,
                            value,
                            headers.get("ce_id"),
                            headers.get("ce_source"),
                            headers,
                        )
                    )
                    if message.offset + 1 >= ends[tp]:
                        remaining.discard(tp)
    finally:
        await consumer.stop()
    return records


class Looks:
    """The clients one check looks through: opened once, not on every one-second look."""

    def __init__(self, bootstrap: str, prefix: str, mongodb_url: str, databases: list[str]):
        self.prefix = prefix
        self.databases = databases
        self.admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
        self.consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
        self.mongo: AsyncMongoClient[Any] = AsyncMongoClient(mongodb_url, timeoutMS=20000)

    async def __aenter__(self) -> Looks:
        await self.admin.start()
        await self.consumer.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.consumer.stop()
        await self.admin.close()
        await self.mongo.close()

    async def offsets(self) -> tuple[dict[tuple[str, int], int], dict[tuple[str, int], int]]:
        """End offsets of this run's topics, and every offset this run's groups committed."""
        partitions = [
            TopicPartition(self.prefix + name, p)
            for name, count in PARTITIONS.items()
            for p in range(count)
        ]
        ends = {
            (tp.topic, tp.partition): end
            for tp, end in (await self.consumer.end_offsets(partitions)).items()
        }
        committed: dict[tuple[str, int], int] = {}
        for group, *_ in await self.admin.list_consumer_groups():
            if not group.startswith(self.prefix):
                continue
            for tp, meta in (await self.admin.list_consumer_group_offsets(group)).items():
                key = (tp.topic, tp.partition)
                committed[key] = min(committed.get(key, meta.offset), meta.offset)
        return ends, committed

    async def pending_outboxes(self) -> list[str]:
        """Collections of this run's databases whose documents still hold or parked events."""
        left = []
        for name in self.databases:
            db = self.mongo[name]
            for collection in await db.list_collection_names():
                pending = await db[collection].count_documents({"_outbox_pending": True})
                parked = await db[collection].count_documents(
                    {"_outbox_parked.0": {"$exists": True}}
                )
                if pending or parked:
                    left.append(f"{name}.{collection}: {pending} pending, {parked} parked")
        return left


def distinct_events(records: list[Record], topic: str, by: str) -> dict[str, set[str]]:
    """Per value of the payload field `by`: the distinct event ids published about it."""
    seen: dict[str, set[str]] = defaultdict(set)
    for record in records:
        if record.topic == topic and isinstance(record.value, dict) and record.event_id:
            seen[str(record.value.get(by))].add(record.event_id)
    return seen


@dataclass
class Checker:
    """Reads everything back once the run is quiet and lists what breaks the promises."""

    doors: Doors
    ledger: Ledger
    mailbox: Mailbox
    bootstrap: str
    prefix: str
    mongodb_url: str
    databases: list[str]
    findings: Findings = field(default_factory=Findings)
    last_look: Any = None

    async def settle(self, looks: Looks) -> None:
        """Wait for what must eventually hold; a timeout is itself a finding, checked below."""
        for lead_id in self.ledger.called_first:
            with contextlib.suppress(AssertionError):
                await wait_until(lambda i=lead_id: self._has_call(i), timeout=90, interval=0.3)
        with contextlib.suppress(AssertionError):
            await wait_until(lambda: self._quiet(looks), timeout=QUIET_WITHIN, interval=1.0)

    async def _quiet(self, looks: Looks) -> bool:
        """True when every group has read every message, no outbox holds an event, and nothing
        moved since the previous look (a consumer may still be retrying a message)."""
        snapshot = (await looks.offsets(), await looks.pending_outboxes())
        (ends, committed), pending = snapshot
        previous, self.last_look = self.last_look, snapshot
        caught_up = all(ends.get(tp, 0) == offset for tp, offset in committed.items())
        return caught_up and not pending and snapshot == previous

    async def _has_call(self, lead_id: str) -> bool:
        lead = await self.doors.get("leads", f"/v1/leads/{lead_id}")
        ids = {a.get("activity_id") or a.get("id") for a in lead["activities"]}
        return self.ledger.called_first[lead_id] in ids

    async def check(self) -> Findings:
        async with Looks(self.bootstrap, self.prefix, self.mongodb_url, self.databases) as looks:
            await self.settle(looks)
            left_pending = await looks.pending_outboxes()
        history = await read_history(self.bootstrap, self.prefix, HISTORY_TOPICS)
        await self.leads(history)
        self.breaches(history)
        await self.reminders(history)
        self.dead_letters(history)
        await self.money()
        for left in left_pending:
            self.findings.lost.append(f"outbox not drained: {left}")
        return self.findings

    async def leads(self, history: list[Record]) -> None:
        found = self.findings
        page = await self.doors.get("leads", "/v1/leads", limit=200)
        listed = Counter(item["id"] for item in page["items"])
        if page["total"] != len(self.ledger.leads):
            found.wrong.append(f"{page['total']} leads listed, {len(self.ledger.leads)} accepted")
        for lead_id in self.ledger.leads:
            if listed[lead_id] == 0:
                found.lost.append(f"lead {lead_id} accepted, not stored")
            elif listed[lead_id] > 1:
                found.doubled.append(f"lead {lead_id} listed {listed[lead_id]} times")
        assigned = distinct_events(history, "lead.assigned", "lead_id")
        for lead_id in self.ledger.leads:
            count = len(assigned.get(lead_id, ()))
            if count == 0:
                found.lost.append(f"lead {lead_id} never assigned")
            elif count > 1:
                found.doubled.append(f"lead {lead_id} assigned {count} times")
        for lead_id, activity in self.ledger.called_first.items():
            if not await self._has_call(lead_id):
                found.lost.append(f"call {activity} before lead {lead_id} not on the lead")

    def breaches(self, history: list[Record]) -> None:
        per_deadline: dict[tuple[str, str], set[str]] = defaultdict(set)
        for record in history:
            if record.topic == "lead.sla_breached" and isinstance(record.value, dict):
                key = (str(record.value["lead_id"]), str(record.value["deadline"]))
                per_deadline[key].add(str(record.event_id))
        for (lead_id, deadline), ids in per_deadline.items():
            if len(ids) > 1:
                self.findings.doubled.append(f"{lead_id} breached {len(ids)}× for {deadline}")
        breached = {lead for lead, _ in per_deadline}
        for lead_id in self.ledger.leads:
            if lead_id in self.ledger.contacted or lead_id in self.ledger.called_first:
                continue
            if lead_id not in breached:
                self.findings.lost.append(f"uncontacted lead {lead_id} never breached")

    async def reminders(self, history: list[Record]) -> None:
        found = self.findings
        due = distinct_events(history, "payment.due", "reminder_id")
        for reminder_id, ids in due.items():
            if len(ids) > 1:
                found.doubled.append(f"reminder {reminder_id} published {len(ids)} times")
        for reminder_id in self.unpaid_installment_reminders():
            if reminder_id not in due:
                found.lost.append(f"unpaid installment never reminded: {reminder_id}")
        client = self.ledger.client_id
        if client is None:
            return
        page = await self.doors.get(
            "notifications", "/v1/deliveries", recipient_id=client, limit=200
        )
        deliveries = Counter((item["source_id"], item["channel"]) for item in page["items"])
        for reminder_id in due:
            if not any(source == reminder_id for source, _ in deliveries):
                found.lost.append(f"reminder {reminder_id} has no delivery")
        for (source, channel), count in deliveries.items():
            if count > 1:
                found.doubled.append(f"{count} deliveries of {source} by {channel}")
        mails = self.mailbox.to(CLIENT_EMAIL)
        by_id = Counter(str(mail["Message-ID"]) for mail in mails)
        for message_id, count in by_id.items():
            if count > 1:
                found.doubled.append(f"mail {message_id} sent {count} times")
        moscow = ZoneInfo("Europe/Moscow")
        per_day = Counter(
            parsedate_to_datetime(str(mail["Date"])).astimezone(moscow).date() for mail in mails
        )
        for day, count in per_day.items():
            if count > MAX_PER_DAY:
                found.wrong.append(f"{count} mails to the client on {day} (cap {MAX_PER_DAY})")
        if len(mails) > MAX_PER_WEEK:
            found.wrong.append(f"{len(mails)} mails to the client in a week (cap {MAX_PER_WEEK})")

    def unpaid_installment_reminders(self) -> list[str]:
        """The on-issue reminder ids of installments no payment covered (three equal ones)."""
        ids = []
        for invoice_id in self.ledger.deals.values():
            paid = self.ledger.paid.get(invoice_id, Decimal(0))
            for n in (1, 2, 3):
                if paid < DEAL_AMOUNT * n / 3 - Decimal("0.01"):
                    ids.append(f"{invoice_id}/{n}:on_issue")
        return ids

    def dead_letters(self, history: list[Record]) -> None:
        """Each consumer dead-letters each poison message it reads, once; nothing else lands."""
        for topic in DEAD_LETTERED:
            landed: set[tuple[str, str | None, str | None]] = set()
            for record in history:
                if record.topic == dead_letter_topic(topic):
                    group = record.headers.get("dlq_consumer_group", "")
                    consumer = (
                        group.removeprefix(self.prefix).removeprefix("voronka-").split(".")[0]
                    )
                    partition = record.headers.get("dlq_origin_partition")
                    landed.add((consumer, partition, record.headers.get("dlq_origin_offset")))
            per_consumer = Counter(consumer for consumer, _, _ in landed)
            for consumer in CONSUMERS[topic]:
                expected = self.ledger.poison.get(topic, 0)
                if consumer == "deals" and topic == "payment.received":
                    expected += self.ledger.forged
                got = per_consumer.get(consumer, 0)
                if got < expected:
                    self.findings.lost.append(
                        f"{expected - got} poison of {topic} not dead-lettered by {consumer}"
                    )
                elif got > expected:
                    self.findings.wrong.append(
                        f"{got - expected} good messages of {topic} dead-lettered by {consumer}"
                    )

    async def money(self) -> None:
        for deal_id, invoice_id in self.ledger.deals.items():
            invoice = await self.doors.get("deals", f"/v1/invoices/{invoice_id}")
            paid = sum(
                (Decimal(str(p["amount"]["amount"])) for p in invoice["payments"]), Decimal(0)
            )
            expected = self.ledger.paid.get(invoice_id, Decimal(0))
            if paid > expected:
                self.findings.doubled.append(
                    f"{invoice_id} of {deal_id} paid {paid}, not {expected}"
                )
            elif paid < expected:
                self.findings.lost.append(f"{invoice_id} of {deal_id} paid {paid}, not {expected}")


CONSUMERS = {
    "lead.received": ("leads",),
    "lead.activity_logged": ("leads", "reporting"),
    "payment.received": ("deals", "reporting"),
}
"""The services that read each topic the workload sends poison to."""
DEAD_LETTERED = tuple(CONSUMERS)

HISTORY_TOPICS = (
    "lead.assigned",
    "lead.sla_breached",
    "lead.converted",
    "deal.stage_changed",
    "invoice.issued",
    "payment.received",
    "payment.due",
    *(dead_letter_topic(t) for t in ("lead.received", "lead.activity_logged", "payment.received")),
)


REPORT_TOPICS = (
    "lead.assigned",
    "lead.sla_breached",
    "deal.stage_changed",
    "invoice.issued",
    "payment.received",
)


def reference_figures(history: list[Record]) -> dict[str, Any]:
    """Report figures folded here from the topics: what the reporting service must show."""
    events = [r for r in history if isinstance(r.value, dict)]
    leads = {str(r.value["lead_id"]) for r in events if r.topic == "lead.assigned"}
    won = {
        str(r.value["deal_id"])
        for r in events
        if r.topic == "deal.stage_changed" and r.value.get("to_stage") == "won"
    }
    invoices = {
        str(r.value["invoice_id"]): Decimal(str(r.value["total"]["amount"]))
        for r in events
        if r.topic == "invoice.issued"
    }
    payments = {
        str(r.value["payment_id"]): Decimal(str(r.value["amount"]["amount"]))
        for r in events
        if r.topic == "payment.received" and r.source in (TRUSTED, DEALS_SOURCE)
    }
    breached: dict[str, set[str]] = defaultdict(set)
    for r in events:
        if r.topic == "lead.sla_breached" and r.value.get("manager_id"):
            breached[str(r.value["manager_id"])].add(str(r.value["lead_id"]))
    return {
        "received": len(leads),
        "won": len(won),
        "invoiced": {RUB: f"{sum(invoices.values(), Decimal(0)):.2f}"},
        "paid": {RUB: f"{sum(payments.values(), Decimal(0)):.2f}"},
        "breached": {manager: len(ids) for manager, ids in sorted(breached.items())},
    }
