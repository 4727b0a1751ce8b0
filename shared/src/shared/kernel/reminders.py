"""The reminders an installment gets, shared by the contract and every domain that names them."""

from __future__ import annotations

from enum import StrEnum


class ReminderKind(StrEnum):
    """Which of an installment's reminders this is: on issue, mid-term, day before, overdue."""

    ON_ISSUE = "on_issue"
    MID_TERM = "mid_term"
    DAY_BEFORE = "day_before"
    OVERDUE = "overdue"
