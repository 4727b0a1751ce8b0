"""Client segments by last purchase (a won deal), transitions, retention and churn reasons."""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import TypedDict

from reporting.domain.claims import ClaimEntry, record_claim, selected_claims
from reporting.domain.facts import (
    DEFAULT_TIME_ZONE,
    ClaimRecorded,
    DealStageChanged,
    Fact,
    Period,
    ranked,
    ratio,
    within,
)
from reporting.domain.sales import (
    DealRecord,
    closed_within,
    deal_views,
    lost_reason_label,
    record_stage_change,
)
from shared.kernel.zones import local_date, require_aware


class Segment(StrEnum):
    """Where a client stands by the time since their last purchase."""

    HOT = "hot"
    COOLING = "cooling"
    WARM = "warm"
    SLEEPING = "sleeping"


@dataclass(frozen=True, slots=True)
class SegmentThresholds:
    """Days since the last purchase that bound each segment (defaults from the domain notes).

    hot: at most `hot_days` (a month); warm: `warm_from_days`..`warm_to_days` inclusive
    (3–4 months); sleeping: more than `sleeping_days` (6 months). The gaps between them
    (31–89 and 121–180 days by default) are "cooling": no cadence is defined for them,
    and calling such a client hot or warm would trigger the wrong contact cadence.
    """

    hot_days: int = 30
    warm_from_days: int = 90
    warm_to_days: int = 120
    sleeping_days: int = 180

    def __post_init__(self) -> None:
        if not (0 <= self.hot_days < self.warm_from_days <= self.warm_to_days < self.sleeping_days):
            raise ValueError(
                "thresholds must satisfy 0 <= hot_days < warm_from_days <= warm_to_days"
                " < sleeping_days"
            )


DEFAULT_THRESHOLDS = SegmentThresholds()


def segment_of(
    last_purchase: date | None, as_of: date, thresholds: SegmentThresholds = DEFAULT_THRESHOLDS
) -> Segment | None:
    """The segment of a client whose last purchase was on that day; None if they never bought."""
    if last_purchase is None:
        return None
    days = (as_of - last_purchase).days
    if days < 0:
        raise ValueError(f"last purchase {last_purchase} is after {as_of}")
    if days <= thresholds.hot_days:
        return Segment.HOT
    if thresholds.warm_from_days <= days <= thresholds.warm_to_days:
        return Segment.WARM
    if days > thresholds.sleeping_days:
        return Segment.SLEEPING
    return Segment.COOLING


def transitions(
    before: Mapping[str, Segment], after: Mapping[str, Segment]
) -> list[tuple[str, Segment | None, Segment | None]]:
    """(client, from, to) for each client whose segment changed, in client id order.

    A client missing from one side has no segment (None) there: a first purchase is a move
    from None. Each tuple is one `client.segment_changed` event.
    """
    changes: list[tuple[str, Segment | None, Segment | None]] = []
    for client in sorted(set(before) | set(after)):
        old, new = before.get(client), after.get(client)
        if old != new:
            changes.append((client, old, new))
    return changes


class SegmentsState(TypedDict):
    """Deal records by deal id, claims by claim id."""

    deals: dict[str, DealRecord]
    claims: dict[str, ClaimEntry]


def empty_state() -> SegmentsState:
    """A projection that has seen nothing."""
    return SegmentsState(deals={}, claims={})


def fold(state: SegmentsState, facts: Iterable[Fact]) -> SegmentsState:
    """Apply facts in turn, ignoring all but stage changes and claims; the state is not changed.

    Order-tolerant: deal stage histories (see `sales`) and claims by id are both merged
    commutatively; purchases, last purchases and segments are computed at query time, as of
    any instant, so arrival order and redelivery change nothing.
    """
    deals = dict(state["deals"])
    claims = dict(state["claims"])
    for fact in facts:
        if isinstance(fact, DealStageChanged):
            deals[fact.deal_id] = record_stage_change(deals.get(fact.deal_id), fact)
        elif isinstance(fact, ClaimRecorded):
            claims[fact.claim_id] = record_claim(claims.get(fact.claim_id), fact)
    return SegmentsState(deals=deals, claims=claims)


def apply(state: SegmentsState, fact: Fact) -> SegmentsState:
    """Apply one fact; the given state is not changed."""
    return fold(state, (fact,))


