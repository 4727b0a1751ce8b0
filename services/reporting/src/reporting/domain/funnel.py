"""Funnel projection: per-lead records; received → contacted → qualified → deal → won."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import TypeAlias, TypedDict, assert_never

from reporting.domain.facts import (
    DealStageChanged,
    Fact,
    LeadAssigned,
    LeadContacted,
    LeadConverted,
    LeadDisqualified,
    LeadQualified,
    LeadSlaBreached,
    Period,
    earliest,
    from_text,
    not_after,
    ranked,
    ratio,
    to_text,
    with_entry,
    within,
)
from reporting.domain.sales import (
    DealRecord,
    DealView,
    LeadOrigin,
    deal_views,
    record_stage_change,
)

LeadFact: TypeAlias = (
    LeadAssigned
    | LeadContacted
    | LeadSlaBreached
    | LeadQualified
    | LeadConverted
    | LeadDisqualified
)
LEAD_FACTS = (
    LeadAssigned,
    LeadContacted,
    LeadSlaBreached,
    LeadQualified,
    LeadConverted,
    LeadDisqualified,
)


class AssignedEntry(TypedDict):
    """The lead's arrival and first owner."""

    at: str
    received_at: str
    channel: str
    source: str
    manager_id: str | None
    team: str | None


class ContactedEntry(TypedDict):
    """The first contact."""

    at: str
    manager_id: str
    response_seconds: int
    within_sla: bool


class BreachEntry(TypedDict):
    """One missed first-contact deadline; `manager_id` None is the team queue."""

    at: str
    manager_id: str | None


class QualifiedEntry(TypedDict):
    """When the lead was qualified."""

    at: str


class ConvertedEntry(TypedDict):
    """When and by whom the lead became a deal."""

    at: str
    manager_id: str
    channel: str


class DisqualifiedEntry(TypedDict):
    """When and why the lead was closed."""

    at: str
    reason: str


class LeadRecord(TypedDict, total=False):
    """What the facts say about one lead; a missing slot is a fact not seen yet."""

    assigned: AssignedEntry
    contacted: ContactedEntry
    qualified: QualifiedEntry
    converted: ConvertedEntry
    disqualified: DisqualifiedEntry
    breaches: list[BreachEntry]


class FunnelState(TypedDict):
    """Lead records by lead id and deal records by deal id."""

    leads: dict[str, LeadRecord]
    deals: dict[str, DealRecord]


def record_lead_fact(record: LeadRecord | None, fact: LeadFact) -> LeadRecord:
    """The lead record with the fact merged in; the given record is left as it was."""
    updated: LeadRecord = record.copy() if record is not None else {}
    match fact:
        case LeadAssigned():
            entry = AssignedEntry(
                at=to_text(fact.assigned_at),
                received_at=to_text(fact.received_at),
                channel=fact.channel,
                source=fact.source,
                manager_id=fact.manager_id,
                team=fact.team,
            )
            updated["assigned"] = earliest(updated.get("assigned"), entry)
        case LeadContacted():
            contacted = ContactedEntry(
                at=to_text(fact.contacted_at),
                manager_id=fact.manager_id,
                response_seconds=fact.response_seconds,
                within_sla=fact.within_sla,
            )
            updated["contacted"] = earliest(updated.get("contacted"), contacted)
        case LeadSlaBreached():
            breach = BreachEntry(at=to_text(fact.breached_at), manager_id=fact.manager_id)
            updated["breaches"] = with_entry(updated.get("breaches", []), breach)
        case LeadQualified():
            qualified = QualifiedEntry(at=to_text(fact.at))
            updated["qualified"] = earliest(updated.get("qualified"), qualified)
        case LeadConverted():
            converted = ConvertedEntry(
                at=to_text(fact.at), manager_id=fact.manager_id, channel=fact.channel
            )
            updated["converted"] = earliest(updated.get("converted"), converted)
        case LeadDisqualified():
            disqualified = DisqualifiedEntry(at=to_text(fact.at), reason=fact.reason)
            updated["disqualified"] = earliest(updated.get("disqualified"), disqualified)
        case _:
            assert_never(fact)
    return updated


