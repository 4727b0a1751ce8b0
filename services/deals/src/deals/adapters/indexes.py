"""Every index the deals service's collections need, created at start-up."""

from __future__ import annotations

from pymongo import DESCENDING

from shared.platform.audit import AUDIT_INDEXES
from shared.platform.indexes import IndexPlan, index, merge
from shared.platform.outbox import outbox_indexes
from shared.platform.people import PEOPLE_INDEXES

INDEXES: IndexPlan = merge(
    outbox_indexes("deals", "invoices", "contracts"),
    {
        "clients": [
            index("inn_key", unique=True),
            index("name"),
            index("manager_id", "name"),  # the client list in one's scope
        ],
        "deals": [
            index("manager_id", "stage"),
            index("client_id", "stage_kind"),  # a client's deals, and its won ones
            index(("updated_at", DESCENDING), "_id"),  # the deal list, latest activity first
            index("manager_id", ("updated_at", DESCENDING), "_id"),  # the list in one's scope
            index("manager_id", "stage_kind", "_id"),  # a manager's open deals, to hand over
        ],
        "invoices": [
            index("deal_id", "issued_at"),
            index("client_id"),
            index("next_reminder_at"),
            index("manager_id", ("issued_at", DESCENDING)),  # the list in one's scope
            index("manager_id", "status"),  # a manager's unpaid invoices, to hand over
            index(("issued_at", DESCENDING)),  # the unfiltered list, newest first
        ],
        "contracts": [index("next_reminder_at"), index("client_id")],
    },
    AUDIT_INDEXES,
    PEOPLE_INDEXES,
)

SMALL_COLLECTIONS = frozenset({"pipelines", "deal_settings"})
"""A few configuration documents each, read whole."""
