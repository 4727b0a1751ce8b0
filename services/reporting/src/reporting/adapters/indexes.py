"""Every index the reporting service's collections need, created at start-up."""

from __future__ import annotations

from reporting.adapters.client_segments import COLLECTION
from reporting.adapters.plans import COLLECTION as PLANS
from reporting.adapters.read_models import COLLECTION as RECORDS
from reporting.adapters.records import FACTS
from shared.platform.audit import AUDIT_INDEXES
from shared.platform.indexes import IndexPlan, index, merge
from shared.platform.outbox import outbox_indexes
from shared.platform.people import PEOPLE_INDEXES

OWN: IndexPlan = {
    # Every selection of `domain.read_models` leads with the version and the kind, then at
    # most one equality key, then an instant range or a flag; a version is dropped by `v`.
    # Each index costs every record write (on the local server 12 indexes doubled the cost
    # of a write against none), so team and channel are filtered among a period's leads.
    RECORDS: [
        index("v", "k", "at"),
        index("v", "k", "managers", "at"),
        index("v", "k", "client", "at"),
        index("v", "k", "conv"),
        index("v", "k", "leads"),
        index("v", "k", "invoice"),
        index("v", "k", "last"),
        index("v", "k", "open"),
        # Every deal of the clients who bought in a plan's period: is a buyer a new client?
        index("v", "k", "clients"),
        # The forecast: deals by their expected close date (issue 17).
        index("v", "k", "close"),
    ],
    PLANS: [index("period")],
}

INDEXES: IndexPlan = merge(OWN, outbox_indexes(COLLECTION), AUDIT_INDEXES, PEOPLE_INDEXES)
"""The records' selections and the segments' outbox; the fact log is written by `_id`."""

WHOLE_READS = frozenset({FACTS})
"""The fact log, read whole (one unsorted cursor) by a rebuild: it costs what the log holds."""
