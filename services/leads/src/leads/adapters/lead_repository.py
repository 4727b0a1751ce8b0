"""The `leads` collection as a repository of lead aggregates, with the service's indexed queries."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from pymongo import ASCENDING, DESCENDING
from pymongo.asynchronous.database import AsyncDatabase

from leads.adapters.bulk import insert_all
from leads.adapters.lead_mapper import LeadMapper
from leads.domain.ids import SOURCE
from leads.domain.lead import Lead
from leads.domain.lead_filter import LeadFilter
from leads.domain.lifecycle import AWAITING_CONTACT, OPEN_STATUSES
from leads.domain.sla import SET_ASIDE
from shared.platform.clock import Clock
from shared.platform.outbox import outbox_fields
from shared.platform.repository import REVISION_FIELD, MongoRepository, message_on_own_topic

OPEN = sorted(status.value for status in OPEN_STATUSES)
AWAITING = sorted(status.value for status in AWAITING_CONTACT)
# Lists read leads only: the relay's outbox stays in the database.
LIST_PROJECTION = {"_outbox": 0}
WARMEST_FIRST = [("priority.score", DESCENDING), ("received_at", ASCENDING), ("_id", ASCENDING)]
# The overdue list is a range on the deadline, so an index gives it in deadline order only.
MOST_OVERDUE_FIRST = [("sla_deadline", ASCENDING), ("_id", ASCENDING)]


class MongoLeadRepository(MongoRepository[Lead]):
    """Leads by id, by merged alias, by deadline, by owner and by list filters."""

    def __init__(self, db: AsyncDatabase[Any], *, clock: Clock) -> None:
        super().__init__(
            db["leads"], LeadMapper(), clock=clock, message_of=message_on_own_topic(SOURCE)
        )
        self.aliases = db["lead_aliases"]

    async def by_id_or_alias(self, lead_id: str) -> Lead | None:
        """A lead by its id or by the id of a duplicate merged into it (both by `_id`)."""
        lead = await self.get(lead_id)
        if lead is not None:
            return lead
        alias = await self.aliases.find_one({"_id": lead_id})
        target = await self.get(alias["lead_id"]) if alias else None
        # Written before the merge's save: it counts only once the lead lists the alias.
        return target if target is not None and lead_id in target.aliases else None

    async def get_many(self, lead_ids: Sequence[str]) -> dict[str, Lead]:
        """The stored leads among `lead_ids`, by id (one `_id: {$in}` read)."""
        if not lead_ids:
            return {}
        leads = await self.find({"_id": {"$in": sorted(set(lead_ids))}})
        return {lead.id: lead for lead in leads}

    async def by_ids_or_aliases(self, lead_ids: Sequence[str]) -> dict[str, Lead]:
        """`by_id_or_alias` of several ids in at most three reads; absent ids are left out."""
        found = await self.get_many(lead_ids)
        missing = sorted(set(lead_ids) - set(found))
        if not missing:
            return found
        cursor = self.aliases.find({"_id": {"$in": missing}})
        targets = {document["_id"]: document["lead_id"] async for document in cursor}
        leads = await self.get_many(list(targets.values()))
        for alias, target_id in targets.items():
            target = leads.get(target_id)
            if target is not None and alias in target.aliases:
                found[alias] = target
        return found

    async def add_many(self, leads: Sequence[Lead], *, causation_ids: Sequence[str]) -> list[bool]:
        """`add` of several leads in as few commands as the chunking allows."""
        documents = [self._mapper.to_document(lead) for lead in leads]
        taken = await insert_all(
            self.collection,
            [
                {**document, REVISION_FIELD: 0, **outbox_fields(self._messages(lead, cause))}
                for lead, document, cause in zip(leads, documents, causation_ids, strict=True)
            ],
        )
        for index, (lead, document) in enumerate(zip(leads, documents, strict=True)):
            if index not in taken:
                lead.collect_events()
                lead.revision = 0
                self._remember(lead, document)
        return [index not in taken for index in range(len(leads))]

    async def save(self, aggregate: Lead, *, causation_id: str | None = None) -> None:
        """Save, first pointing each newly merged duplicate's id to the lead by `_id`."""
        before = self._loaded.get(aggregate)
        known = set(before.get("aliases") or []) if before else set()
        for alias in aggregate.aliases:
            if alias not in known:
                await self.aliases.update_one(
                    {"_id": alias}, {"$set": {"lead_id": aggregate.id}}, upsert=True
                )
        await super().save(aggregate, causation_id=causation_id)

    async def due(self, now: datetime, limit: int) -> list[Lead]:
        """Uncontacted leads whose first-contact timer fired by `now`, earliest first.

        A stored lead the mapper cannot read is set aside (`SET_ASIDE`), not allowed to stop
        every later deadline.
        """
        unreadable: list[str] = []
        due = await self.find(
            {"sla_due_at": {"$lte": now}, "status": {"$in": AWAITING}},
            sort=[("sla_due_at", ASCENDING)],
            limit=limit,
            unreadable=unreadable,
        )
        for lead_id in unreadable:
            await self.postpone(lead_id, now + SET_ASIDE)
        return due

    async def postpone(self, lead_id: str, until: datetime) -> None:
        """Keep a lead's first-contact timer from firing before `until`."""
        await self.set_aside(lead_id, "sla_due_at", until)

    async def counted_for(self, lead_id: str) -> str | None:
        """The owner of the stored lead while it is open (None: closed, unowned or absent)."""
        document = await self.collection.find_one({"_id": lead_id}, {"manager_id": 1, "status": 1})
        if document is None or document.get("status") not in OPEN:
            return None
        owner: str | None = document.get("manager_id")
        return owner

    async def counted_for_many(self, lead_ids: Sequence[str]) -> dict[str, str | None]:
        """`counted_for` of several leads in one read."""
        if not lead_ids:
            return {}
        cursor = self.collection.find(
            {"_id": {"$in": sorted(set(lead_ids))}}, {"manager_id": 1, "status": 1}
        )
        stored = {
            document["_id"]: document.get("manager_id") if document.get("status") in OPEN else None
            async for document in cursor
        }
        return {lead_id: stored.get(lead_id) for lead_id in lead_ids}

    async def open_ids_of(self, manager_id: str) -> set[str]:
        """Ids of the manager's open leads."""
        cursor = self.collection.find(
            {"manager_id": manager_id, "status": {"$in": OPEN}}, {"_id": 1}
        )
        return {document["_id"] async for document in cursor}

    async def managers_with_open_leads(self) -> set[str]:
        """Every manager owning an open lead."""
        # Not `distinct`: FerretDB refuses the `maxTimeMS` that the client's timeoutMS adds to it.
        cursor = await self.collection.aggregate(
            [{"$match": {"status": {"$in": OPEN}}}, {"$group": {"_id": "$manager_id"}}]
        )
        return {group["_id"] async for group in cursor if group["_id"]}

    async def search(
        self, wanted: LeadFilter, *, offset: int, limit: int
    ) -> tuple[list[Lead], int]:
        """A page of the leads passing the filter, warmest first, and how many pass it."""
        query = filter_query(wanted)
        # Without a filter the total comes from the collection's metadata instead of a scan.
        total = (
            await self.collection.count_documents(query)
            if query
            else await self.collection.estimated_document_count()
        )
        cursor = (
            self.collection.find(query, LIST_PROJECTION)
            .sort(MOST_OVERDUE_FIRST if wanted.deadline_before is not None else WARMEST_FIRST)
            .skip(offset)
            .limit(limit)
        )
        return [self._load(document) async for document in cursor], total


def filter_query(wanted: LeadFilter) -> dict[str, Any]:
    """The MongoDB query of a lead filter."""
    query: dict[str, Any] = {}
    if wanted.statuses is not None:
        query["status"] = {"$in": sorted(status.value for status in wanted.statuses)}
    if wanted.manager_id is not None:
        query["manager_id"] = wanted.manager_id
    if wanted.team is not None:
        query["team"] = wanted.team
    if wanted.channel is not None:
        query["channel"] = wanted.channel
    if wanted.min_priority is not None:
        query["priority.score"] = {"$gte": wanted.min_priority}
    if wanted.deadline_before is not None:
        query["sla_deadline"] = {"$lt": wanted.deadline_before}
    return query
