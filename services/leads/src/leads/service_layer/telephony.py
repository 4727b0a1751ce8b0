"""Activities published by telephony and other systems on `lead.activity_logged`.

Nothing is dropped silently. An activity naming a lead not stored yet is read again later
(`RetryLater`); one identified by a phone that no open lead has is parked until that lead
lands (`ActivityParking`); one that can never be logged raises an `ActivityNotLogged` whose
message says why, so the consumer dead-letters it with that reason (after its retries).
"""

from __future__ import annotations

from leads.domain.contact import normalize_phone
from leads.domain.dedupe import LeadStatus, phone_key
from leads.domain.ids import SOURCE
from leads.domain.lead_records import Activity
from leads.domain.lifecycle import LifecycleError
from leads.service_layer.commands import LeadCommands
from leads.service_layer.contact_book import ContactBook
from leads.service_layer.parking import ActivityParking
from leads.service_layer.ports import LeadRepository
from shared.contracts.codec import DecodedEvent
from shared.contracts.events.lead_lifecycle import LeadActivityLoggedV1
from shared.platform.errors import RetryLater


class ActivityNotLogged(ValueError):
    """An external activity that can never be logged; the message (no personal data) says why."""


class ActivityWithoutLead(ActivityNotLogged):
    """Neither a lead id nor a phone to find the lead by."""


class UnusablePhone(ActivityNotLogged):
    """The phone cannot be normalised, so no lead can ever be found or waited for by it."""


class ActivityOnClosedLead(ActivityNotLogged):
    """The lead is converted or disqualified and takes no more activities."""


CLOSED_LEAD_REASONS = {
    LeadStatus.CONVERTED: "the lead is converted; activities on its deal go to activity.logged",
    LeadStatus.DISQUALIFIED: (
        "the lead is disqualified and takes no more activities; "
        "a new request of the person opens a new lead"
    ),
}


class ExternalActivities:
    """Finds the lead an external activity is about and logs it like one posted by HTTP."""

    def __init__(
        self,
        leads: LeadRepository,
        commands: LeadCommands,
        book: ContactBook,
        parking: ActivityParking,
    ) -> None:
        self._leads = leads
        self._commands = commands
        self._book = book
        self._parking = parking

    async def __call__(self, decoded: DecodedEvent[LeadActivityLoggedV1]) -> None:
        """Subscriber body; our own `lead.activity_logged` events are skipped."""
        if decoded.envelope.source == SOURCE:
            return
        event = decoded.event
        activity = Activity(
            activity_id=event.activity_id,
            manager_id=event.manager_id,
            kind=event.kind,
            direction=event.direction,
            occurred_at=event.occurred_at,
            outcome=event.outcome,
            duration_seconds=event.duration_seconds,
        )
        if event.lead_id is not None:
            named = await self._leads.by_id_or_alias(event.lead_id)
            if named is None:
                # Named by id, so the lead exists or will: its `lead.received` is behind.
                raise RetryLater("the lead of this activity has not arrived yet")
            await self._log(named.id, activity)
            return
        key = key_of(event.contact_phone)
        # The key points to the person's most recently active open lead.
        lead = await self._book.open_lead_of(key)
        if lead is None:
            await self._parking.park(key, activity)
            return
        await self._log(lead.id, activity)

    async def _log(self, lead_id: str, activity: Activity) -> None:
        try:
            await self._commands.log_activity(lead_id, activity)
        except LifecycleError:
            lead = await self._leads.get(lead_id)
            reason = CLOSED_LEAD_REASONS.get(lead.status) if lead is not None else None
            raise ActivityOnClosedLead(reason or "the lead takes no more activities") from None


def key_of(contact_phone: str | None) -> str:
    """The phone key an activity without a lead id is looked up and parked by."""
    if contact_phone is None:
        raise ActivityWithoutLead(
            "the activity names neither lead_id nor contact_phone; nothing to log it on"
        )
    e164 = normalize_phone(contact_phone).e164
    if e164 is None:
        raise UnusablePhone(
            "contact_phone cannot be normalised to E.164; no lead can be found or waited for by it"
        )
    return phone_key(e164)
