"""Whom the head of sales names to decide discounts in their place, and until when."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class Deputy:
    """A person who decides discounts while the head of sales is away, until `until`."""

    person_id: str
    until: datetime
    named_by: str

    def stands_in(self, person_id: str, now: datetime) -> bool:
        """Whether this person decides discounts at `now`."""
        return person_id == self.person_id and now < self.until
