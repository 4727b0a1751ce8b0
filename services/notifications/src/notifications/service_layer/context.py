"""What a template reads: the event's facts plus names from the directory, never addresses."""

from __future__ import annotations

from typing import Any

from notifications.domain.model import RecipientProfile
from notifications.service_layer.ports import RecipientDirectory

# Shown where an optional fact is absent (a client not yet known, no reason given).
MISSING = "—"


class ContextBuilder:
    """Builds the context of every built-in kind (see `templates.sample_context`).

    Events carry ids only; people's names come from the directory and fall back to the id.
    Leads, invoices and deals have no names in the events, so their ids stand in (the lead
    id is the number managers search by, the invoice id the number on the invoice).
    """

    def __init__(self, directory: RecipientDirectory, *, sender_name: str) -> None:
        self._directory = directory
        self._sender = sender_name

    async def build(
        self, source_type: str, payload: dict[str, Any], recipient: RecipientProfile
    ) -> dict[str, object]:
        """The context for one recipient of one event."""
        context: dict[str, object] = {
            "recipient_name": recipient.name or recipient.id,
            "sender_name": self._sender,
            "time_zone": recipient.recipient.time_zone,
        }
        family = source_type.partition(":")[0]
        if family.startswith("lead."):
            context.update(await self._lead(payload))
        elif family == "payment.due":
            context.update(await self._payment(payload))
        elif family == "deal.stage_changed":
            context.update(await self._deal(payload))
        elif family in ("contract.renewal_due", "client.segment_changed"):
            context.update(await self._client(payload))
        elif family == "task.overdue":
            context.update(await self._task(payload))
        elif family == "meeting.reminder_due":
            context.update(await self._meeting(payload))
        elif family == "proposal.sent":
            context.update(await self._proposal(payload, recipient))
        elif family in ("proposal.accepted", "proposal.declined"):
            context.update(await self._answer(family, payload))
        return context

    async def _name(self, recipient_id: object) -> str:
        if not recipient_id:
            return MISSING
        profile = await self._directory.get(str(recipient_id))
        return (profile.name if profile else "") or str(recipient_id)

    async def _lead(self, payload: dict[str, Any]) -> dict[str, object]:
        manager = payload.get("manager_id") or payload.get("to_manager_id")
        # An escalated lead has no new deadline: "contact by <the moment it moved>" reads
        # as "at once", which is what escalation means.
        respond_by = (
            payload.get("sla_deadline")
            or payload.get("reassigned_at")
            or payload.get("assigned_at")
        )
        return {
            "lead_id": payload.get("lead_id"),
            "lead_name": payload.get("lead_id"),
            "respond_by": respond_by,
            "deadline_at": payload.get("deadline") or respond_by,
            "manager_name": await self._name(manager),
        }

    async def _payment(self, payload: dict[str, Any]) -> dict[str, object]:
        amount = payload.get("amount") or {}
        return {
            "invoice_number": payload.get("invoice_id"),
            "amount": amount.get("amount"),
            "currency": amount.get("currency"),
            "due_date": payload.get("due_date"),
            "client_name": await self._name(payload.get("client_id")),
            "manager_name": await self._name(payload.get("manager_id")),
        }

    async def _deal(self, payload: dict[str, Any]) -> dict[str, object]:
        amount = payload.get("amount") or {}
        return {
            "deal_name": payload.get("deal_id"),
            "client_name": await self._name(payload.get("client_id")),
            "manager_name": await self._name(payload.get("manager_id")),
            "amount": amount.get("amount"),
            "currency": amount.get("currency"),
            "lost_reason": payload.get("lost_reason") or MISSING,
        }

    async def _client(self, payload: dict[str, Any]) -> dict[str, object]:
        # A missing last purchase date makes the cadence texts fail to render: the delivery
        # is then failed with the template problem, rather than telling a made-up date.
        return {
            "client_name": await self._name(payload.get("client_id")),
            "contract_number": payload.get("number"),
            "renewal_date": payload.get("renewal_date"),
            "last_purchase_date": payload.get("last_purchase_on"),
        }

    async def _task(self, payload: dict[str, Any]) -> dict[str, object]:
        # The due time is an instant: the texts show it in the recipient's own zone.
        return {
            "task_id": payload.get("task_id"),
            "task_title": payload.get("title"),
            "due_at": payload.get("due_at"),
            "assignee_name": await self._name(payload.get("assignee_id")),
        }

    async def _proposal(
        self, payload: dict[str, Any], recipient: RecipientProfile
    ) -> dict[str, object]:
        # The client is greeted by the name the directory has; someone reached only at the
        # address the manager typed has none, and the texts then greet without a name.
        total = payload.get("total") or {}
        return {
            "number": payload.get("number"),
            "version": payload.get("version"),
            "amount": total.get("amount"),
            "currency": total.get("currency"),
            "valid_until": payload.get("valid_until"),
            "accept_url": payload.get("accept_url"),
            "decline_url": payload.get("decline_url"),
            "client_name": recipient.name or None,
            "manager_name": await self._name(payload.get("manager_id")),
        }

    async def _answer(self, family: str, payload: dict[str, Any]) -> dict[str, object]:
        # The answer names the proposal by its id (the number is not in the event); a
        # refusal has no amount, and its reason is None when the client gave none.
        context: dict[str, object] = {
            "proposal_name": payload.get("proposal_id"),
            "version": payload.get("version"),
            "deal_name": payload.get("deal_id"),
            "client_name": await self._name(payload.get("client_id")),
        }
        if family == "proposal.accepted":
            total = payload.get("total") or {}
            context.update(amount=total.get("amount"), currency=total.get("currency"))
        else:
            context["reason"] = payload.get("reason") or None
        return context

    async def _meeting(self, payload: dict[str, Any]) -> dict[str, object]:
        # The start is an instant, shown as HH:MM in the recipient's own zone. `where` is the
        # place of a meeting in person, else the call link; None when the event has neither
        # (the texts then leave it out rather than show a dash).
        return {
            "meeting_id": payload.get("meeting_id"),
            "meeting_title": payload.get("title"),
            "starts_at": payload.get("starts_at"),
            "where": payload.get("place") or payload.get("link"),
            "organizer_name": await self._name(payload.get("organizer_id")),
        }
