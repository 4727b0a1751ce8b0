"""A random but seeded world of facts, and filter combinations, to compare selected with whole."""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from reporting.domain.facts import (
    ActivityKind,
    ActivityLogged,
    ClaimRecorded,
    DealReassigned,
    DealStageChanged,
    Fact,
    InvoiceIssued,
    LeadAssigned,
    LeadContacted,
    LeadConverted,
    LeadDisqualified,
    LeadQualified,
    LeadSlaBreached,
    PaymentReceived,
    Period,
    PlannedInstallment,
    StageKind,
    TaskDone,
    TaskOverdue,
)
from reporting.domain.read_models import KINDS
from reporting.service_layer.folding import entity_of, merge
from reporting.service_layer.queries import Filters

START = datetime(2026, 2, 1, tzinfo=UTC)
DAYS = 90
MANAGERS = ("m1", "m2", "m3")
TEAMS = ("north", "south")
CHANNELS = ("phone", "web_form", "email")
CLIENTS = ("c1", "c2", "c3", "c4")
CURRENCIES = ("RUB", "USD")
OBJECTIONS = ("price", "timing", None)


def _instant(rng: random.Random, after: datetime | None = None) -> datetime:
    """Any microsecond in the window (or up to 20 days after `after`), often near midnight."""
    base = after or START
    span = timedelta(days=20) if after else timedelta(days=DAYS)
    at = base + timedelta(microseconds=rng.randrange(int(span.total_seconds() * 1_000_000)))
    if rng.random() < 0.2:  # Moscow midnight is 21:00 UTC: the edge of a local day
        at = at.replace(hour=20, minute=59, second=59) + timedelta(microseconds=rng.randrange(2000))
    return at


def _lead(rng: random.Random, number: int) -> Iterator[Fact]:
    lead = f"L{number}"
    received = _instant(rng)
    owner = rng.choice([*MANAGERS, None])
    if rng.random() < 0.9:
        yield LeadAssigned(
            lead, rng.choice(CHANNELS), "web", owner, rng.choice(TEAMS), received, received
        )
    contact = rng.choice(MANAGERS)
    if rng.random() < 0.7:
        at = _instant(rng, received)
        seconds = int((at - received).total_seconds())
        yield LeadContacted(lead, contact, at, seconds, rng.random() < 0.5)
    if rng.random() < 0.3:
        yield LeadSlaBreached(lead, owner, _instant(rng, received))
    if rng.random() < 0.5:
        yield LeadQualified(lead, _instant(rng, received))
    if rng.random() < 0.3:
        yield LeadConverted(
            lead, rng.choice(MANAGERS), rng.choice(CHANNELS), _instant(rng, received)
        )
    elif rng.random() < 0.2:
        yield LeadDisqualified(lead, rng.choice(["spam", "budget"]), _instant(rng, received))
    for n in range(rng.randrange(3)):
        kind = rng.choice(list(ActivityKind))
        yield ActivityLogged(f"A{number}-{n}", lead, contact, kind, _instant(rng, received))


def _deal(rng: random.Random, number: int, leads: int) -> Iterator[Fact]:
    deal = f"D{number}"
    lead = f"L{rng.randrange(leads)}" if rng.random() < 0.7 else None
    at = _instant(rng)
    amount = Decimal(rng.randrange(1, 500)) * 1000
    currency, client = rng.choice(CURRENCIES), rng.choice([*CLIENTS, None])
    stages = [("qualification", StageKind.OPEN, "0.2")]
    stages += rng.choice(
        [
            [],
            [("won", StageKind.WON, "1")],
            [("lost", StageKind.LOST, "0")],
            [("won", StageKind.WON, "1"), ("reopened", StageKind.OPEN, "0.5")],
        ]
    )
    previous, opened = None, at
    for stage, kind, probability in stages:
        yield DealStageChanged(
            deal,
            "main",
            previous,
            stage,
            kind,
            at,
            amount,
            currency,
            client,
            rng.choice(MANAGERS),
            lead,
            rng.choice([*CHANNELS, None]),
            "price" if kind is StageKind.LOST else None,
            Decimal(probability),
        )
        previous, at = stage, _instant(rng, at)
    handing = random.Random(f"{number}-hand-over")  # its own draws: the rest stays as it was
    if handing.random() < 0.3:  # a hand-over, maybe between stage changes, maybe after them
        yield DealReassigned(deal, handing.choice(MANAGERS), _instant(handing, opened))
    for n in range(rng.randrange(3)):  # activities the deals service recorded, some late
        kind = rng.choice(list(ActivityKind))
        yield ActivityLogged(
            f"DA{number}-{n}",
            None,
            rng.choice(MANAGERS),
            kind,
            _instant(rng, at),
            deal if rng.random() < 0.7 else None,
            client,
            rng.choice(OBJECTIONS),
        )
    if client is not None and rng.random() < 0.6:
        yield from _invoice(rng, number, deal, client, at)
    if client is not None and rng.random() < 0.2:
        yield ClaimRecorded(
            f"C{number}", client, deal, rng.choice(["late", "quality"]), _instant(rng, at)
        )


