"""The consumed event a delivery is planned from, captured as the delivery keeps it."""

from __future__ import annotations

import json

from notifications.domain.attachments import DOCUMENT_FIELD, Attachment
from notifications.domain.delivery import SourceRecord
from shared.contracts.codec import DecodedEvent
from shared.contracts.events.base import EventModel
from shared.contracts.events.proposals import (
    ProposalAcceptedV1,
    ProposalDeclinedV1,
    ProposalSentV1,
)
from shared.contracts.events.tasks import TaskOverdueV1


def task_overdue_id(task_id: str, level: str) -> str:
    """The business id of one level of an overdue task, `task.overdue:<task_id>:<level>`.

    The assignee and, after the grace period, the team lead are each told once per task,
    whatever event id the producer publishes (or republishes) that level under.
    """
    return f"task.overdue:{task_id}:{level}"


def proposal_source_id(event_type: str, proposal_id: str, version: int) -> str:
    """The business id of a proposal's event, `<event type>:<proposal_id>:v<version>`.

    One version of a proposal is mailed to the client once, and its acceptance (or its
    refusal) told to the manager once, whatever event ids deals publishes them under: a
    second `proposal.sent` of the same version adds nothing. A new version is a new id.
    """
    return f"{event_type}:{proposal_id}:v{version}"


def _business_id(event: EventModel) -> str | None:
    """The id of what is notified about when the producer may republish it, else None."""
    if isinstance(event, TaskOverdueV1):
        return task_overdue_id(event.task_id, event.level.value)
    if isinstance(event, ProposalSentV1 | ProposalAcceptedV1 | ProposalDeclinedV1):
        return proposal_source_id(event.event_type, event.proposal_id, event.version)
    reminder_id = getattr(event, "reminder_id", None)
    return reminder_id if isinstance(reminder_id, str) else None


def attachments_of(event: EventModel) -> list[Attachment]:
    """The documents an event carries, decoded (`AttachmentError` when one is not base64)."""
    if isinstance(event, ProposalSentV1):
        document = event.document
        return [
            Attachment.from_base64(document.filename, document.media_type, document.content_base64)
        ]
    return []


def _payload(event: EventModel) -> str:
    """The payload as JSON, a document replaced by its reference (the bytes are kept apart)."""
    attachments = attachments_of(event)
    if not attachments:
        return event.model_dump_json()
    data = event.model_dump(mode="json")
    [attachment] = attachments
    data[DOCUMENT_FIELD] = attachment.reference().as_record()
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))


def source_of(decoded: DecodedEvent[EventModel]) -> SourceRecord:
    """Capture the envelope and the payload as JSON (money stays a string).

    A document (`proposal.sent`'s PDF) is not captured: the payload holds its reference, and
    its bytes are stored once by the triggers (see `attachments_of`).
    """
    envelope, event = decoded.envelope, decoded.event
    return SourceRecord(
        topic=envelope.type,
        event_id=envelope.id,
        dedupe_id=_business_id(event) or envelope.id,
        type=envelope.type,
        key=envelope.subject,
        payload=_payload(event),
        headers={name: value.decode("utf-8") for name, value in envelope.to_headers()},
    )
