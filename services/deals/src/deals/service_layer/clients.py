"""The client base: companies with checked requisites, contacts and key people; one per INN."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any, Protocol, TypeVar

from deals.domain.client import Client, ClientFilter, InnChanged, InvalidRequisites, Profile
from deals.domain.deputy import Deputy
from deals.domain.money import Money
from deals.domain.money import total as sum_money
from deals.service_layer.errors import Invalid, NotFound, Refused
from deals.service_layer.records import Record
from shared.platform.clock import Clock
from shared.platform.logging import get_logger

log = get_logger(__name__)

R = TypeVar("R")


class ClientRepository(Protocol):
    """Port: clients by id, and the search of the base."""

    async def add(self, aggregate: Client, *, causation_id: str | None = None) -> bool:
        """Store a new client; False if one with its id (its INN) exists."""

    async def update(
        self,
        aggregate_id: str,
        change: Callable[[Client], R],
        *,
        causation_id: str | None = None,
        attempts: int = 5,
    ) -> tuple[Client, R] | None:
        """Load, change and save, again on a lost race; None if there is no such client."""

    async def record(self, client_id: str) -> Record | None:
        """The stored client as shown, or None."""

    async def page(
        self, search: ClientFilter, *, offset: int, limit: int
    ) -> tuple[list[Record], int]:
        """Clients matching the filter, by name, and how many match."""

    async def ids_of_manager(self, manager_id: str) -> list[str]:
        """Ids of the clients this manager is the account manager of."""


class WonDeals(Protocol):
    """Port: what a client bought."""

    async def won_amounts(self, client_id: str) -> list[Money]:
        """The amounts of the client's won deals."""


class DiscountSettings(Protocol):
    """Port: the discount schemes and managers' limits the deal pricing applies."""

    async def replace_rules(self, rules: list[dict[str, Any]]) -> None:
        """Replace every discount scheme at once."""

    async def rules(self) -> list[dict[str, Any]]:
        """The discount schemes."""

    async def name_deputy(self, deputy: Deputy) -> None:
        """Store whom the head of sales named to decide discounts in their place."""

    async def deputy(self) -> Deputy | None:
        """The named deputy, if any (whether still standing in or not)."""


ContactsChanged = Callable[[str, list[str]], Awaitable[object]]
"""Told a client's id and its phone and e-mail keys after it was added or edited."""


class ClientBase:
    """Create, update and read clients, and keep the discount settings applied to them."""

    def __init__(
        self,
        clients: ClientRepository,
        *,
        deals: WonDeals,
        discounts: DiscountSettings,
        clock: Clock,
    ) -> None:
        self._clients = clients
        self._deals = deals
        self._discounts = discounts
        self._clock = clock
        self._on_contacts: ContactsChanged | None = None

    def when_contacts_change(self, callback: ContactsChanged) -> None:
        """Call `callback(client_id, contact_keys)` after a client is added or edited."""
        self._on_contacts = callback

    async def _contacts_changed(self, record: Record) -> Record:
        if self._on_contacts is not None:
            await self._on_contacts(str(record["_id"]), list(record.get("contact_keys") or []))
        return record

    async def create(self, profile: Profile) -> Record:
        """Add a client; a second client with the same INN is refused with the first one's id."""
        try:
            client = Client.register(profile, now=self._clock.now())
        except InvalidRequisites as exc:
            raise Invalid(exc.problems) from None
        if not await self._clients.add(client):
            raise Refused(
                f"a client with this INN exists: {client.id}", problems=("requisites.inn",)
            )
        return await self._contacts_changed(await self.get(client.id))

    async def update(self, client_id: str, fields: Profile) -> Record:
        """Replace the editable fields of a client; the INN is its identity and stays."""
        now = self._clock.now()

        def revise(client: Client) -> None:
            try:
                client.revise(fields, now=now)
            except InvalidRequisites as exc:
                raise Invalid(exc.problems) from None
            except InnChanged as exc:
                raise Refused(str(exc)) from None

        await self._changed(client_id, revise)
        return await self._contacts_changed(await self.get(client_id))

    async def add_contact(self, client_id: str, contact: dict[str, Any]) -> Record:
        """Add a contact person to a client once (contacts belong to clients)."""
        contact_id = contact.get("id") or f"cnt-{uuid.uuid4().hex[:12]}"
        now = self._clock.now()
        await self._changed(
            client_id, lambda client: client.add_contact(contact, contact_id=contact_id, now=now)
        )
        return await self._contacts_changed(await self.get(client_id))

    async def move_to_segment(self, client_id: str, segment: str) -> None:
        """Keep the segment reporting computed; a client unknown here is ignored."""
        moved = await self._clients.update(
            client_id, lambda client: client.move_to_segment(segment)
        )
        if moved is None:
            log.info("segment of an unknown client ignored", client_id=client_id)

    async def get(self, client_id: str) -> Record:
        """One client."""
        record = await self._clients.record(client_id)
        if record is None:
            raise NotFound("client")
        return record

    async def search(
        self, search: ClientFilter, *, offset: int, limit: int
    ) -> tuple[list[Record], int]:
        """A page of clients matching the filter, by name, and how many match."""
        return await self._clients.page(search, offset=offset, limit=limit)

    async def purchase_volume(self, client_id: str) -> list[Money]:
        """What the client's won deals add up to, one sum per currency (by currency code)."""
        won = await self._deals.won_amounts(client_id)
        currencies = sorted({amount.currency for amount in won})
        return [
            sum_money((a for a in won if a.currency == currency), currency)
            for currency in currencies
        ]

    async def replace_discount_rules(self, rules: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Replace every discount scheme at once; returns them as stored."""
        await self._discounts.replace_rules(rules)
        return rules

    async def discount_rules(self) -> list[dict[str, Any]]:
        """The discount schemes."""
        return await self._discounts.rules()

    async def name_deputy(self, person_id: str, *, until: datetime, named_by: str) -> Deputy:
        """Let a person decide discounts in the head of sales' place until `until`."""
        deputy = Deputy(person_id=person_id, until=until, named_by=named_by)
        await self._discounts.name_deputy(deputy)
        return deputy

    async def deputy(self) -> Deputy | None:
        """The named deputy, if any."""
        return await self._discounts.deputy()

    async def decides_discounts(self, person_id: str) -> bool:
        """Whether a person without the head of sales' role stands in for them now."""
        deputy = await self._discounts.deputy()
        return deputy is not None and deputy.stands_in(person_id, self._clock.now())

    async def hand_over_clients(self, from_manager: str, to_manager: str) -> int:
        """Give every client of one account manager to another; how many moved.

        Safe to repeat (a redelivery), and a client someone moved meanwhile stays where they
        put it: only a client the previous manager still holds moves.
        """
        now = self._clock.now()
        moved = 0
        for client_id in await self._clients.ids_of_manager(from_manager):
            changed = await self._clients.update(
                client_id, lambda client: client.hand_over(from_manager, to_manager, now=now)
            )
            moved += bool(changed and changed[1])
        return moved

    async def _changed(self, client_id: str, change: Callable[[Client], object]) -> None:
        if await self._clients.update(client_id, change) is None:
            raise NotFound("client")
