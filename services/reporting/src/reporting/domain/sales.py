"""Sales projection: per-deal stage history; won, lost, time to close, the weighted pipeline."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import NamedTuple, NotRequired, TypedDict

from reporting.domain.facts import (
    DealLine,
    DealReassigned,
    DealStageChanged,
    Fact,
    Period,
    StageKind,
    add_amount,
    amount_text,
    from_text,
    median,
    money,
    nearest_rank,
    not_after,
    ranked,
    to_text,
    with_entry,
    within,
)

UNSPECIFIED_REASON = "unspecified"
UNKNOWN_CHANNEL = "unknown"
"""The channel of a deal neither its lead nor its own stage changes name."""
P90 = 90


class LineEntry(TypedDict):
    """One line of a deal as stored with a stage change: decimals as strings."""

    sku: str | None
    product: str
    quantity: str
    net: str
    currency: str


class StageEntry(TypedDict):
    """One stage change as stored: instants ISO UTC, decimals as strings.

    `expected_close_on` (ISO date) and `lines` are present only when the event carried
    them: an entry of an event sent before they existed stays byte for byte what it was, so
    the same event delivered again is recognised as the entry already stored.
    """

    at: str
    pipeline_id: str
    from_stage: str | None
    to_stage: str
    kind: str
    amount: str
    currency: str
    client_id: str | None
    manager_id: str
    lead_id: str | None
    channel: str | None
    lost_reason: str | None
    probability: str | None
    expected_close_on: NotRequired[str]
    lines: NotRequired[list[LineEntry]]


class OwnerEntry(TypedDict):
    """A hand-over of an open deal: who owns it from `at`."""

    at: str
    manager_id: str


class DealRecord(TypedDict):
    """Every stage change of one deal, and every hand-over it had, each in time order.

    `owners` is present only once the deal changed hands, so a record stored before
    hand-overs were folded stays what it was.
    """

    stages: list[StageEntry]
    owners: NotRequired[list[OwnerEntry]]


class SalesState(TypedDict):
    """Deal records by deal id."""

    deals: dict[str, DealRecord]


def record_stage_change(record: DealRecord | None, fact: DealStageChanged) -> DealRecord:
    """The deal record with the change added; the given record is left as it was."""
    entry = StageEntry(
        at=to_text(fact.changed_at),
        pipeline_id=fact.pipeline_id,
        from_stage=fact.from_stage,
        to_stage=fact.to_stage,
        kind=fact.to_stage_kind.value,
        amount=amount_text(fact.amount),
        currency=fact.currency,
        client_id=fact.client_id,
        manager_id=fact.manager_id,
        lead_id=fact.lead_id,
        channel=fact.channel,
        lost_reason=fact.lost_reason,
        probability=None if fact.stage_probability is None else amount_text(fact.stage_probability),
    )
    if fact.expected_close_on is not None:
        entry["expected_close_on"] = fact.expected_close_on.isoformat()
    if fact.lines is not None:
        entry["lines"] = [
            LineEntry(
                sku=line.sku,
                product=line.product,
                quantity=amount_text(line.quantity),
                net=amount_text(line.net),
                currency=line.currency,
            )
            for line in fact.lines
        ]
    updated = DealRecord(stages=with_entry(record["stages"] if record else [], entry))
    if record is not None and "owners" in record:
        updated["owners"] = record["owners"]
    return updated


def record_hand_over(record: DealRecord | None, fact: DealReassigned) -> DealRecord:
    """The deal record with the hand-over added; the given record is left as it was."""
    entry = OwnerEntry(at=to_text(fact.at), manager_id=fact.manager_id)
    owners = with_entry(record.get("owners", []) if record else [], entry)
    return DealRecord(stages=record["stages"] if record else [], owners=owners)


@dataclass(frozen=True, slots=True)
class DealView:
    """A deal as its stage changes up to some instant describe it.

    Stage and amount are those of the latest change, the manager too unless a later
    hand-over named another; client, lead, channel, the
    expected close date and the lines the latest ones given (a deal gets its client later;
    events sent before the deals service added dates and lines carry neither). `opened_at`
    is the first change known; `closed_at` is when the deal entered its current won/lost
    state (None while open).
    """

    deal_id: str
    pipeline_id: str
    stage: str
    kind: StageKind
    amount: Decimal
    currency: str
    manager_id: str
    client_id: str | None
    lead_id: str | None
    channel: str | None
    lost_reason: str | None
    probability: Decimal | None
    opened_at: datetime
    closed_at: datetime | None
    expected_close_on: date | None = None
    lines: tuple[DealLine, ...] | None = None

    @property
    def is_won(self) -> bool:
        """Whether the deal stands in a won stage."""
        return self.kind is StageKind.WON

    @property
    def is_lost(self) -> bool:
        """Whether the deal stands in a lost stage."""
        return self.kind is StageKind.LOST

    @property
    def time_to_close(self) -> timedelta | None:
        """From the first stage change to entering won or lost; None while open."""
        return None if self.closed_at is None else self.closed_at - self.opened_at


def _latest_given(entries: list[StageEntry], key: str) -> str | None:
    for entry in reversed(entries):
        value = entry.get(key)
        if isinstance(value, str):
            return value
    return None


def expected_close(entries: list[StageEntry]) -> date | None:
    """The latest expected close date the entries give (None: none gives one)."""
    given = _latest_given(entries, "expected_close_on")
    return None if given is None else date.fromisoformat(given)


def latest_lines(entries: list[StageEntry]) -> tuple[DealLine, ...] | None:
    """The lines of the latest entry that carries lines (None: none does)."""
    for entry in reversed(entries):
        if "lines" in entry:
            return tuple(
                DealLine(
                    line["sku"],
                    line["product"],
                    Decimal(line["quantity"]),
                    Decimal(line["net"]),
                    line["currency"],
                )
                for line in entry["lines"]
            )
    return None


def manager_as_of(record: DealRecord, last: StageEntry, as_of: datetime | None) -> str:
    """The latest stage change's manager, unless a later hand-over (by `as_of`) named another.

    A hand-over at the same instant as the stage change yields to it: the change's event
    already names the owner deals held at that instant.
    """
    changed = from_text(last["at"])
    handed = [
        entry
        for entry in record.get("owners", [])
        if changed < from_text(entry["at"]) and not_after(from_text(entry["at"]), as_of)
    ]
    return handed[-1]["manager_id"] if handed else last["manager_id"]


def deal_as_of(deal_id: str, record: DealRecord, as_of: datetime | None = None) -> DealView | None:
    """The deal as of `as_of` (inclusive; None: every change known); None if not yet opened.

    Changes at the same instant are ordered by their canonical JSON: arbitrary but stable.
    """
    entries = [e for e in record["stages"] if not_after(from_text(e["at"]), as_of)]
    if not entries:
        return None
    last = entries[-1]
    kind = StageKind(last["kind"])
    closed_at: datetime | None = None
    if kind is not StageKind.OPEN:
        # A move between two won stages does not re-close the deal: go back to where the
        # current run of `kind` began.
        start = len(entries) - 1
        while start > 0 and entries[start - 1]["kind"] == kind.value:
            start -= 1
        closed_at = from_text(entries[start]["at"])
    probability = last["probability"]
    return DealView(
        deal_id=deal_id,
        pipeline_id=last["pipeline_id"],
        stage=last["to_stage"],
        kind=kind,
        amount=Decimal(last["amount"]),
        currency=last["currency"],
        manager_id=manager_as_of(record, last, as_of),
        client_id=_latest_given(entries, "client_id"),
        lead_id=_latest_given(entries, "lead_id"),
        channel=_latest_given(entries, "channel"),
        lost_reason=last["lost_reason"] if kind is StageKind.LOST else None,
        probability=None if probability is None else Decimal(probability),
        opened_at=from_text(entries[0]["at"]),
        closed_at=closed_at,
        expected_close_on=expected_close(entries),
        lines=latest_lines(entries),
    )


def deal_views(deals: Mapping[str, DealRecord], as_of: datetime | None = None) -> list[DealView]:
    """Every deal opened by `as_of`, in deal id order."""
    views = (deal_as_of(deal_id, deals[deal_id], as_of) for deal_id in sorted(deals))
    return [view for view in views if view is not None]


def closed_within(view: DealView, period: Period | None) -> bool:
    """Whether the deal is closed and closed in the period (any time when None)."""
    return view.closed_at is not None and within(view.closed_at, period)


def lost_reason_label(view: DealView) -> str:
    """The lost reason as reports group it: trimmed, "unspecified" when missing."""
    return (view.lost_reason or "").strip() or UNSPECIFIED_REASON


def empty_state() -> SalesState:
    """A projection that has seen nothing."""
    return SalesState(deals={})


def fold(state: SalesState, facts: Iterable[Fact]) -> SalesState:
    """Apply facts in turn, ignoring all but stage changes and hand-overs; the given state is
    not changed.

    Order-tolerant: a deal keeps every stage change and hand-over it has seen as sets (sorted
    lists without duplicates), so its history does not depend on arrival order and a
    redelivered one is a no-op. Current stage, amount, manager, opening and closing are read
    from the history at query time (`deal_as_of`), as of any instant.
    """
    deals = dict(state["deals"])
    for fact in facts:
        if isinstance(fact, DealStageChanged):
            deals[fact.deal_id] = record_stage_change(deals.get(fact.deal_id), fact)
        elif isinstance(fact, DealReassigned):
            deals[fact.deal_id] = record_hand_over(deals.get(fact.deal_id), fact)
    return SalesState(deals=deals)


def apply(state: SalesState, fact: Fact) -> SalesState:
    """Apply one fact; the given state is not changed."""
    return fold(state, (fact,))


@dataclass(frozen=True, slots=True)
class SalesReport:
    """Won and lost deals closed in a period, and the open pipeline at the report instant.

    Sums are per currency and never converted. `average_deal` is per currency, 2 places.
    Time to close runs from a deal's first stage change to won: the median is the middle
    value (mean of the two middle ones for an even count), p90 is nearest-rank. The pipeline
    is a snapshot at `as_of`, so the period does not narrow it; `weighted_pipeline` sums
    amount × stage probability (a stage without probability weighs 0), rounded to 2 places.
    """

    won_count: int
    won_sum: Mapping[str, Decimal]
    average_deal: Mapping[str, Decimal]
    time_to_close_median: timedelta | None
    time_to_close_p90: timedelta | None
    lost_count: int
    lost_reasons: Mapping[str, int]
    open_count: int
    open_sum: Mapping[str, Decimal]
    weighted_pipeline: Mapping[str, Decimal]


def summarise(views: Iterable[DealView], period: Period | None = None) -> SalesReport:
    """The sales figures of the given deals (already filtered by manager, currency, as_of)."""
    won_sum: dict[str, Decimal] = {}
    won_per_currency: Counter[str] = Counter()
    closing: list[timedelta] = []
    reasons: Counter[str] = Counter()
    open_sum: dict[str, Decimal] = {}
    weighted: dict[str, Decimal] = {}
    open_count = 0
    for view in views:
        if view.kind is StageKind.OPEN:
            open_count += 1
            add_amount(open_sum, view.currency, view.amount)
            add_amount(weighted, view.currency, view.amount * (view.probability or 0))
        elif not closed_within(view, period):
            continue
        elif view.is_won:
            won_per_currency[view.currency] += 1
            add_amount(won_sum, view.currency, view.amount)
            closing.append(view.time_to_close or timedelta(0))
        else:
            reasons[lost_reason_label(view)] += 1
    return SalesReport(
        won_count=sum(won_per_currency.values()),
        won_sum=dict(sorted(won_sum.items())),
        average_deal={c: money(won_sum[c] / n) for c, n in sorted(won_per_currency.items())},
        time_to_close_median=median(closing),
        time_to_close_p90=nearest_rank(closing, P90),
        lost_count=sum(reasons.values()),
        lost_reasons=ranked(reasons),
        open_count=open_count,
        open_sum=dict(sorted(open_sum.items())),
        weighted_pipeline={c: money(v) for c, v in sorted(weighted.items())},
    )


class LeadOrigin(NamedTuple):
    """What a deal takes from the lead it came from: the lead's team and channel."""

    team: str | None
    channel: str | None


