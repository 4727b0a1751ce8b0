"""Duplicate detection: the same person by phone or e-mail joins their open lead."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from leads.domain.contact import NormalizedContact


class LeadStatus(StrEnum):
    """Lifecycle of a lead: new → assigned → contacted → qualified → converted | disqualified."""

    NEW = "new"
    ASSIGNED = "assigned"
    CONTACTED = "contacted"
    QUALIFIED = "qualified"
    CONVERTED = "converted"
    DISQUALIFIED = "disqualified"


CLOSED_STATUSES: frozenset[LeadStatus] = frozenset({LeadStatus.CONVERTED, LeadStatus.DISQUALIFIED})


@dataclass(frozen=True, slots=True)
class OpenLeadRef:
    """What the repository returns about a lead; phone and e-mail are already normalised."""

    lead_id: str
    phone: str | None
    email: str | None
    last_activity_at: datetime
    status: LeadStatus


PHONE_KEY_PREFIX = "phone:"


def phone_key(e164: str) -> str:
    """The dedupe key of a normalised phone, e.g. "phone:+79123456789"."""
    return f"{PHONE_KEY_PREFIX}{e164}"


def phone_keys(keys: Iterable[str]) -> list[str]:
    """The phone keys among a lead's dedupe keys."""
    return [key for key in keys if key.startswith(PHONE_KEY_PREFIX)]


def _keys(phone: str | None, email: str | None) -> tuple[str, ...]:
    keys: list[str] = []
    if phone:
        keys.append(phone_key(phone))
    if email:
        keys.append(f"email:{email}")
    return tuple(keys)


def dedupe_keys(contact: NormalizedContact) -> tuple[str, ...]:
    """Index keys such as "phone:+79123456789" and "email:a@b.ru"; invalid values give none.

    Raw invalid values are not keys on purpose: "123" typed by two strangers is no match.
    """
    return _keys(contact.phone.e164, contact.email.normalized)


def _is_candidate(
    ref: OpenLeadRef, keys: frozenset[str], *, received_at: datetime, window: timedelta
) -> bool:
    if ref.status in CLOSED_STATUSES:
        return False
    if ref.last_activity_at < received_at - window:
        return False
    return not keys.isdisjoint(_keys(ref.phone, ref.email))


def find_duplicate(
    candidate: NormalizedContact,
    open_leads: Iterable[OpenLeadRef],
    *,
    received_at: datetime,
    window: timedelta,
) -> OpenLeadRef | None:
    """Return the open lead this contact duplicates, the most recently active one if several.

    Activity later than `received_at` (clock skew between channels) still counts as inside
    the window. Ties on activity time go to the greatest lead id, so the answer is stable.
    """
    keys = frozenset(dedupe_keys(candidate))
    if not keys:
        return None
    matches = [
        ref
        for ref in open_leads
        if _is_candidate(ref, keys, received_at=received_at, window=window)
    ]
    return max(matches, key=lambda ref: (ref.last_activity_at, ref.lead_id), default=None)
