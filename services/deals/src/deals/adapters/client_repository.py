"""Clients in MongoDB: the document mapping, time zones and the search of the client base."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pymongo.asynchronous.collection import AsyncCollection

from deals.adapters.store import DealsStore
from deals.domain.client import Client, ClientFilter
from deals.domain.contact_keys import client_keys
from shared.platform.clock import Clock
from shared.platform.repository import Document, MessageOf, MongoRepository

Record = dict[str, Any]

_OWN_FIELDS = frozenset({"_id", "inn_key", "contacts", "contact_keys", "created_at", "updated_at"})


class ClientMapper:
    """A client as stored: the profile's fields at the top level beside id, INN key, contacts."""

    def to_document(self, client: Client) -> Document:
        """The client's document."""
        return {
            "_id": client.id,
            "inn_key": client.inn_key,
            **client.profile,
            "contacts": [dict(c) for c in client.contacts],
            "contact_keys": client_keys(client.profile, client.contacts),
            "created_at": client.created_at,
            "updated_at": client.updated_at,
        }

    def from_document(self, document: Mapping[str, Any]) -> Client:
        """The client a stored document describes (storage fields such as `rev` left out)."""
        return Client(
            id=document["_id"],
            inn_key=document["inn_key"],
            profile={
                name: value
                for name, value in document.items()
                if name not in _OWN_FIELDS and not name.startswith("_") and name != "rev"
            },
            created_at=document["created_at"],
            updated_at=document["updated_at"],
            contacts=[dict(c) for c in document.get("contacts") or []],
        )


class MongoClientRepository(MongoRepository[Client]):
    """Clients by id (unique by `inn_key`), their time zones, and the search of the base."""

    def __init__(
        self, collection: AsyncCollection[Any], *, clock: Clock, message_of: MessageOf[Client]
    ) -> None:
        super().__init__(collection, ClientMapper(), clock=clock, message_of=message_of)

    async def time_zone_of(self, client_id: str) -> str | None:
        """The client's own time zone; None for a client without one or no such client."""
        found = await self.collection.find_one({"_id": client_id}, {"time_zone": 1})
        return str(found["time_zone"]) if found and found.get("time_zone") else None

    async def exists(self, client_id: str) -> bool:
        """Whether the client is stored."""
        return await self.collection.find_one({"_id": client_id}, {"_id": 1}) is not None

    async def by_contact_key(self, key: str) -> str | None:
        """The client with this phone or e-mail key (the first by id when several share it)."""
        found = await self.collection.find_one({"contact_keys": key}, {"_id": 1}, sort=[("_id", 1)])
        return None if found is None else str(found["_id"])

    async def ids_of_manager(self, manager_id: str) -> list[str]:
        """Ids of the clients this manager is the account manager of."""
        cursor = self.collection.find({"manager_id": manager_id}, {"_id": 1})
        return [str(document["_id"]) async for document in cursor]

    async def segment_and_manager(self, client_id: str) -> tuple[str | None, str | None] | None:
        """The client's segment and account manager; None for an unknown client."""
        found = await self.collection.find_one({"_id": client_id}, {"segment": 1, "manager_id": 1})
        return None if found is None else (found.get("segment"), found.get("manager_id"))

    async def record(self, client_id: str) -> Record | None:
        """The stored client as the API shows it."""
        found: Record | None = await self.collection.find_one({"_id": client_id})
        return found

    async def page(
        self, search: ClientFilter, *, offset: int, limit: int
    ) -> tuple[list[Record], int]:
        """Clients matching the filter (exact INN, name, type), by name, and how many match."""
        query: dict[str, Any] = {
            path: value
            for path, value in (
                ("requisites.inn", search.inn),
                ("name", search.name),
                ("type", search.type),
            )
            if value is not None
        }
        if search.managers is not None:
            query["manager_id"] = {"$in": list(search.managers)}
        return await DealsStore.page(
            self.collection, query, sort=[("name", 1)], offset=offset, limit=limit
        )