def credited_channel(deal: DealView, origins: Mapping[str, LeadOrigin]) -> str:
    """The channel a deal is credited to: its lead's, else its own, else "unknown".

    The lead's channel wins because it records where the client first came from; the
    deal's own channel covers deals opened without a lead (or before the lead is known).
    """
    origin = origins.get(deal.lead_id) if deal.lead_id is not None else None
    from_lead = origin.channel if origin is not None else None
    return from_lead or deal.channel or UNKNOWN_CHANNEL


def deal_team(deal: DealView, origins: Mapping[str, LeadOrigin]) -> str | None:
    """The team of the lead the deal came from; None for a deal without a (known) lead."""
    origin = origins.get(deal.lead_id) if deal.lead_id is not None else None
    return origin.team if origin is not None else None


@dataclass(frozen=True, slots=True)
class DealFilter:
    """Which deals a sales figure counts (None: any), all read as of the report instant.

    Manager, currency and client are the deal's own; team and channel come from the lead it
    came from (`LeadOrigin`), so a deal without a lead has no team and is credited to its own
    channel, like the channels report credits it.
    """

    manager_id: str | None = None
    currency: str | None = None
    client_id: str | None = None
    team: str | None = None
    channel: str | None = None

    @property
    def needs_origins(self) -> bool:
        """Whether the filter reads the deals' leads."""
        return self.team is not None or self.channel is not None

    def keeps(self, view: DealView, origins: Mapping[str, LeadOrigin]) -> bool:
        """Whether the deal passes every filter given."""
        return (
            (self.manager_id is None or view.manager_id == self.manager_id)
            and (self.currency is None or view.currency == self.currency)
            and (self.client_id is None or view.client_id == self.client_id)
            and (self.team is None or deal_team(view, origins) == self.team)
            and (self.channel is None or credited_channel(view, origins) == self.channel)
        )


