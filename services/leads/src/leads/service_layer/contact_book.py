"""Which open lead a person's phone or e-mail belongs to, through contact-key documents.

Finding a duplicate reads at most two keys by `_id` and their owning leads by `_id`. A new lead
claims its keys before it is stored (compare-and-set on the owner read, in key order), so two
requests of one person handled at once cannot both create a lead: the loser sees the winner's
claim and merges into it. A key owned by a closed lead, or by a lead never stored past the claim
grace, is free. Closing a lead releases its keys and records the client it made.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from leads.domain.contact import NormalizedContact
from leads.domain.contact_keys import ClientRef, ContactKey, KeyClaim, latest_client
from leads.domain.dedupe import find_duplicate
from leads.domain.lead import Lead
from leads.service_layer.ports import ContactKeys, LeadRepository
from shared.platform.clock import Clock


@dataclass(frozen=True)
class Asking:
    """One request to look up: its dedupe keys and contact, and the id it would be stored as."""

    keys: Sequence[str]
    contact: NormalizedContact
    received_at: datetime
    own_id: str | None = None


@dataclass
class Sighting:
    """What the keys of a request say: its open duplicate, its client, the owners as read."""

    owners: dict[str, str | None]
    duplicate: Lead | None = None
    client: ClientRef | None = None
    in_flight: bool = False
    """A key points to a lead whose claim is so fresh it may not be stored yet: look again."""
    leads: dict[str, Lead] = field(default_factory=dict)


class ContactBook:
    """Reads, claims and releases contact keys on behalf of intake, commands and telephony."""

    def __init__(
        self, leads: LeadRepository, keys: ContactKeys, *, clock: Clock, window: timedelta
    ) -> None:
        self._leads = leads
        self._keys = keys
        self._clock = clock
        self._window = window

    async def look(
        self,
        keys: Sequence[str],
        contact: NormalizedContact,
        *,
        received_at: datetime,
        own_id: str | None = None,
    ) -> Sighting:
        """The open lead this request duplicates (if any) and the client the person is."""
        [sighting] = await self.look_many([Asking(keys, contact, received_at, own_id)])
        return sighting

    async def look_many(self, asks: Sequence[Asking]) -> list[Sighting]:
        """`look` for several requests: one read of all their keys, one of the leads owning them."""
        wanted = sorted({key for ask in asks for key in ask.keys})
        stored = {key.key: key for key in await self._keys.read(wanted)} if wanted else {}
        owners = sorted({key.owner for key in stored.values() if key.owner})
        leads = await self._leads.get_many(owners) if owners else {}
        now = self._clock.now()
        return [self._sighting(ask, stored, leads, now) for ask in asks]

    def _sighting(
        self,
        ask: Asking,
        stored: Mapping[str, ContactKey],
        leads: Mapping[str, Lead],
        now: datetime,
    ) -> Sighting:
        mine = [stored[key] for key in ask.keys if key in stored]
        owners = {key: stored[key].owner if key in stored else None for key in ask.keys}
        sighting = Sighting(owners=owners)
        clients = [key.client for key in mine]
        for key in mine:
            if key.owner is None or key.owner == ask.own_id or key.owner in sighting.leads:
                continue
            lead = leads.get(key.owner)
            if lead is None:
                sighting.in_flight |= key.claim_in_flight(now)
                continue
            sighting.leads[lead.id] = lead
            clients.append(lead.client_ref())  # closed before its keys were updated
        found = find_duplicate(
            ask.contact,
            [lead.dedupe_ref() for lead in sighting.leads.values()],
            received_at=ask.received_at,
            window=self._window,
        )
        sighting.duplicate = sighting.leads[found.lead_id] if found else None
        sighting.client = latest_client(clients)
        return sighting

    async def claim_many(self, claims: Sequence[tuple[str, Mapping[str, str | None]]]) -> set[str]:
        """`claim` for several new leads (id, owners as read) at once; the ids that hold all."""
        # Not key by key in order as `claim`: a lead losing any key gives back the rest and is
        # left to `claim` on its next look, so two claimers cannot keep taking one key each.
        wanted = [
            KeyClaim(key, lead_id, owners[key])
            for lead_id, owners in claims
            for key in sorted(owners)
            if owners[key] != lead_id  # a redelivery: claimed by the first try
        ]
        taken = await self._keys.claim_many(wanted, at=self._clock.now()) if wanted else []
        lost = {claim.lead_id for claim, ok in zip(wanted, taken, strict=True) if not ok}
        for claim, ok in zip(wanted, taken, strict=True):
            if ok and claim.lead_id in lost:
                await self._keys.release(claim.key, claim.lead_id)
        return {lead_id for lead_id, _ in claims} - lost

    async def claim(self, lead_id: str, owners: Mapping[str, str | None]) -> bool:
        """Take every key for a new lead; on a lost race give back what was taken, False."""
        taken: list[str] = []
        for key in sorted(owners):
            if owners[key] == lead_id:
                continue  # a redelivery: claimed by the first try
            claimed = await self._keys.claim(
                key, lead_id, expected=owners[key], at=self._clock.now()
            )
            if not claimed:
                for own in taken:
                    await self._keys.release(own, lead_id)
                return False
            taken.append(key)
        return True

    async def point_to(self, lead: Lead, owners: Mapping[str, str | None]) -> None:
        """After a merge: the lead just joined owns the request's keys (unless they moved)."""
        for key in sorted(owners):
            if owners[key] != lead.id:
                await self._keys.claim(key, lead.id, expected=owners[key], at=self._clock.now())

    async def closed(self, lead: Lead) -> None:
        """Free a closed lead's keys; a converted lead becomes their client."""
        client = lead.client_ref()
        for key in lead.dedupe_keys:
            if client is not None:
                await self._keys.record_client(key, client)
            await self._keys.release(key, lead.id)

    async def open_lead_of(self, key: str) -> Lead | None:
        """The open lead owning a key, if any."""
        stored = await self._keys.read([key])
        owner = stored[0].owner if stored else None
        lead = await self._leads.get(owner) if owner else None
        return lead if lead is not None and not lead.closed else None
