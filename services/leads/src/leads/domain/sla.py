"""Response SLA: how long the owner has for first contact, and when the head of sales takes over."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from types import MappingProxyType

from leads.domain.calendar import BusinessCalendar

SET_ASIDE = timedelta(hours=1)
"""How long a lead whose breach fails in its own code waits before the timer tries again."""

DEFAULT_MINUTES = 60


@dataclass(frozen=True)
class SlaPolicy:
    """First-contact time per channel and priority, counted in business time.

    The shortest applicable limit wins: a hot lead by phone gets the phone limit if it is
    shorter than the hot-lead limit. `by_priority` maps a minimum score to minutes.
    """

    default_minutes: int = DEFAULT_MINUTES
    by_channel: Mapping[str, int] = field(default_factory=dict)
    by_priority: Mapping[int, int] = field(default_factory=dict)
    max_breaches: int = 2

    def __post_init__(self) -> None:
        limits = [self.default_minutes, *self.by_channel.values(), *self.by_priority.values()]
        if any(minutes < 1 for minutes in limits):
            raise ValueError("an SLA limit is at least one minute")
        if self.max_breaches < 1:
            raise ValueError("max_breaches is at least 1")
        object.__setattr__(self, "by_channel", MappingProxyType(dict(self.by_channel)))
        object.__setattr__(self, "by_priority", MappingProxyType(dict(self.by_priority)))

    def limit(self, channel: str, priority: int) -> timedelta:
        """Business time the owner has for first contact."""
        candidates = [self.default_minutes]
        if channel in self.by_channel:
            candidates.append(self.by_channel[channel])
        candidates += [m for score, m in self.by_priority.items() if priority >= score]
        return timedelta(minutes=min(candidates))

    def deadline(
        self, channel: str, priority: int, start: datetime, calendar: BusinessCalendar
    ) -> datetime:
        """The first-contact deadline (UTC) for a lead handed over at `start`."""
        return calendar.add_business_time(start, self.limit(channel, priority))

    def escalates(self, breach_count: int) -> bool:
        """The head of sales takes over once this many deadlines passed."""
        return breach_count >= self.max_breaches
