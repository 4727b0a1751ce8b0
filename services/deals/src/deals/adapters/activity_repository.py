"""Activities on deals and clients in MongoDB: one document per activity id."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pymongo.asynchronous.collection import AsyncCollection

from deals.domain.activity import Activity, ActivityFacts, Subject
from shared.contracts.events.activities import ActivitySubject
from shared.contracts.events.lead_lifecycle import ActivityDirection, ActivityKind
from shared.platform.clock import Clock
from shared.platform.repository import Document, MessageOf, MongoRepository

Record = dict[str, Any]


class ActivityMapper:
    """An activity as stored: the record's ids side by side, so each can be indexed."""

    def to_document(self, activity: Activity) -> Document:
        """The activity's document."""
        facts = activity.facts
        return {
            "_id": facts.activity_id,
            "subject": activity.subject.kind.value,
            "deal_id": activity.subject.deal_id,
            "client_id": activity.subject.client_id,
            "manager_id": facts.manager_id,
            "team": activity.team,
            "kind": facts.kind.value,
            "direction": facts.direction.value,
            "outcome": facts.outcome,
            "duration_seconds": facts.duration_seconds,
            "recording_url": facts.recording_url,
            "objection_category": facts.objection_category,
            "summary": facts.summary,
            "occurred_at": facts.occurred_at,
            "logged_at": activity.logged_at,
        }

    def from_document(self, document: Mapping[str, Any]) -> Activity:
        """The activity a stored document describes."""
        return Activity(
            facts=ActivityFacts(
                activity_id=document["_id"],
                manager_id=document["manager_id"],
                kind=ActivityKind(document["kind"]),
                occurred_at=document["occurred_at"],
                direction=ActivityDirection(document["direction"]),
                outcome=document.get("outcome"),
                duration_seconds=document.get("duration_seconds"),
                recording_url=document.get("recording_url"),
                objection_category=document.get("objection_category"),
                summary=document.get("summary"),
            ),
            subject=Subject(
                kind=ActivitySubject(document["subject"]),
                deal_id=document.get("deal_id"),
                client_id=document.get("client_id"),
            ),
            team=document.get("team"),
            logged_at=document["logged_at"],
        )


class MongoActivityRepository(MongoRepository[Activity]):
    """Activities by id and the timeline of a deal or a client."""

    def __init__(
        self, collection: AsyncCollection[Any], *, clock: Clock, message_of: MessageOf[Activity]
    ) -> None:
        super().__init__(collection, ActivityMapper(), clock=clock, message_of=message_of)

    async def timeline(self, field: str, record_id: str, *, limit: int) -> list[Record]:
        """The newest activities on one deal (`deal_id`) or client (`client_id`)."""
        if field not in ("deal_id", "client_id"):
            raise ValueError(field)
        cursor = (
            self.collection.find({field: record_id}, {"_outbox": 0})
            .sort([("occurred_at", -1), ("_id", 1)])
            .limit(limit)
        )
        return [doc async for doc in cursor]
