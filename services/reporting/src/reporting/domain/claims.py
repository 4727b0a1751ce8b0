"""Claims projection: claims and complaints by category, overall and per month."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from datetime import datetime
from typing import TypedDict

from reporting.domain.facts import (
    DEFAULT_TIME_ZONE,
    ClaimRecorded,
    Fact,
    Period,
    earliest,
    from_text,
    not_after,
    ranked,
    to_text,
    within,
)
from shared.kernel.zones import local_date


class ClaimEntry(TypedDict):
    """One recorded claim."""

    at: str
    client_id: str
    deal_id: str | None
    category: str


class ClaimsState(TypedDict):
    """Claims by claim id."""

    claims: dict[str, ClaimEntry]


def record_claim(current: ClaimEntry | None, fact: ClaimRecorded) -> ClaimEntry:
    """The stored claim: the earliest version when an id is seen twice."""
    entry = ClaimEntry(
        at=to_text(fact.at), client_id=fact.client_id, deal_id=fact.deal_id, category=fact.category
    )
    return earliest(current, entry)


def empty_state() -> ClaimsState:
    """A projection that has seen nothing."""
    return ClaimsState(claims={})


def fold(state: ClaimsState, facts: Iterable[Fact]) -> ClaimsState:
    """Apply facts in turn, ignoring all but claims; the given state is not changed.

    Order-tolerant: claims are keyed by id and independent of each other; an id seen twice
    keeps its earliest version, so arrival order and redelivery change nothing.
    """
    claims = dict(state["claims"])
    for fact in facts:
        if isinstance(fact, ClaimRecorded):
            claims[fact.claim_id] = record_claim(claims.get(fact.claim_id), fact)
    return ClaimsState(claims=claims)


def apply(state: ClaimsState, fact: Fact) -> ClaimsState:
    """Apply one fact; the given state is not changed."""
    return fold(state, (fact,))


def selected_claims(
    claims: Iterable[ClaimEntry],
    *,
    as_of: datetime | None = None,
    period: Period | None = None,
    client_id: str | None = None,
) -> list[tuple[datetime, ClaimEntry]]:
    """Claims recorded by `as_of`, in `period`, of `client_id`, with their instants."""
    chosen: list[tuple[datetime, ClaimEntry]] = []
    for claim in claims:
        at = from_text(claim["at"])
        if (
            not_after(at, as_of)
            and within(at, period)
            and (client_id is None or claim["client_id"] == client_id)
        ):
            chosen.append((at, claim))
    return chosen


def report_claims(
    state: ClaimsState,
    *,
    as_of: datetime | None = None,
    period: Period | None = None,
    client_id: str | None = None,
) -> dict[str, int]:
    """Claims per category, most frequent first (ties by category name)."""
    chosen = selected_claims(
        state["claims"].values(), as_of=as_of, period=period, client_id=client_id
    )
    return ranked(Counter(claim["category"] for _at, claim in chosen))


def report_claims_by_month(
    state: ClaimsState,
    *,
    as_of: datetime | None = None,
    period: Period | None = None,
    time_zone: str = DEFAULT_TIME_ZONE,
) -> dict[str, dict[str, int]]:
    """Claims per category for each month ("2026-03", in `time_zone`) that has any, in order."""
    months: dict[str, Counter[str]] = {}
    for at, claim in selected_claims(state["claims"].values(), as_of=as_of, period=period):
        month = local_date(at, time_zone).strftime("%Y-%m")
        months.setdefault(month, Counter())[claim["category"]] += 1
    return {month: ranked(counts) for month, counts in sorted(months.items())}