def known_channel(record: LeadRecord) -> str | None:
    """The lead's channel from its assignment, else from its conversion, else None."""
    if "assigned" in record:
        return record["assigned"]["channel"]
    if "converted" in record:
        return record["converted"]["channel"]
    return None


def lead_origins(leads: Mapping[str, LeadRecord]) -> dict[str, LeadOrigin]:
    """The team (from its assignment) and channel (`known_channel`) of each lead, by lead id.

    What a deal from the lead is filtered by (`sales.DealFilter`); like the channel a deal is
    credited to, they do not depend on the report instant.
    """
    return {
        lead_id: LeadOrigin(
            team=record["assigned"]["team"] if "assigned" in record else None,
            channel=known_channel(record),
        )
        for lead_id, record in leads.items()
    }


@dataclass(frozen=True, slots=True)
class LeadView:
    """A lead as the facts up to some instant describe it; instants are aware UTC."""

    lead_id: str
    received_at: datetime
    channel: str
    source: str
    team: str | None
    assignee: str | None
    contacted_at: datetime | None = None
    contacted_by: str | None = None
    response_seconds: int | None = None
    within_sla: bool | None = None
    qualified_at: datetime | None = None
    converted_at: datetime | None = None
    converted_by: str | None = None
    disqualified_at: datetime | None = None
    disqualify_reason: str | None = None
    breached_by: frozenset[str] = frozenset()
    breached: bool = False

    @property
    def manager_id(self) -> str | None:
        """Who worked the lead: the converting manager, else the first contact, else the assignee.

        Later facts win because reassignments (not facts here) move leads after assignment.
        """
        return self.converted_by or self.contacted_by or self.assignee


def _at(entry: Mapping[str, object] | None, as_of: datetime | None) -> datetime | None:
    if entry is None:
        return None
    at = from_text(str(entry["at"]))
    return at if not_after(at, as_of) else None


def lead_as_of(lead_id: str, record: LeadRecord, as_of: datetime | None = None) -> LeadView | None:
    """The lead as of `as_of` (inclusive; None: all facts); None until its arrival is known.

    A lead enters reports with its assignment fact, which carries when and how it arrived;
    facts about it that came earlier wait in the record until then.
    """
    assigned = record.get("assigned")
    if assigned is None:
        return None
    received_at = from_text(assigned["received_at"])
    if not not_after(received_at, as_of):
        return None
    contacted = record.get("contacted")
    contacted_at = _at(contacted, as_of)
    contact = contacted if contacted is not None and contacted_at is not None else None
    converted = record.get("converted")
    converted_at = _at(converted, as_of)
    disqualified = record.get("disqualified")
    disqualified_at = _at(disqualified, as_of)
    breaches = [b for b in record.get("breaches", []) if _at(b, as_of) is not None]
    return LeadView(
        lead_id=lead_id,
        received_at=received_at,
        channel=assigned["channel"],
        source=assigned["source"],
        team=assigned["team"],
        assignee=assigned["manager_id"],
        contacted_at=contacted_at,
        contacted_by=contact["manager_id"] if contact else None,
        response_seconds=contact["response_seconds"] if contact else None,
        within_sla=contact["within_sla"] if contact else None,
        qualified_at=_at(record.get("qualified"), as_of),
        converted_at=converted_at,
        converted_by=converted["manager_id"] if converted and converted_at else None,
        disqualified_at=disqualified_at,
        disqualify_reason=disqualified["reason"] if disqualified and disqualified_at else None,
        breached_by=frozenset(b["manager_id"] for b in breaches if b["manager_id"] is not None),
        breached=bool(breaches),
    )


def lead_views(leads: Mapping[str, LeadRecord], as_of: datetime | None = None) -> list[LeadView]:
    """Every lead received by `as_of`, in lead id order."""
    views = (lead_as_of(lead_id, leads[lead_id], as_of) for lead_id in sorted(leads))
    return [view for view in views if view is not None]


class Step(StrEnum):
    """Funnel steps, in order."""

    RECEIVED = "received"
    CONTACTED = "contacted"
    QUALIFIED = "qualified"
    DEAL = "deal"
    WON = "won"


STEPS: tuple[Step, ...] = tuple(Step)


