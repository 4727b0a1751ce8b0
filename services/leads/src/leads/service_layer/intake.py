"""Intake of `lead.received`: identify, deduplicate, clean, score, assign and store a lead."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from leads.adapters.lead_store import LeadDoc, MongoLeadStore
from leads.domain.assignment import LeadToAssign
from leads.domain.contact import NormalizedContact, normalize_contact
from leads.domain.dedupe import LeadStatus, OpenLeadRef, dedupe_keys, find_duplicate
from leads.domain.ids import lead_id_for
from leads.domain.priority import LeadSignals, Priority, score_lead
from leads.service_layer.assigner import Assigner, Owner
from leads.service_layer.events import lead_event
from shared.contracts.codec import DecodedEvent
from shared.contracts.events.lead_lifecycle import LeadAssignedV1
from shared.contracts.events.lead_received import LeadReceivedV1
from shared.platform.clock import Clock
from shared.platform.logging import get_logger
from shared.platform.outbox import outbox_fields

log = get_logger(__name__)

REPEAT_ACTIVITY_KIND = {"phone": "call", "email": "email"}


class LeadIntake:
    """Handles one `lead.received`; safe to run again for the same event (no second lead)."""

    def __init__(
        self,
        leads: MongoLeadStore,
        assigner: Assigner,
        *,
        clock: Clock,
        dedupe_window: timedelta,
        on_stored: Any = None,
    ) -> None:
        self._leads = leads
        self._assigner = assigner
        self._clock = clock
        self._window = dedupe_window
        self._on_stored = on_stored

    async def __call__(self, decoded: DecodedEvent[LeadReceivedV1]) -> None:
        """Subscriber body for `lead.received`."""
        event = decoded.event
        await self.receive(event, event_id=decoded.envelope.id, sent_at=decoded.envelope.time)

    async def receive(self, event: LeadReceivedV1, *, event_id: str, sent_at: datetime) -> str:
        """Store the lead or merge it into the open lead of the same person; return its id."""
        lead_id = lead_id_for(event.source, event.external_id, event_id)
        existing = await self._leads.get(lead_id)
        if existing is not None:
            log.info("lead already stored; redelivery ignored", lead_id=existing["_id"])
            return str(existing["_id"])
        received_at = event.received_at or sent_at
        contact = normalize_contact(
            name=event.contact.name,
            phone=event.contact.phone,
            email=event.contact.email,
            company=event.contact.company,
            messenger_handle=event.contact.messenger_handle,
        )
        keys = dedupe_keys(contact)
        target = await self._duplicate_of(contact, keys, received_at)
        if target is not None and await self._merge(target, lead_id, event, contact, received_at):
            log.info("duplicate merged into open lead", lead_id=target["_id"], alias=lead_id)
            self._stored()
            return str(target["_id"])
        await self._create(lead_id, event, event_id, contact, keys, received_at)
        return lead_id

    async def _duplicate_of(
        self, contact: NormalizedContact, keys: tuple[str, ...], received_at: datetime
    ) -> LeadDoc | None:
        docs = {doc["_id"]: doc for doc in await self._leads.open_with_keys(keys)}
        refs = [
            OpenLeadRef(
                lead_id=doc["_id"],
                phone=doc["contact"].get("phone"),
                email=doc["contact"].get("email"),
                last_activity_at=doc["last_inbound_at"],
                status=LeadStatus(doc["status"]),
            )
            for doc in docs.values()
        ]
        found = find_duplicate(contact, refs, received_at=received_at, window=self._window)
        return docs[found.lead_id] if found else None

    async def _merge(
        self,
        target: LeadDoc,
        alias: str,
        event: LeadReceivedV1,
        contact: NormalizedContact,
        received_at: datetime,
    ) -> bool:
        now = self._clock.now()
        activity = {
            "id": f"repeat-{alias}",
            "kind": REPEAT_ACTIVITY_KIND.get(event.channel.value, "message"),
            "direction": "inbound",
            "outcome": "repeat_request",
            "channel": event.channel.value,
            "occurred_at": received_at,
            "logged_at": now,
            "manager_id": None,
            "note": event.request_text,
            "counts_as_contact": False,
        }
        fill: dict[str, Any] = {"last_inbound_at": max(received_at, target["last_inbound_at"])}
        new_keys = [k for k in dedupe_keys(contact) if k not in target.get("dedupe_keys", [])]
        if contact.phone.is_valid and not target["contact"].get("phone"):
            fill["contact.phone"] = contact.phone.e164
        if contact.email.is_valid and not target["contact"].get("email"):
            fill["contact.email"] = contact.email.normalized
        fill["updated_at"] = now
        update: dict[str, Any] = {
            "$set": fill,
            "$push": {
                "aliases": alias,
                "activities": activity,
                "history": {"at": now, "type": "duplicate_merged", "channel": event.channel.value},
            },
            "$addToSet": {"channels": event.channel.value},
        }
        if new_keys:
            update["$push"]["dedupe_keys"] = {"$each": new_keys}
        merged = await self._leads.update_if(
            {"_id": target["_id"], "status": target["status"], "aliases": {"$ne": alias}}, update
        )
        if merged:
            return True
        # Either this event was merged before (redelivery) or the lead closed meanwhile.
        again = await self._leads.get(alias)
        return again is not None

    async def _create(
        self,
        lead_id: str,
        event: LeadReceivedV1,
        event_id: str,
        contact: NormalizedContact,
        keys: tuple[str, ...],
        received_at: datetime,
    ) -> None:
        now = self._clock.now()
        client_lead = await self._leads.converted_with_keys(keys)
        client_manager = client_lead.get("manager_id") if client_lead else None
        priority = score_lead(
            LeadSignals(
                channel=event.channel.value,
                received_at=received_at,
                request_text=event.request_text or "",
                product=event.product,
                quantity=event.quantity,
                budget=event.budget.amount if event.budget else None,
                deadline=event.deadline,
                is_returning_client=client_lead is not None,
                referred_by=event.referred_by,
            )
        )
        owner = await self._assigner.choose(
            LeadToAssign(
                lead_id=lead_id,
                channel=event.channel.value,
                region=event.region,
                product=event.product,
                client_manager_id=client_manager,
            ),
            priority=priority.score,
            at=now,
        )
        assigned = LeadAssignedV1(
            lead_id=lead_id,
            manager_id=owner.manager_id,
            team=owner.team,
            reason=owner.reason,
            channel=event.channel,
            source=event.source,
            received_at=received_at,
            assigned_at=now,
            sla_deadline=owner.deadline,
            priority=priority.score,
            returning_client=client_lead is not None,
        )
        message = lead_event(assigned, lead_id=lead_id, at=now, causation_id=event_id)
        doc = lead_document(
            lead_id, event, contact, keys, received_at, now, priority, owner, client_lead
        )
        doc.update(outbox_fields([message]))
        if await self._leads.insert(doc):
            log.info(
                "lead stored",
                lead_id=lead_id,
                channel=event.channel.value,
                priority=priority.score,
                assigned=owner.manager_id is not None,
            )
            self._stored()

    def _stored(self) -> None:
        if self._on_stored is not None:
            self._on_stored()


def lead_document(
    lead_id: str,
    event: LeadReceivedV1,
    contact: NormalizedContact,
    keys: tuple[str, ...],
    received_at: datetime,
    now: datetime,
    priority: Priority,
    owner: Owner,
    client_lead: LeadDoc | None,
) -> dict[str, Any]:
    """The stored form of a new lead: raw and cleaned contact, scoring, owner and SLA timer."""
    status = LeadStatus.ASSIGNED if owner.manager_id else LeadStatus.NEW
    doc: dict[str, Any] = {
        "_id": lead_id,
        "aliases": [],
        "source": event.source,
        "external_id": event.external_id,
        "channel": event.channel.value,
        "channels": [event.channel.value],
        "received_at": received_at,
        "created_at": now,
        "updated_at": now,
        "last_inbound_at": received_at,
        "contact": {
            "name": contact.name,
            "phone": contact.phone.e164,
            "phone_extension": contact.phone.extension,
            "phone_raw": contact.phone.raw,
            "email": contact.email.normalized,
            "email_raw": contact.email.raw,
            "company": contact.company,
            "messenger_handle": contact.messenger_handle,
        },
        "flags": [flag.value for flag in contact.flags],
        "dedupe_keys": list(keys),
        "request_text": event.request_text,
        "product": event.product,
        "quantity": str(event.quantity) if event.quantity is not None else None,
        "budget": (
            {"amount": str(event.budget.amount), "currency": event.budget.currency}
            if event.budget
            else None
        ),
        "region": event.region,
        "deadline": event.deadline.isoformat() if event.deadline else None,
        "utm": event.utm.model_dump(exclude_none=True) if event.utm else None,
        "referred_by": event.referred_by,
        "priority": {
            "score": priority.score,
            "reasons": [
                {"code": r.code, "points": r.points, "text_en": r.text_en, "text_ru": r.text_ru}
                for r in priority.reasons
            ],
        },
        "returning_client": client_lead is not None,
        "client_lead_id": client_lead["_id"] if client_lead else None,
        "status": status.value,
        "manager_id": owner.manager_id,
        "team": owner.team,
        "assignment_reason": owner.reason,
        "sla_deadline": owner.deadline,
        "sla_breaches": 0,
        "sla_missed_by": [],
        "escalated": False,
        "first_contact_at": None,
        "activities": [],
        "activity_ids": [],
        "history": [
            {
                "at": now,
                "type": "assigned",
                "manager_id": owner.manager_id,
                "reason": owner.reason,
            }
        ],
    }
    if owner.deadline is not None:
        doc["sla_due_at"] = owner.deadline
    return doc
