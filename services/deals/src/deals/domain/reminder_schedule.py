"""What every reminder schedule shares: a reminder's status and the moment the timer waits for."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Protocol

SET_ASIDE = timedelta(hours=1)
"""How long the reminders of a record that fails to load or to fire wait before the next try."""


class ReminderStatus(StrEnum):
    """Where a scheduled reminder stands; only pending ones are still to fire."""

    PENDING = "pending"
    SENT = "sent"
    SKIPPED = "skipped"
    CANCELLED = "cancelled"


class Scheduled(Protocol):
    """A reminder as the timer sees it."""

    @property
    def status(self) -> ReminderStatus:
        """Where the reminder stands."""

    @property
    def fire_at(self) -> datetime:
        """When it is due (aware UTC)."""


def next_reminder_at(reminders: Iterable[Scheduled]) -> datetime | None:
    """The earliest pending reminder: what the timer waits for (None when nothing is left)."""
    pending = [r.fire_at for r in reminders if r.status == ReminderStatus.PENDING]
    return min(pending) if pending else None


def is_due(reminder: Scheduled, now: datetime) -> bool:
    """Whether a reminder is pending and its moment has come."""
    return reminder.status == ReminderStatus.PENDING and reminder.fire_at <= now