def _invoice(
    rng: random.Random, number: int, deal: str, client: str, at: datetime
) -> Iterator[Fact]:
    invoice, currency = f"I{number}", rng.choice(CURRENCIES)
    due = at.date() + timedelta(days=rng.randrange(1, 30))
    plan = (
        PlannedInstallment(f"I{number}-1", due, Decimal("600.00")),
        PlannedInstallment(f"I{number}-2", due + timedelta(days=30), Decimal("400.00")),
    )
    yield InvoiceIssued(
        invoice, deal, client, rng.choice(MANAGERS), at, Decimal("1000.00"), currency, plan
    )
    for n in range(rng.randrange(3)):
        yield PaymentReceived(
            f"P{number}-{n}",
            invoice,
            client,
            Decimal(rng.choice(["300.00", "600.00"])),
            currency,
            _instant(rng, at),
            rng.choice([None, f"I{number}-1"]),
        )


def _task(rng: random.Random, number: int) -> Iterator[Fact]:
    """A task that may go overdue on one or two managers (reassigned) and may be done."""
    task, owners = f"T{number}", rng.sample(MANAGERS, 2)
    at = _instant(rng)
    for owner in owners[: rng.randrange(3)]:
        yield TaskOverdue(task, owner, at)
        at = _instant(rng, at)
    if rng.random() < 0.6:
        yield TaskDone(task, rng.choice(owners), at)


def world(seed: int, *, leads: int = 120, deals: int = 60) -> list[Fact]:
    """Leads with their facts and activities, deals (some from those leads) with theirs,
    invoices, claims and tasks."""
    rng = random.Random(seed)
    facts = [fact for number in range(leads) for fact in _lead(rng, number)]
    facts += [fact for number in range(deals) for fact in _deal(rng, number, leads)]
    facts += [fact for number in range(deals) for fact in _task(rng, number)]
    rng.shuffle(facts)
    return facts


def filter_sets(seed: int, count: int) -> Iterator[Filters]:
    """Filter combinations: open and bounded periods, past instants, every dimension."""
    rng = random.Random(seed)
    for _ in range(count):
        start = START.date() + timedelta(days=rng.randrange(-5, DAYS))
        end = start + timedelta(days=rng.choice([1, 7, 30]))
        period = rng.choice([None, Period(start, end), Period(start, None), Period(None, end)])
        yield Filters(
            period=period,
            as_of=rng.choice([None, None, _instant(rng)]),
            manager_id=rng.choice([None, *MANAGERS]),
            team=rng.choice([None, None, *TEAMS]),
            channel=rng.choice([None, None, *CHANNELS]),
            currency=rng.choice([None, *CURRENCIES]),
            client_id=rng.choice([None, None, *CLIENTS]),
        )


BOUNDED = Filters(period=Period(date(2026, 3, 1), date(2026, 4, 1)))
"""March 2026: a bounded period for the reports that need one."""


def fold_all(facts: list[Fact]) -> dict[str, dict[str, Any]]:
    """Every kind of record folded from scratch in one go: what a rebuild must equal."""
    by_kind: dict[str, list[Fact]] = {kind: [] for kind in KINDS}
    for fact in facts:
        target = entity_of(fact)
        if target is not None:
            by_kind[target[0]].append(fact)
    return {kind: merge(kind, {}, kind_facts) for kind, kind_facts in by_kind.items()}
