"""The weighted forecast: open deals by the day they are expected to close.

Definitions (ADR 0035):
- a deal counts when it is open at the report instant and its latest expected close date
  (`DealView.expected_close_on`) is one of the period's days; a deal without one is left out;
- weighted amount = amount × the probability of the stage it stands in (the event's
  `stage_probability`; a stage without one weighs 0);
- **commit**: the weighted amounts of deals whose probability is at least 0.7;
  **pipeline**: the weighted amounts of the others; **best**: the plain (unweighted) amounts
  of every deal counted; `weighted` = commit + pipeline;
- every sum is per currency, never converted; weighted sums are summed exactly and rounded
  half-up to 2 places once, at the end (so commit + pipeline may differ from weighted by a
  cent); best sums are exact.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from reporting.domain.facts import Period, StageKind, add_amount, money
from reporting.domain.sales import DealRecord, DealView, deal_views

COMMIT_PROBABILITY = Decimal("0.7")
"""A deal at this stage probability or above is committed."""


@dataclass(slots=True)
class _Sums:
    deals: int = 0
    commit_deals: int = 0
    best: dict[str, Decimal] = field(default_factory=dict)
    commit: dict[str, Decimal] = field(default_factory=dict)
    pipeline: dict[str, Decimal] = field(default_factory=dict)

    def add(self, view: DealView) -> None:
        probability = view.probability or Decimal(0)
        weighted = view.amount * probability
        self.deals += 1
        add_amount(self.best, view.currency, view.amount)
        if probability >= COMMIT_PROBABILITY:
            self.commit_deals += 1
            add_amount(self.commit, view.currency, weighted)
        else:
            add_amount(self.pipeline, view.currency, weighted)

    def figures(self) -> ForecastFigures:
        weighted: dict[str, Decimal] = {}
        for sums in (self.commit, self.pipeline):
            for currency, amount in sums.items():
                add_amount(weighted, currency, amount)
        return ForecastFigures(
            deals=self.deals,
            commit_deals=self.commit_deals,
            pipeline_deals=self.deals - self.commit_deals,
            best=dict(sorted(self.best.items())),
            commit={c: money(v) for c, v in sorted(self.commit.items())},
            pipeline={c: money(v) for c, v in sorted(self.pipeline.items())},
            weighted={c: money(v) for c, v in sorted(weighted.items())},
        )


@dataclass(frozen=True, slots=True)
class ForecastFigures:
    """The forecast of some deals: counts, and sums per currency (see the module)."""

    deals: int
    commit_deals: int
    pipeline_deals: int
    best: Mapping[str, Decimal]
    commit: Mapping[str, Decimal]
    pipeline: Mapping[str, Decimal]
    weighted: Mapping[str, Decimal]


@dataclass(frozen=True, slots=True)
class ForecastReport:
    """The forecast per manager (the deal's manager now), in id order, and over them all."""

    managers: Mapping[str, ForecastFigures]
    total: ForecastFigures


def forecast_of(views: Iterable[DealView]) -> ForecastReport:
    """The forecast of the given deals, already chosen (open, closing in the period)."""
    total = _Sums()
    by_manager: dict[str, _Sums] = {}
    for view in views:
        total.add(view)
        by_manager.setdefault(view.manager_id, _Sums()).add(view)
    return ForecastReport(
        managers={m: sums.figures() for m, sums in sorted(by_manager.items())},
        total=total.figures(),
    )


def closes_within(view: DealView, period: Period | None) -> bool:
    """Whether the deal is open and expected to close on a day of the period (any day: None)."""
    if view.kind is not StageKind.OPEN or view.expected_close_on is None:
        return False
    return period is None or period.contains_day(view.expected_close_on)


def report_forecast(
    deals: Mapping[str, DealRecord],
    *,
    period: Period | None = None,
    as_of: datetime | None = None,
    manager_id: str | None = None,
    currency: str | None = None,
) -> ForecastReport:
    """The forecast of the deals open at `as_of` (None: now) expected to close in `period`."""
    return forecast_of(
        view
        for view in deal_views(deals, as_of)
        if closes_within(view, period)
        and (manager_id is None or view.manager_id == manager_id)
        and (currency is None or view.currency == currency)
    )
