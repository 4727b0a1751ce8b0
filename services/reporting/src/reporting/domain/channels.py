"""Which channels bring revenue: leads, conversions and won deals per lead channel."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from reporting.domain.facts import Period, add_amount, within
from reporting.domain.funnel import FunnelState, lead_origins, lead_views
from reporting.domain.sales import closed_within, credited_channel, deal_views


@dataclass(frozen=True, slots=True)
class ChannelFigures:
    """One channel's leads received, leads converted, deals won and won sums per currency."""

    channel: str
    leads: int
    converted: int
    won_deals: int
    won_sum: Mapping[str, Decimal]


def report_channels(
    state: FunnelState,
    *,
    as_of: datetime | None = None,
    period: Period | None = None,
    channel: str | None = None,
) -> dict[str, ChannelFigures]:
    """Figures per channel (in name order) for what happened in `period`, by `as_of`.

    Reads the funnel projection's state: it needs exactly the same lead and deal records,
    so it keeps no document of its own and inherits the funnel's tolerance of out-of-order
    facts (a deal credited to its own channel moves to its lead's once the lead arrives).

    Each figure counts by its own day: leads by arrival, conversions by conversion, won
    deals by the day they were won, so a deal won this month from last month's lead counts
    this month. Channels with nothing in the period are absent; `channel` keeps that one.
    A deal is credited to its lead's channel, else its own (`sales.credited_channel`).
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
    origins = lead_origins(state["leads"])
    for deal in deal_views(state["deals"], as_of):
        if deal.is_won and closed_within(deal, period):
            credited = credited_channel(deal, origins)
            won[credited] += 1
            add_amount(sums.setdefault(credited, {}), deal.currency, deal.amount)
    return {
        name: ChannelFigures(
            channel=name,
            leads=leads[name],
            converted=converted[name],
            won_deals=won[name],
            won_sum=dict(sorted(sums.get(name, {}).items())),
        )
        for name in sorted(set(leads) | set(converted) | set(won))
        if channel is None or name == channel
    }
