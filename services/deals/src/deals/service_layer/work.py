"""The manager's day after the first call: the use cases the routes and subscribers share."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from deals.service_layer.activities import ActivityLog
from deals.service_layer.lead_queue import LeadQueue
from deals.service_layer.meetings import MeetingBook
from deals.service_layer.task_rules import TaskRules
from deals.service_layer.tasks import TaskBook
from deals.service_layer.work_queue import WorkQueue


class MeetingRecords(Protocol):
    """Meetings as the API shows them."""

    async def record(self, meeting_id: str) -> dict[str, Any] | None:
        """The stored meeting, or None."""


@dataclass
class DayWork:
    """Activities, tasks and their rules, meetings, and the work queue."""

    activities: ActivityLog
    tasks: TaskBook
    rules: TaskRules
    meetings: MeetingBook
    queue: WorkQueue
    leads_to_call: LeadQueue
    meeting_records: MeetingRecords
