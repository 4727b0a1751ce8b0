"""Sales plans per manager and team, and plan against fact: % done, run rate, projection.

A plan names a period (a calendar month `2026-03` or quarter `2026-Q1`, local days in the
reporting time zone) and a subject (`manager:<id>` or `team:<id>`), and sets targets for won
revenue (per currency, never converted), deals won, new clients, calls and meetings. Every
change keeps the versions before it; the newest is the plan.

Run rate is per *calendar* day: the fact so far divided by the days of the period elapsed,
today counted as elapsed. The projection is the fact × period days ÷ elapsed days (the run
rate over the whole period), computed exactly and then rounded. Calendar days rather than
business days because no production calendar (Russian holidays, moved working Saturdays) is
kept, and a weekday count without holidays would be wrong every January and May.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from reporting.domain.facts import MONEY_QUANTUM, Period, StageKind, amount_text
from reporting.domain.sales import DealRecord, DealView, closed_within, deal_views
from shared.kernel.zones import local_date

MEASURES = ("deals_won", "new_clients", "calls", "meetings")
"""The counted measures of a plan (won revenue, per currency, is the money one)."""

_PERIOD = re.compile(r"^(?P<year>\d{4})-(?:(?P<month>0[1-9]|1[0-2])|Q(?P<quarter>[1-4]))$")
_SUBJECT = re.compile(r"^(?P<kind>manager|team):(?P<id>[A-Za-z0-9][A-Za-z0-9._@:-]{0,127})$")
PERIOD_PATTERN = _PERIOD.pattern
SUBJECT_PATTERN = _SUBJECT.pattern


@dataclass(frozen=True, slots=True)
class PlanPeriod:
    """A month or a quarter by its label; its local days are `[start, end)`."""

    label: str
    start: date
    end: date

    @classmethod
    def parse(cls, label: str) -> PlanPeriod:
        """`2026-03` (a month) or `2026-Q1` (a quarter); ValueError for anything else."""
        found = _PERIOD.match(label)
        if found is None:
            raise ValueError("a period is a month (2026-03) or a quarter (2026-Q1)")
        year = int(found["year"])
        first = int(found["month"]) if found["month"] else 3 * int(found["quarter"]) - 2
        months = 1 if found["month"] else 3
        after = first + months
        end = date(year + 1, 1, 1) if after > 12 else date(year, after, 1)
        return cls(label, date(year, first, 1), end)

    @property
    def days(self) -> int:
        """How many calendar days the period has."""
        return (self.end - self.start).days

    def local(self, time_zone: str) -> Period:
        """The period as the reports read it."""
        return Period(self.start, self.end, time_zone)

    def elapsed_days(self, today: date) -> int:
        """Days of the period up to and including `today` (0 before it, all of them after)."""
        if today < self.start:
            return 0
        return min((today - self.start).days + 1, self.days)

    def closed(self, today: date) -> bool:
        """Whether the period is over on `today` (its last day has passed)."""
        return self.end <= today


@dataclass(frozen=True, slots=True)
class Subject:
    """Whose plan: one manager, or a team (the managers the directory has in it)."""

    kind: str
    id: str

    @classmethod
    def parse(cls, text: str) -> Subject:
        """`manager:<id>` or `team:<id>`; ValueError for anything else."""
        found = _SUBJECT.match(text)
        if found is None:
            raise ValueError("a subject is manager:<id> or team:<id>")
        return cls(found["kind"], found["id"])

    def __str__(self) -> str:
        return f"{self.kind}:{self.id}"


@dataclass(frozen=True, slots=True)
class Targets:
    """What a plan asks for; a measure left None has no target."""

    won_revenue: Mapping[str, Decimal] = field(default_factory=dict)
    deals_won: int | None = None
    new_clients: int | None = None
    calls: int | None = None
    meetings: int | None = None

    def __post_init__(self) -> None:
        for currency, amount in self.won_revenue.items():
            if not isinstance(amount, Decimal) or not amount.is_finite() or amount < 0:
                raise ValueError(f"won revenue in {currency} must be a non-negative Decimal")
        for name in MEASURES:
            value = getattr(self, name)
            if value is not None and value < 0:
                raise ValueError(f"{name} must not be negative")

    def stored(self) -> dict[str, Any]:
        """As kept in a plan document: amounts as decimal strings."""
        counts = {name: getattr(self, name) for name in MEASURES}
        revenue = {c: amount_text(a) for c, a in sorted(self.won_revenue.items())}
        return {"won_revenue": revenue, **counts}

    @classmethod
    def from_stored(cls, stored: Mapping[str, Any]) -> Targets:
        """Read back from a plan document."""
        revenue = {c: Decimal(a) for c, a in (stored.get("won_revenue") or {}).items()}
        return cls(revenue, *(stored.get(name) for name in MEASURES))


@dataclass(frozen=True, slots=True)
class Achieved:
    """What a manager (or a team, summed) did in a period so far."""

    won_revenue: Mapping[str, Decimal] = field(default_factory=dict)
    deals_won: int = 0
    new_clients: int = 0
    calls: int = 0
    meetings: int = 0

    def plus(self, other: Achieved) -> Achieved:
        """The two summed (a team's figures from its managers')."""
        revenue = dict(self.won_revenue)
        for currency, amount in other.won_revenue.items():
            revenue[currency] = revenue.get(currency, Decimal(0)) + amount
        return Achieved(
            dict(sorted(revenue.items())),
            *(getattr(self, name) + getattr(other, name) for name in MEASURES),
        )


def summed(parts: Iterable[Achieved]) -> Achieved:
    """Every part added up."""
    total = Achieved()
    for part in parts:
        total = total.plus(part)
    return total


def _rounded(value: Decimal) -> Decimal:
    return value.quantize(MONEY_QUANTUM, rounding=ROUND_HALF_UP)


@dataclass(frozen=True, slots=True)
class Progress:
    """One measure against its target.

    `percent_done` is fact × 100 ÷ plan (None without a target or with a target of 0);
    `run_rate` is the fact per elapsed calendar day and `projected` the fact the period ends
    with at that rate (both None before the period starts). All rounded half-up to 2 places.
    """

    plan: Decimal | int | None
    fact: Decimal | int
    percent_done: Decimal | None
    run_rate: Decimal | None
    projected: Decimal | None


def progress(
    plan: Decimal | int | None, fact: Decimal | int, *, elapsed: int, days: int
) -> Progress:
    """A measure's progress after `elapsed` of the period's `days` calendar days."""
    done = Decimal(fact)
    percent = None if not plan else _rounded(done * 100 / Decimal(plan))
    if elapsed == 0:
        return Progress(plan, fact, percent, None, None)
    return Progress(plan, fact, percent, _rounded(done / elapsed), _rounded(done * days / elapsed))


@dataclass(frozen=True, slots=True)
class PlanVsFact:
    """A subject's plan (its newest version) against what was done so far."""

    subject: str
    plan_version: int
    won_revenue: Mapping[str, Progress]
    deals_won: Progress
    new_clients: Progress
    calls: Progress
    meetings: Progress


