"""Every index the notifications service's collections need, created at start-up."""

from __future__ import annotations

from pymongo import DESCENDING

from shared.platform.audit import AUDIT_INDEXES
from shared.platform.indexes import IndexPlan, index, merge
from shared.platform.outbox import outbox_indexes

NEWEST = ("created_at", DESCENDING)
LOG_FILTERS: list[tuple[str, ...]] = [
    (),
    ("recipient_id",),
    ("status",),
    ("recipient_id", "status"),
    ("source_event_id",),
    ("source_id",),
]

INDEXES: IndexPlan = merge(
    outbox_indexes("deliveries"),
    {
        "deliveries": [
            index("status", "next_attempt_at", "_id"),  # the dispatcher's claim, in due order
            index("recipient_id", "status", "sent_at"),  # the per-recipient send caps
            index("cancel_keys", "status"),  # pending reminders a payment cancels
            # The log, newest first: unfiltered, and by each filter it offers.
            *(index(*by, NEWEST, "_id") for by in LOG_FILTERS),
        ],
        "recipients": [index("kind", "_id")],
    },
    AUDIT_INDEXES,
)

SMALL_COLLECTIONS = frozenset({"templates", "webhooks"})
"""Template overrides and webhook subscriptions: a few documents each, read whole."""
