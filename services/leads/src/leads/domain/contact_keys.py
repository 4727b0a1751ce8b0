"""Contact keys: which open lead owns a phone or e-mail, and whose client that person is."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

CLAIM_GRACE = timedelta(minutes=1)
"""How long a key may point to a lead not stored yet before the claim counts as abandoned."""


@dataclass(frozen=True, slots=True)
class ClientRef:
    """The latest converted lead of a person: a returning client goes back to its manager."""

    lead_id: str
    manager_id: str | None
    converted_at: datetime


@dataclass(frozen=True, slots=True)
class ContactKey:
    """One dedupe key (`phone:+7…`, `email:…`): the open lead owning it, and the client it was."""

    key: str
    owner: str | None = None
    claimed_at: datetime | None = None
    client: ClientRef | None = None

    def claim_in_flight(self, now: datetime) -> bool:
        """Claimed so recently that a missing owner may still be on its way to being stored."""
        return self.claimed_at is not None and now - self.claimed_at < CLAIM_GRACE


@dataclass(frozen=True, slots=True)
class KeyClaim:
    """Point `key` to `lead_id` if it still points to `expected` (None: free or absent)."""

    key: str
    lead_id: str
    expected: str | None


def latest_client(clients: Iterable[ClientRef | None]) -> ClientRef | None:
    """The most recent conversion among several keys (ties go to the greatest lead id)."""
    return max(
        (client for client in clients if client is not None),
        key=lambda client: (client.converted_at, client.lead_id),
        default=None,
    )