def reached_step(lead: LeadView, deals: Sequence[DealView]) -> Step:
    """The furthest step with evidence; steps are cumulative, so it implies the earlier ones.

    A lead converted before its contact fact arrived is still counted as contacted: the
    later step proves the earlier one happened, and the ratios stay at most 1.
    """
    if any(deal.is_won for deal in deals):
        return Step.WON
    if deals or lead.converted_at is not None:
        return Step.DEAL
    if lead.qualified_at is not None:
        return Step.QUALIFIED
    if lead.contacted_at is not None:
        return Step.CONTACTED
    return Step.RECEIVED


def deals_by_lead(deals: Iterable[DealView]) -> dict[str, list[DealView]]:
    """Deals grouped by the lead they came from; deals without a lead are left out."""
    grouped: dict[str, list[DealView]] = {}
    for deal in deals:
        if deal.lead_id is not None:
            grouped.setdefault(deal.lead_id, []).append(deal)
    return grouped


def empty_state() -> FunnelState:
    """A projection that has seen nothing."""
    return FunnelState(leads={}, deals={})


def fold(state: FunnelState, facts: Iterable[Fact]) -> FunnelState:
    """Apply facts in turn, ignoring those the funnel does not use; the state is not changed.

    Order-tolerant: each lead keeps one slot per kind of lead fact holding the earliest such
    fact, plus the set of its SLA breaches; deals keep their stage history (see `sales`).
    Both merges are commutative and re-applying a fact changes nothing, so a stage change
    that arrives before the lead's assignment waits in its deal record. The step a lead
    reached is decided at query time from both, as of any instant.
    """
    leads = dict(state["leads"])
    deals = dict(state["deals"])
    for fact in facts:
        if isinstance(fact, LEAD_FACTS):
            leads[fact.lead_id] = record_lead_fact(leads.get(fact.lead_id), fact)
        elif isinstance(fact, DealStageChanged):
            deals[fact.deal_id] = record_stage_change(deals.get(fact.deal_id), fact)
    return FunnelState(leads=leads, deals=deals)


def apply(state: FunnelState, fact: Fact) -> FunnelState:
    """Apply one fact; the given state is not changed."""
    return fold(state, (fact,))


@dataclass(frozen=True, slots=True)
class FunnelStep:
    """Leads that reached a step, and their share of the previous step (None for the first)."""

    step: Step
    count: int
    conversion: Decimal | None


@dataclass(frozen=True, slots=True)
class FunnelReport:
    """The funnel of a cohort of leads; ratios have 4 places, None when dividing by zero."""

    steps: tuple[FunnelStep, ...]
    lead_to_deal: Decimal | None
    disqualified: int
    disqualification_reasons: Mapping[str, int]

    def count(self, step: Step) -> int:
        """Leads that reached the step."""
        return next(s.count for s in self.steps if s.step is step)


def report_funnel(
    state: FunnelState,
    *,
    as_of: datetime | None = None,
    period: Period | None = None,
    manager_id: str | None = None,
    team: str | None = None,
    channel: str | None = None,
) -> FunnelReport:
    """The funnel of leads received in `period`, with what they reached by `as_of`.

    Filters: the lead's manager (see `LeadView.manager_id`), its team and channel.
    """
    by_lead = deals_by_lead(deal_views(state["deals"], as_of))
    reached: Counter[Step] = Counter()
    reasons: Counter[str] = Counter()
    for lead in lead_views(state["leads"], as_of):
        if not (
            within(lead.received_at, period)
            and (manager_id is None or lead.manager_id == manager_id)
            and (team is None or lead.team == team)
            and (channel is None or lead.channel == channel)
        ):
            continue
        reached[reached_step(lead, by_lead.get(lead.lead_id, []))] += 1
        if lead.disqualify_reason is not None:
            reasons[lead.disqualify_reason] += 1
    counts = [sum(reached[s] for s in STEPS[index:]) for index in range(len(STEPS))]
    steps = tuple(
        FunnelStep(step, count, None if index == 0 else ratio(count, counts[index - 1]))
        for index, (step, count) in enumerate(zip(STEPS, counts, strict=True))
    )
    return FunnelReport(
        steps=steps,
        lead_to_deal=ratio(counts[STEPS.index(Step.DEAL)], counts[0]),
        disqualified=sum(reasons.values()),
        disqualification_reasons=ranked(reasons),
    )
