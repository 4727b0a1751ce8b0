"""Every index of the leads service's collections, created at start-up (`ensure_indexes`)."""

from __future__ import annotations

from shared.platform.audit import AUDIT_INDEXES
from shared.platform.indexes import IndexPlan, index, merge
from shared.platform.outbox import outbox_indexes

WARMEST = (("priority.score", -1), "received_at", "_id")
"""The list order after the filter's equality fields: warmest first, then oldest, then by id."""

OWN: IndexPlan = {
    "leads": [
        # SLA watcher: `status` in the awaiting statuses, `sla_due_at <= now`, earliest first.
        index("status", "sla_due_at"),
        # Leads by a merged duplicate's id, for inspection (the service reads `lead_aliases`).
        index("aliases"),
        # A manager's work queue, and reconciliation of the manager's load.
        index("manager_id", "status", *WARMEST),
        # Lists by status, warmest first; the overdue list (alone or a manager's) by deadline.
        index("status", *WARMEST),
        index("status", "sla_deadline", "_id"),
        index("manager_id", "status", "sla_deadline", "_id"),
        # Lists by manager, team or channel alone, and the unfiltered list.
        index("manager_id", *WARMEST),
        index("team", *WARMEST),
        index("channel", *WARMEST),
        index(*WARMEST),
    ],
    # Looked up by `_id` (manager id) only: the count, and the set of counted lead ids.
    "manager_load": [],
    "manager_load_sets": [],
    # Looked up by `_id` (the dedupe key) only.
    "contact_keys": [],
    # A merged duplicate's id → its lead, looked up by `_id` only.
    "lead_aliases": [],
    # Active managers by id, on every assignment (the whole roster is read: it is small).
    "managers": [index("active", "_id")],
    # Looked up by `_id` (the request's idempotency key) only.
    "intake_requests": [],
    # Activities waiting for their lead: intake asks `contact_key $in` its batch's phone keys;
    # the expiry pass reads `expires_at <= now`, earliest first; the rest is by `_id`.
    "parked_activities": [index("contact_key"), index("expires_at")],
}

INDEXES: IndexPlan = merge(outbox_indexes("leads", "managers"), OWN, AUDIT_INDEXES)
"""The service's own indexes and the outbox relay's on `leads`."""

SMALL_COLLECTIONS = frozenset({"managers", "teams", "lead_settings"})
"""Read whole on purpose: the sales roster, its teams and two settings documents."""