def plan_vs_fact(
    subject: str,
    version: int,
    targets: Targets,
    achieved: Achieved,
    *,
    elapsed: int,
    days: int,
) -> PlanVsFact:
    """Every measure of the plan against the fact; a currency planned or earned has a row."""
    currencies = sorted(set(targets.won_revenue) | set(achieved.won_revenue))
    revenue = {
        c: progress(
            targets.won_revenue.get(c),
            achieved.won_revenue.get(c, Decimal(0)),
            elapsed=elapsed,
            days=days,
        )
        for c in currencies
    }
    counted = {
        name: progress(getattr(targets, name), getattr(achieved, name), elapsed=elapsed, days=days)
        for name in MEASURES
    }
    return PlanVsFact(subject, version, revenue, **counted)


@dataclass(frozen=True, slots=True)
class Standing:
    """A manager's place against their plan (in the board's currency)."""

    manager_id: str
    revenue_plan: Decimal | None
    revenue_fact: Decimal
    revenue_percent: Decimal | None
    deals_won_percent: Decimal | None
    projected_revenue: Decimal | None


def standings(rows: Iterable[PlanVsFact], currency: str) -> tuple[Standing, ...]:
    """Managers' plans by % of revenue done, then % of deals won, both descending, then id.

    A manager without a revenue target in `currency` ranks after those with one.
    """
    board = []
    for row in rows:
        kind, _, manager = row.subject.partition(":")
        if kind != "manager":
            continue
        money = row.won_revenue.get(currency)
        fact = money.fact if money is not None else Decimal(0)
        board.append(
            Standing(
                manager_id=manager,
                revenue_plan=None if money is None else _decimal_or_none(money.plan),
                revenue_fact=Decimal(fact),
                revenue_percent=None if money is None else money.percent_done,
                deals_won_percent=row.deals_won.percent_done,
                projected_revenue=None if money is None else money.projected,
            )
        )

    def rank(s: Standing) -> tuple[int, Decimal, int, Decimal, str]:
        revenue, deals = s.revenue_percent, s.deals_won_percent
        return (
            revenue is None,
            -(revenue or Decimal(0)),
            deals is None,
            -(deals or Decimal(0)),
            s.manager_id,
        )

    return tuple(sorted(board, key=rank))


def _decimal_or_none(value: Decimal | int | None) -> Decimal | None:
    return None if value is None else Decimal(value)


def first_purchases(deals: Mapping[str, DealRecord], as_of: datetime | None) -> dict[str, DealView]:
    """Each client's first won deal (by the instant it was won; a tie: the smaller deal id).

    The deals given must hold every deal of the clients asked about, or a client's earlier
    purchase is missed and it counts as new again.
    """
    first: dict[str, tuple[datetime, str, DealView]] = {}
    for view in deal_views(deals, as_of):
        if view.kind is not StageKind.WON or view.client_id is None or view.closed_at is None:
            continue
        candidate = (view.closed_at, view.deal_id, view)
        held = first.get(view.client_id)
        if held is None or candidate[:2] < held[:2]:
            first[view.client_id] = candidate
    return {client: held[2] for client, held in sorted(first.items())}


def buyers_in(deals: Mapping[str, DealRecord], period: Period) -> set[str]:
    """Clients with a deal won in the period (the candidates for new clients)."""
    return {
        view.client_id
        for view in deal_views(deals)
        if view.is_won and view.client_id is not None and closed_within(view, period)
    }


def new_clients_by_manager(
    deals: Mapping[str, DealRecord], period: Period, as_of: datetime | None = None
) -> dict[str, int]:
    """New clients per manager: clients whose first won deal ever was won in the period.

    The client is credited to the manager holding that first deal (as of `as_of`).
    """
    counts: dict[str, int] = {}
    for view in first_purchases(deals, as_of).values():
        if closed_within(view, period):
            counts[view.manager_id] = counts.get(view.manager_id, 0) + 1
    return dict(sorted(counts.items()))


def today_in(now: datetime, time_zone: str) -> date:
    """The local day of `now` that elapsed days count up to."""
    return local_date(now, time_zone)


@dataclass(frozen=True, slots=True)
class PlanVersion:
    """One version of a plan: its targets, when and by whom it was set.

    `correction` marks a change made after the period had closed (it needs to be asked for).
    Versions are numbered from 1 in the order they were stored.
    """

    version: int
    targets: Targets
    set_at: datetime
    set_by: str
    correction: bool = False
