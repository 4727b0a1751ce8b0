"""Activities published by telephony and other systems on `lead.activity_logged`."""

from __future__ import annotations

from leads.domain.contact import normalize_phone
from leads.domain.ids import SOURCE
from leads.domain.lead_records import Activity
from leads.domain.lifecycle import LifecycleError
from leads.service_layer.commands import LeadCommands
from leads.service_layer.contact_book import ContactBook
from leads.service_layer.ports import LeadRepository
from shared.contracts.codec import DecodedEvent
from shared.contracts.events.lead_lifecycle import LeadActivityLoggedV1
from shared.platform.errors import RetryLater
from shared.platform.logging import get_logger

log = get_logger(__name__)


class ExternalActivities:
    """Finds the lead an external activity is about and logs it like one posted by HTTP."""

    def __init__(self, leads: LeadRepository, commands: LeadCommands, book: ContactBook) -> None:
        self._leads = leads
        self._commands = commands
        self._book = book

    async def __call__(self, decoded: DecodedEvent[LeadActivityLoggedV1]) -> None:
        """Subscriber body; our own `lead.activity_logged` events are skipped."""
        if decoded.envelope.source == SOURCE:
            return
        event = decoded.event
        if event.lead_id is not None:
            if await self._leads.by_id_or_alias(event.lead_id) is None:
                # Named by id, so the lead exists or will: its `lead.received` is behind.
                raise RetryLater("the lead of this activity has not arrived yet")
            lead_id: str | None = event.lead_id
        else:
            lead_id = await self._lead_by_phone(event.contact_phone)
        if lead_id is None:
            # A call from a number with no open lead is not poison, just nothing to attach to.
            log.info("activity matches no lead; ignored", activity_id=event.activity_id)
            return
        activity = Activity(
            activity_id=event.activity_id,
            manager_id=event.manager_id,
            kind=event.kind,
            direction=event.direction,
            occurred_at=event.occurred_at,
            outcome=event.outcome,
            duration_seconds=event.duration_seconds,
        )
        try:
            await self._commands.log_activity(lead_id, activity)
        except LifecycleError:
            log.info("activity on a closed lead; ignored", lead_id=lead_id)

    async def _lead_by_phone(self, phone: str | None) -> str | None:
        e164 = normalize_phone(phone).e164 if phone else None
        if e164 is None:
            return None
        # The key points to the person's most recently active open lead.
        lead = await self._book.open_lead_of(f"phone:{e164}")
        return lead.id if lead else None
