"""Meetings in MongoDB: the document mapping, the reminder timer's query and the day's list."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from pymongo.asynchronous.collection import AsyncCollection

from deals.adapters.reminder_schedules import ScheduledRepository
from deals.domain.meeting import Meeting, MeetingPlan, MeetingState
from shared.platform.clock import Clock
from shared.platform.repository import Document, MessageOf

Record = dict[str, Any]


class MeetingMapper:
    """A meeting as stored, with `people` (organizer and colleagues) to find one's meetings."""

    def to_document(self, meeting: Meeting) -> Document:
        """The meeting's document."""
        plan = meeting.plan
        document: Document = {
            "_id": meeting.id,
            "organizer_id": meeting.organizer_id,
            "team": meeting.team,
            "deal_id": meeting.deal_id,
            "client_id": meeting.client_id,
            "title": plan.title,
            "starts_at": plan.starts_at,
            "ends_at": plan.ends_at,
            "place": plan.place,
            "link": plan.link,
            "staff_ids": list(plan.staff_ids),
            "client_attendees": list(plan.client_attendees),
            "people": [meeting.organizer_id, *plan.staff_ids],
            "remind_before_seconds": int(meeting.remind_before.total_seconds()),
            "created_at": meeting.created_at,
            "state": meeting.state.value,
            "reminded_for": meeting.reminded_for,
            "moves": meeting.moves,
            "outcome": meeting.outcome,
        }
        if (due := meeting.next_reminder_at) is not None:
            document["next_reminder_at"] = due
        return document

    def from_document(self, document: Mapping[str, Any]) -> Meeting:
        """The meeting a stored document describes."""
        return Meeting(
            id=document["_id"],
            organizer_id=document["organizer_id"],
            team=document.get("team"),
            deal_id=document.get("deal_id"),
            client_id=document.get("client_id"),
            plan=MeetingPlan(
                title=document["title"],
                starts_at=document["starts_at"],
                ends_at=document["ends_at"],
                place=document.get("place"),
                link=document.get("link"),
                staff_ids=tuple(document.get("staff_ids") or ()),
                client_attendees=tuple(document.get("client_attendees") or ()),
            ),
            remind_before=timedelta(seconds=document["remind_before_seconds"]),
            created_at=document["created_at"],
            state=MeetingState(document["state"]),
            reminded_for=document.get("reminded_for"),
            moves=int(document.get("moves") or 0),
            outcome=document.get("outcome"),
        )


class MongoMeetingRepository(ScheduledRepository[Meeting]):
    """Meetings by id, those with a reminder due, and one person's meetings in a time span."""

    def __init__(
        self, collection: AsyncCollection[Any], *, clock: Clock, message_of: MessageOf[Meeting]
    ) -> None:
        super().__init__(collection, MeetingMapper(), clock=clock, message_of=message_of)

    async def of_person(self, person_id: str, start: datetime, end: datetime) -> list[Record]:
        """Scheduled or held meetings a person organizes or attends, starting in [start, end)."""
        query = {"people": person_id, "starts_at": {"$gte": start, "$lt": end}}
        cursor = self.collection.find(query, {"_outbox": 0}).sort([("starts_at", 1), ("_id", 1)])
        return [doc async for doc in cursor if doc["state"] != MeetingState.CANCELLED.value]

    async def record(self, meeting_id: str) -> Record | None:
        """The stored meeting as the API shows it."""
        found: Record | None = await self.collection.find_one({"_id": meeting_id}, {"_outbox": 0})
        return found
