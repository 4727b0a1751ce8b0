"""The parts of a lead and the inputs of its transitions: contact, activities, history, owner."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from datetime import date, datetime
from types import MappingProxyType
from typing import Any

from leads.domain.contact import NormalizedContact
from shared.contracts.events.lead_lifecycle import (
    ActivityDirection,
    ActivityKind,
    ConvertedContact,
    ProductInterest,
)
from shared.contracts.events.money import Money


@dataclass
class LeadContact:
    """Cleaned contact data, with what was typed where it could not be cleaned."""

    name: str | None = None
    phone: str | None = None
    phone_extension: str | None = None
    phone_raw: str | None = None
    email: str | None = None
    email_raw: str | None = None
    company: str | None = None
    messenger_handle: str | None = None

    @classmethod
    def of(cls, contact: NormalizedContact) -> LeadContact:
        """The contact of a new lead: the cleaned values and the raw input beside them."""
        return cls(
            name=contact.name,
            phone=contact.phone.e164,
            phone_extension=contact.phone.extension,
            phone_raw=contact.phone.raw,
            email=contact.email.normalized,
            email_raw=contact.email.raw,
            company=contact.company,
            messenger_handle=contact.messenger_handle,
        )

    def fill_from(self, contact: NormalizedContact) -> None:
        """Take a valid phone or e-mail the lead lacks from a repeat request of the same person."""
        if contact.phone.is_valid and not self.phone:
            self.phone = contact.phone.e164
        if contact.email.is_valid and not self.email:
            self.email = contact.email.normalized

    def for_deal(self) -> ConvertedContact:
        """What the deal starts with: the cleaned values, or what was typed when invalid."""
        return ConvertedContact(
            name=self.name,
            phone=self.phone or self.phone_raw,
            email=self.email or self.email_raw,
            company=self.company,
            messenger_handle=self.messenger_handle,
        )


@dataclass(frozen=True)
class ActivityRecord:
    """One interaction on the lead's timeline; a repeat request carries the channel it came by."""

    id: str
    kind: str
    direction: str
    occurred_at: datetime
    logged_at: datetime
    counts_as_contact: bool
    manager_id: str | None = None
    outcome: str | None = None
    duration_seconds: int | None = None
    note: str | None = None
    channel: str | None = None

    def as_data(self) -> dict[str, Any]:
        """Plain data: a repeat request has a channel and no duration, a logged one the reverse."""
        data = asdict(self)
        del data["duration_seconds" if self.channel is not None else "channel"]
        return data


# The facts each kind of step records; an unknown kind shows the facts it has.
_STEP_FACTS: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {
        "assigned": ("manager_id", "reason"),
        "duplicate_merged": ("channel",),
        "rescored": ("channel", "reason"),
        "contacted": ("manager_id",),
        "qualified": ("manager_id",),
        "converted": ("manager_id",),
        "disqualified": ("reason",),
        "reassigned": ("manager_id", "from_manager_id", "reason"),
        "sla_breached": ("manager_id", "from_manager_id", "reason", "breach_count"),
        "escalated": ("manager_id", "from_manager_id", "breach_count"),
    }
)


@dataclass(frozen=True)
class HistoryEntry:
    """One step of the lead's life (assigned, contacted, reassigned, ...) and who it concerned."""

    at: datetime
    type: str
    manager_id: str | None = None
    from_manager_id: str | None = None
    reason: str | None = None
    breach_count: int | None = None
    channel: str | None = None

    def as_data(self) -> dict[str, Any]:
        """Plain data: the time, the type and the facts this type of step records."""
        data = asdict(self)
        facts = _STEP_FACTS.get(self.type)
        if facts is None:
            return {name: value for name, value in data.items() if value is not None}
        return {"at": self.at, "type": self.type, **{name: data[name] for name in facts}}


@dataclass(frozen=True)
class Owner:
    """Who works the lead now, why, and by when first contact is due."""

    manager_id: str | None
    team: str
    reason: str
    deadline: datetime | None


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
