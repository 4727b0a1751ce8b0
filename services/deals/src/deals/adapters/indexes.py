"""Every index the deals service's collections need, created at start-up."""

from __future__ import annotations

from pymongo import DESCENDING

from shared.platform.audit import AUDIT_INDEXES
from shared.platform.indexes import IndexPlan, index, merge
from shared.platform.outbox import outbox_indexes
from shared.platform.people import PEOPLE_INDEXES

INDEXES: IndexPlan = merge(
    outbox_indexes(
        "deals", "invoices", "contracts", "tasks", "activities", "meetings", "proposals"
    ),
    {
        "clients": [
            index("inn_key", unique=True),
            index("name"),
            index("manager_id", "name"),  # the client list in one's scope
            index("contact_keys", "_id"),  # telephony and mail find the client by phone or e-mail
        ],
        "deals": [
            index("manager_id", "stage"),
            index("client_id", "stage_kind"),  # a client's deals, and its won ones
            index(("updated_at", DESCENDING), "_id"),  # the deal list, latest activity first
            index("manager_id", ("updated_at", DESCENDING), "_id"),  # the list in one's scope
            index("manager_id", "stage_kind", "_id"),  # a manager's open deals, to hand over
            index("stage_kind", "stage_entered_at", "_id"),  # the stuck scan and list
            index("manager_id", "stage_kind", "stage_entered_at", "_id"),  # stuck, in one's scope
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
        "tasks": [
            index("next_reminder_at"),  # the overdue timer
            index("assignee_id", "state", "due_at", "_id"),  # one's tasks by due time; to hand over
            index("client_id", "state"),  # a client's cadence tasks
            index("deal_id", "state"),  # a deal's chase tasks
            index("state", "due_at", "_id"),  # the task list by state
            index("due_at", "_id"),  # the unfiltered task list
            index("assignee_id", "due_at", "_id"),  # the list in one's scope, any state
        ],
        "parked_activities": [
            index("keys"),  # a client's phones and e-mails claim what waited for them
            index("expires_at"),  # the expiry sweep
        ],
        "leads_to_call": [index("manager_id", "done")],  # one's leads still to call
        "meetings": [
            index("next_reminder_at"),  # the reminder timer
        ],
        "meeting_seats": [
            index("person_id", "starts_at", "_id"),  # one's meetings of the day
            index("meeting_id", "person_id"),  # a meeting's seats, to rewrite
        ],
        "activities": [
            index("deal_id", ("occurred_at", DESCENDING), "_id"),  # a deal's timeline
            index("client_id", ("occurred_at", DESCENDING), "_id"),  # a client's timeline
        ],
    },
    AUDIT_INDEXES,
    PEOPLE_INDEXES,
)

SMALL_COLLECTIONS = frozenset({"pipelines", "deal_settings"})
"""A few configuration documents each, read whole."""