def purchases(
    state: SegmentsState,
    *,
    as_of: datetime | None = None,
    period: Period | None = None,
    time_zone: str = DEFAULT_TIME_ZONE,
) -> dict[str, list[date]]:
    """Days each client bought on (won deals by `as_of`, won in `period`), sorted."""
    days: dict[str, list[date]] = {}
    for deal in deal_views(state["deals"], as_of):
        closed = deal.closed_at
        if deal.is_won and deal.client_id is not None and closed and within(closed, period):
            days.setdefault(deal.client_id, []).append(local_date(closed, time_zone))
    return {client: sorted(found) for client, found in sorted(days.items())}


def client_segments(
    state: SegmentsState,
    *,
    as_of: datetime,
    thresholds: SegmentThresholds = DEFAULT_THRESHOLDS,
    time_zone: str = DEFAULT_TIME_ZONE,
    manager_id: str | None = None,
    client_id: str | None = None,
) -> dict[str, Segment]:
    """The segment of every client who bought by `as_of`, days counted in `time_zone`.

    `manager_id` keeps the clients who bought from that manager (a deal won by `as_of` that
    the manager holds then); their segment still follows their last purchase from anyone,
    since it is the client's. `client_id` keeps that client.
    """
    require_aware(as_of, "as_of")
    today = local_date(as_of, time_zone)
    buyers = None if manager_id is None else _buyers_from(state, manager_id, as_of)
    segments: dict[str, Segment] = {}
    for client, days in purchases(state, as_of=as_of, time_zone=time_zone).items():
        if (client_id is not None and client != client_id) or (
            buyers is not None and client not in buyers
        ):
            continue
        segment = segment_of(days[-1], today, thresholds)
        if segment is not None:
            segments[client] = segment
    return segments


def _buyers_from(state: SegmentsState, manager_id: str, as_of: datetime) -> set[str]:
    """Clients with a deal won by `as_of` that `manager_id` holds then."""
    return {
        deal.client_id
        for deal in deal_views(state["deals"], as_of)
        if deal.is_won and deal.client_id is not None and deal.manager_id == manager_id
    }


@dataclass(frozen=True, slots=True)
class Retention:
    """Of the clients who bought in the previous period, how many bought again in this one."""

    previous_buyers: int
    returning: int
    share: Decimal | None


def report_retention(
    state: SegmentsState,
    period: Period,
    previous: Period | None = None,
    *,
    as_of: datetime | None = None,
) -> Retention:
    """Retention into `period` of `previous` (default: the same length just before it)."""
    earlier = previous if previous is not None else period.before()
    before = set(purchases(state, as_of=as_of, period=earlier))
    now = set(purchases(state, as_of=as_of, period=period))
    returning = len(before & now)
    return Retention(len(before), returning, ratio(returning, len(before)))


@dataclass(frozen=True, slots=True)
class ChurnReasons:
    """Why a client (or all of them) may leave: lost-deal reasons and claim categories."""

    lost_reasons: Mapping[str, int]
    claim_categories: Mapping[str, int]


def report_churn_reasons(
    state: SegmentsState,
    *,
    as_of: datetime | None = None,
    period: Period | None = None,
    clients: Collection[str] | None = None,
) -> dict[str, ChurnReasons]:
    """Per client (in id order) with a lost deal or a claim in `period`, by `as_of`.

    Pass `clients` (e.g. the sleeping ones from `client_segments`) to narrow the report.
    Lost deals without a client are not attributable and left out.
    """
    lost: dict[str, Counter[str]] = {}
    for deal in deal_views(state["deals"], as_of):
        if deal.is_lost and deal.client_id is not None and closed_within(deal, period):
            lost.setdefault(deal.client_id, Counter())[lost_reason_label(deal)] += 1
    claimed: dict[str, Counter[str]] = {}
    for _at, claim in selected_claims(state["claims"].values(), as_of=as_of, period=period):
        claimed.setdefault(claim["client_id"], Counter())[claim["category"]] += 1
    return {
        client: ChurnReasons(
            lost_reasons=ranked(lost.get(client, Counter())),
            claim_categories=ranked(claimed.get(client, Counter())),
        )
        for client in sorted(set(lost) | set(claimed))
        if clients is None or client in clients
    }


def combined(reasons: Iterable[ChurnReasons]) -> ChurnReasons:
    """Churn reasons of several clients added up, for the overall picture."""
    lost: Counter[str] = Counter()
    claimed: Counter[str] = Counter()
    for item in reasons:
        lost.update(item.lost_reasons)
        claimed.update(item.claim_categories)
    return ChurnReasons(lost_reasons=ranked(lost), claim_categories=ranked(claimed))
