"""The consumed event a delivery is planned from, captured as the delivery keeps it."""

from __future__ import annotations

from notifications.domain.delivery import SourceRecord
from shared.contracts.codec import DecodedEvent
from shared.contracts.events.base import EventModel
from shared.contracts.events.tasks import TaskOverdueV1


def task_overdue_id(task_id: str, level: str) -> str:
    """The business id of one level of an overdue task, `task.overdue:<task_id>:<level>`.

    The assignee and, after the grace period, the team lead are each told once per task,
    whatever event id the producer publishes (or republishes) that level under.
    """
    return f"task.overdue:{task_id}:{level}"


def _business_id(event: EventModel) -> str | None:
    """The id of what is notified about when the producer may republish it, else None."""
    if isinstance(event, TaskOverdueV1):
        return task_overdue_id(event.task_id, event.level.value)
    reminder_id = getattr(event, "reminder_id", None)
    return reminder_id if isinstance(reminder_id, str) else None


def source_of(decoded: DecodedEvent[EventModel]) -> SourceRecord:
    """Capture the envelope and the payload as JSON (money stays a string)."""
    envelope, event = decoded.envelope, decoded.event
    return SourceRecord(
        topic=envelope.type,
        event_id=envelope.id,
        dedupe_id=_business_id(event) or envelope.id,
        type=envelope.type,
        key=envelope.subject,
        payload=event.model_dump_json(),
        headers={name: value.decode("utf-8") for name, value in envelope.to_headers()},
    )
