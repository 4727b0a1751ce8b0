"""Every index the reporting service's collections need, created at start-up."""

from __future__ import annotations

from reporting.adapters.client_segments import COLLECTION
from shared.platform.indexes import IndexPlan
from shared.platform.outbox import outbox_indexes

INDEXES: IndexPlan = outbox_indexes(COLLECTION)
"""The segments' outbox; the fact log and its metadata are read by `_id` or whole per version."""
