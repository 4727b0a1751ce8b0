"""What managers (and telephony) do to a lead: log activities, qualify, convert, disqualify, move.

Each command reads the lead, lets the domain check the move, then writes one update that is
conditional on what it read (status, owner): a concurrent change makes it re-read and
decide again rather than overwrite. Events go to the lead's outbox in the same write.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from leads.adapters.lead_store import LeadDoc, MongoLeadStore
from leads.domain.dedupe import LeadStatus
from leads.domain.lifecycle import (
    AWAITING_CONTACT,
    LifecycleError,
    check_convert,
    check_disqualify,
    check_qualify,
    check_reassign,
    counts_as_contact,
)
from leads.service_layer.assigner import Assigner
from leads.service_layer.events import lead_event
from shared.contracts.events.lead_lifecycle import (
    ActivityDirection,
    ActivityKind,
    ConvertedContact,
    LeadActivityLoggedV1,
    LeadContactedV1,
    LeadConvertedV1,
    LeadDisqualifiedV1,
    LeadQualifiedV1,
    LeadReassignedV1,
    ProductInterest,
    ReassignReason,
)
from shared.contracts.events.lead_received import LeadChannel, UtmTags
from shared.contracts.events.money import Money
from shared.platform.clock import Clock
from shared.platform.outbox import OutboxMessage, with_outbox

ATTEMPTS = 5


class LeadNotFound(Exception):
    """No lead has that id."""


class ConcurrentChange(Exception):
    """The lead kept changing under the command; the caller may retry."""


@dataclass(frozen=True)
class Activity:
    """A logged interaction, as a command."""

    activity_id: str
    manager_id: str
    kind: ActivityKind
    direction: ActivityDirection
    occurred_at: datetime
    outcome: str | None = None
    duration_seconds: int | None = None
    note: str | None = None


@dataclass(frozen=True)
class Conversion:
    """What the manager adds when turning a lead into a deal."""

    manager_id: str | None
    products: tuple[ProductInterest, ...] = ()
    amount_estimate: Money | None = None
    expected_close_on: date | None = None


Plan = tuple[dict[str, Any], list[OutboxMessage]] | None
Planner = Callable[[LeadDoc, datetime], Awaitable[Plan]]


class LeadCommands:
    """The write side of the lead API; `wake` nudges the outbox relay after a write."""

    def __init__(
        self,
        leads: MongoLeadStore,
        assigner: Assigner,
        *,
        clock: Clock,
        disqualify_reasons: frozenset[str],
        wake: Callable[[], None] = lambda: None,
    ) -> None:
        self._leads = leads
        self._assigner = assigner
        self._clock = clock
        self._reasons = disqualify_reasons
        self._wake = wake

    async def _apply(
        self, lead_id: str, plan: Planner, extra_match: dict[str, Any] | None = None
    ) -> LeadDoc:
        for _ in range(ATTEMPTS):
            doc = await self._leads.get(lead_id)
            if doc is None:
                raise LeadNotFound(lead_id)
            now = self._clock.now()
            planned = await plan(doc, now)
            if planned is None:
                return doc
            update, events = planned
            update.setdefault("$set", {})["updated_at"] = now
            match = {
                "_id": doc["_id"],
                "status": doc["status"],
                "manager_id": doc["manager_id"],
                **(extra_match or {}),
            }
            if await self._leads.update_if(match, with_outbox(update, events)):
                if events:
                    self._wake()
                fresh = await self._leads.get(doc["_id"])
                assert fresh is not None
                return fresh
        raise ConcurrentChange(lead_id)

    async def log_activity(self, lead_id: str, activity: Activity) -> tuple[LeadDoc, bool]:
        """Record an activity once; the first contact stops the SLA clock.

        Returns the lead and whether the activity was new (False for a repeated id).
        """
        created = False

        async def plan(doc: LeadDoc, now: datetime) -> Plan:
            nonlocal created
            if activity.activity_id in doc.get("activity_ids", []):
                return None
            if LeadStatus(doc["status"]) in (LeadStatus.CONVERTED, LeadStatus.DISQUALIFIED):
                raise LifecycleError(f"the lead is closed ({doc['status']})")
            created = True
            return self._activity_plan(doc, activity, now)

        doc = await self._apply(lead_id, plan, {"activity_ids": {"$ne": activity.activity_id}})
        return doc, created

    def _activity_plan(self, doc: LeadDoc, activity: Activity, now: datetime) -> Plan:
        contact = counts_as_contact(activity.kind.value, activity.direction.value, activity.outcome)
        first = contact and LeadStatus(doc["status"]) in AWAITING_CONTACT
        record = {
            "id": activity.activity_id,
            "kind": activity.kind.value,
            "direction": activity.direction.value,
            "outcome": activity.outcome,
            "duration_seconds": activity.duration_seconds,
            "occurred_at": activity.occurred_at,
            "logged_at": now,
            "manager_id": activity.manager_id,
            "note": activity.note,
            "counts_as_contact": contact,
        }
        events = [
            lead_event(
                LeadActivityLoggedV1(
                    activity_id=activity.activity_id,
                    lead_id=doc["_id"],
                    manager_id=activity.manager_id,
                    kind=activity.kind,
                    direction=activity.direction,
                    outcome=activity.outcome,
                    duration_seconds=activity.duration_seconds,
                    occurred_at=activity.occurred_at,
                    team=doc.get("team"),
                    counts_as_contact=contact,
                ),
                lead_id=doc["_id"],
                at=now,
            )
        ]
        update: dict[str, Any] = {
            "$push": {"activities": record, "activity_ids": activity.activity_id},
            "$set": {},
        }
        if first:
            deadline = doc.get("sla_deadline")
            contacted_at = min(activity.occurred_at, now)
            within = deadline is None or contacted_at <= deadline
            response = max(0, int((contacted_at - doc["received_at"]).total_seconds()))
            events.append(
                lead_event(
                    LeadContactedV1(
                        lead_id=doc["_id"],
                        manager_id=activity.manager_id,
                        team=doc.get("team"),
                        activity_id=activity.activity_id,
                        kind=activity.kind,
                        contacted_at=contacted_at,
                        received_at=doc["received_at"],
                        response_seconds=response,
                        within_sla=within,
                    ),
                    lead_id=doc["_id"],
                    at=now,
                )
            )
            update["$set"].update(
                {
                    "status": LeadStatus.CONTACTED.value,
                    "first_contact_at": contacted_at,
                    "first_contact_by": activity.manager_id,
                    "response_seconds": response,
                    "within_sla": within,
                }
            )
            update["$unset"] = {"sla_due_at": ""}
            update["$push"]["history"] = {
                "at": now,
                "type": "contacted",
                "manager_id": activity.manager_id,
            }
        return update, events

    async def qualify(self, lead_id: str, *, by: str | None) -> LeadDoc:
        """Mark a contacted lead as a real opportunity (a repeat is a no-op)."""

        async def plan(doc: LeadDoc, now: datetime) -> Plan:
            status = LeadStatus(doc["status"])
            if status is LeadStatus.QUALIFIED:
                return None
            check_qualify(status)
            manager = by or doc["manager_id"]
            return (
                {
                    "$set": {"status": LeadStatus.QUALIFIED.value, "qualified_at": now},
                    "$push": {"history": {"at": now, "type": "qualified", "manager_id": manager}},
                },
                [self._qualified(doc, manager, now)],
            )

        return await self._apply(lead_id, plan)

    def _qualified(self, doc: LeadDoc, manager: str, now: datetime) -> OutboxMessage:
        return lead_event(
            LeadQualifiedV1(
                lead_id=doc["_id"],
                manager_id=manager,
                team=doc.get("team"),
                channel=LeadChannel(doc["channel"]),
                qualified_at=now,
            ),
            lead_id=doc["_id"],
            at=now,
        )

    async def convert(self, lead_id: str, conversion: Conversion) -> LeadDoc:
        """Turn the lead into a deal: `lead.converted` carries what the deals service needs."""

        async def plan(doc: LeadDoc, now: datetime) -> Plan:
            status = LeadStatus(doc["status"])
            if status is LeadStatus.CONVERTED:
                return None
            implied_qualification = check_convert(status)
            manager = conversion.manager_id or doc.get("manager_id") or doc.get("first_contact_by")
            if manager is None:
                raise LifecycleError("the lead has no manager to own the deal; name one")
            events: list[OutboxMessage] = []
            if implied_qualification:
                events.append(self._qualified(doc, manager, now))
            events.append(self._converted(doc, conversion, manager, now))
            return (
                {
                    "$set": {
                        "status": LeadStatus.CONVERTED.value,
                        "converted_at": now,
                        "manager_id": manager,
                    },
                    "$push": {"history": {"at": now, "type": "converted", "manager_id": manager}},
                },
                events,
            )

        return await self._apply(lead_id, plan)

    def _converted(
        self, doc: LeadDoc, conversion: Conversion, manager: str, now: datetime
    ) -> OutboxMessage:
        contact = doc["contact"]
        products = conversion.products
        if not products and doc.get("product"):
            quantity = Decimal(doc["quantity"]) if doc.get("quantity") else None
            products = (ProductInterest(product=doc["product"], quantity=quantity),)
        amount = conversion.amount_estimate
        if amount is None and doc.get("budget"):
            amount = Money(
                amount=Decimal(doc["budget"]["amount"]), currency=doc["budget"]["currency"]
            )
        return lead_event(
            LeadConvertedV1(
                lead_id=doc["_id"],
                manager_id=manager,
                team=doc.get("team"),
                channel=LeadChannel(doc["channel"]),
                source=doc["source"],
                received_at=doc["received_at"],
                converted_at=now,
                contact=ConvertedContact(
                    name=contact.get("name"),
                    phone=contact.get("phone") or contact.get("phone_raw"),
                    email=contact.get("email") or contact.get("email_raw"),
                    company=contact.get("company"),
                    messenger_handle=contact.get("messenger_handle"),
                ),
                request_text=doc.get("request_text"),
                products=products,
                amount_estimate=amount,
                region=doc.get("region"),
                utm=UtmTags(**doc["utm"]) if doc.get("utm") else None,
                expected_close_on=conversion.expected_close_on,
            ),
            lead_id=doc["_id"],
            at=now,
        )

    async def disqualify(
        self, lead_id: str, *, reason: str, note: str | None, by: str | None
    ) -> LeadDoc:
        """Close the lead with a configured reason."""

        async def plan(doc: LeadDoc, now: datetime) -> Plan:
            status = LeadStatus(doc["status"])
            if status is LeadStatus.DISQUALIFIED and doc.get("disqualify_reason") == reason:
                return None
            check_disqualify(status, reason, self._reasons)
            manager = by or doc.get("manager_id")
            event = LeadDisqualifiedV1(
                lead_id=doc["_id"],
                manager_id=manager,
                team=doc.get("team"),
                channel=LeadChannel(doc["channel"]),
                reason=reason,
                note=note,
                disqualified_at=now,
            )
            return (
                {
                    "$set": {
                        "status": LeadStatus.DISQUALIFIED.value,
                        "disqualified_at": now,
                        "disqualify_reason": reason,
                        "disqualify_note": note,
                    },
                    "$unset": {"sla_due_at": ""},
                    "$push": {"history": {"at": now, "type": "disqualified", "reason": reason}},
                },
                [lead_event(event, lead_id=doc["_id"], at=now)],
            )

        return await self._apply(lead_id, plan)

    async def reassign(self, lead_id: str, *, to_manager_id: str, note: str | None) -> LeadDoc:
        """Hand the lead to a named manager; an uncontacted lead gets a fresh deadline."""

        async def plan(doc: LeadDoc, now: datetime) -> Plan:
            status = LeadStatus(doc["status"])
            check_reassign(status)
            if doc.get("manager_id") == to_manager_id:
                return None
            manager = await self._assigner.roster_manager(to_manager_id)
            if manager is None:
                raise LifecycleError("no such manager in the roster")
            team = str(manager.get("team") or doc.get("team") or "")
            waiting = status in AWAITING_CONTACT
            deadline = (
                await self._assigner.deadline(
                    team, doc["channel"], int(doc["priority"]["score"]), now
                )
                if waiting
                else None
            )
            fields: dict[str, Any] = {"manager_id": to_manager_id, "team": team}
            update: dict[str, Any] = {
                "$set": fields,
                "$push": {
                    "history": {
                        "at": now,
                        "type": "reassigned",
                        "manager_id": to_manager_id,
                        "from_manager_id": doc.get("manager_id"),
                        "reason": "manual",
                    }
                },
            }
            if waiting:
                fields.update(
                    {
                        "status": LeadStatus.ASSIGNED.value,
                        "sla_deadline": deadline,
                        "sla_due_at": deadline,
                    }
                )
            event = LeadReassignedV1(
                lead_id=doc["_id"],
                from_manager_id=doc.get("manager_id"),
                to_manager_id=to_manager_id,
                team=team,
                reason=ReassignReason.MANUAL,
                detail=note,
                breach_count=int(doc.get("sla_breaches", 0)),
                reassigned_at=now,
                sla_deadline=deadline,
            )
            return update, [lead_event(event, lead_id=doc["_id"], at=now)]

        return await self._apply(lead_id, plan)
