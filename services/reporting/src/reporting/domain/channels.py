"""Which channels bring revenue: leads, conversions and won deals per lead channel."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from reporting.domain.facts import Period, add_amount, within
from reporting.domain.funnel import FunnelState, known_channel, lead_views
from reporting.domain.sales import DealView, closed_within, deal_views

UNKNOWN_CHANNEL = "unknown"


@dataclass(frozen=True, slots=True)
class ChannelFigures:
    """One channel's leads received, leads converted, deals won and won sums per currency."""

    channel: str
    leads: int
    converted: int
    won_deals: int
    won_sum: Mapping[str, Decimal]


def deal_channel(deal: DealView, state: FunnelState) -> str:
    """The channel a deal is credited to: its lead's, else its own, else "unknown".

    The lead's channel wins because it records where the client first came from; the
    deal's own channel covers deals opened without a lead.
    """
    record = state["leads"].get(deal.lead_id) if deal.lead_id is not None else None
    from_lead = known_channel(record) if record is not None else None
    return from_lead or deal.channel or UNKNOWN_CHANNEL


def report_channels(
    state: FunnelState,
    *,
    as_of: datetime | None = None,
    period: Period | None = None,
) -> dict[str, ChannelFigures]:
    """Figures per channel (in name order) for what happened in `period`, by `as_of`.

    Reads the funnel projection's state: it needs exactly the same lead and deal records,
    so it keeps no document of its own and inherits the funnel's tolerance of out-of-order
    facts (a deal credited to its own channel moves to its lead's once the lead arrives).

    Each figure counts by its own day: leads by arrival, conversions by conversion, won
    deals by the day they were won, so a deal won this month from last month's lead counts
    this month. Channels with nothing in the period are absent.
    """
    leads: Counter[str] = Counter()
    converted: Counter[str] = Counter()
    for lead in lead_views(state["leads"], as_of):
        if within(lead.received_at, period):
            leads[lead.channel] += 1
        if lead.converted_at is not None and within(lead.converted_at, period):
            converted[lead.channel] += 1
    won: Counter[str] = Counter()
    sums: dict[str, dict[str, Decimal]] = {}
    for deal in deal_views(state["deals"], as_of):
        if deal.is_won and closed_within(deal, period):
            channel = deal_channel(deal, state)
            won[channel] += 1
            add_amount(sums.setdefault(channel, {}), deal.currency, deal.amount)
    return {
        channel: ChannelFigures(
            channel=channel,
            leads=leads[channel],
            converted=converted[channel],
            won_deals=won[channel],
            won_sum=dict(sorted(sums.get(channel, {}).items())),
        )
        for channel in sorted(set(leads) | set(converted) | set(won))
    }