def _selected(
    state: SalesState,
    as_of: datetime | None,
    keep: DealFilter,
    origins: Mapping[str, LeadOrigin] | None,
) -> list[DealView]:
    if keep.needs_origins and origins is None:
        raise ValueError("a team or channel filter needs the origins of the deals' leads")
    known = origins or {}
    return [view for view in deal_views(state["deals"], as_of) if keep.keeps(view, known)]


def won_deals(
    state: SalesState,
    *,
    as_of: datetime | None = None,
    period: Period | None = None,
    manager_id: str | None = None,
    currency: str | None = None,
    client_id: str | None = None,
    team: str | None = None,
    channel: str | None = None,
    origins: Mapping[str, LeadOrigin] | None = None,
) -> list[DealView]:
    """The deals won in the period that the sales filters keep (the dashboard's revenue)."""
    keep = DealFilter(manager_id, currency, client_id, team, channel)
    return [
        view
        for view in _selected(state, as_of, keep, origins)
        if view.is_won and closed_within(view, period)
    ]


def report_sales(
    state: SalesState,
    *,
    as_of: datetime | None = None,
    period: Period | None = None,
    manager_id: str | None = None,
    currency: str | None = None,
    client_id: str | None = None,
    team: str | None = None,
    channel: str | None = None,
    origins: Mapping[str, LeadOrigin] | None = None,
) -> SalesReport:
    """Sales figures; won/lost by the day they closed, the deal's manager at `as_of`.

    `team` and `channel` need `origins`: the team and channel of the deals' leads by lead id
    (`funnel.lead_origins`); see `DealFilter`.
    """
    keep = DealFilter(manager_id, currency, client_id, team, channel)
    return summarise(_selected(state, as_of, keep, origins), period)


def report_sales_by_manager(
    state: SalesState,
    *,
    as_of: datetime | None = None,
    period: Period | None = None,
    manager_id: str | None = None,
    currency: str | None = None,
    client_id: str | None = None,
    team: str | None = None,
    channel: str | None = None,
    origins: Mapping[str, LeadOrigin] | None = None,
) -> dict[str, SalesReport]:
    """`report_sales` for each manager owning a deal at `as_of` that counts, in id order.

    A deal counts while open or when closed in the period: a manager whose deals all closed
    outside it has no row (the row would hold only zeros).
    """
    keep = DealFilter(manager_id, currency, client_id, team, channel)
    by_manager: dict[str, list[DealView]] = {}
    for view in _selected(state, as_of, keep, origins):
        if view.kind is StageKind.OPEN or closed_within(view, period):
            by_manager.setdefault(view.manager_id, []).append(view)
    return {m: summarise(views, period) for m, views in sorted(by_manager.items())}
