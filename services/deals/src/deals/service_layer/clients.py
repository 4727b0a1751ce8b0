"""The client base: companies with checked requisites, contacts and key people; one per INN."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

from deals.adapters.store import DealsStore, Doc
from deals.domain.requisites import LegalForm, Requisites, requisites_problems
from deals.service_layer.errors import Invalid, NotFound, Refused
from shared.platform.clock import Clock
from shared.platform.revisions import modify

CLIENT_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "urn:voronka:deals:client")


def client_id_for(inn: str | None) -> str:
    """A client with an INN has an id derived from it; one without gets a random id."""
    name = f"inn:{inn}" if inn else f"random:{uuid.uuid4()}"
    return f"client-{uuid.uuid5(CLIENT_NAMESPACE, name).hex[:20]}"


def check_requisites(fields: Mapping[str, Any]) -> None:
    """Refuse requisites that fail their checksums, naming every wrong field."""
    req = fields.get("requisites") or {}
    problems = requisites_problems(
        Requisites(
            legal_form=LegalForm(fields["legal_form"]),
            inn=req.get("inn"),
            kpp=req.get("kpp"),
            ogrn=req.get("ogrn"),
            bank_account=req.get("bank_account"),
            bik=req.get("bik"),
            correspondent_account=req.get("correspondent_account"),
        )
    )
    if problems:
        raise Invalid(problems)


class ClientBase:
    """Create, update and read clients."""

    def __init__(self, store: DealsStore, *, clock: Clock) -> None:
        self._store = store
        self._clock = clock

    async def create(self, fields: dict[str, Any]) -> Doc:
        """Add a client; a second client with the same INN is refused with the first one's id."""
        check_requisites(fields)
        inn = (fields.get("requisites") or {}).get("inn")
        client_id = client_id_for(inn)
        now = self._clock.now()
        doc = {
            "_id": client_id,
            "inn_key": inn or client_id,
            **fields,
            "contacts": fields.get("contacts") or [],
            "created_at": now,
            "updated_at": now,
        }
        if not await self._store.insert(self._store.clients, doc):
            raise Refused(
                f"a client with this INN exists: {client_id}", problems=("requisites.inn",)
            )
        return await self.get(client_id)

    async def update(self, client_id: str, fields: dict[str, Any]) -> Doc:
        """Replace the editable fields of a client; the INN is its identity and stays."""
        now = self._clock.now()

        async def decide(doc: Doc) -> Mapping[str, Any] | None:
            merged = {**doc, **fields}
            check_requisites(merged)
            old_inn = (doc.get("requisites") or {}).get("inn")
            new_inn = (merged.get("requisites") or {}).get("inn")
            if old_inn and new_inn != old_inn:
                raise Refused("the INN identifies a client and cannot change; add a new client")
            return {"$set": {**fields, "inn_key": new_inn or doc["inn_key"], "updated_at": now}}

        doc = await modify(self._store.clients, {"_id": client_id}, decide)
        if doc is None:
            raise NotFound("client")
        return doc

    async def add_contact(self, client_id: str, contact: dict[str, Any]) -> Doc:
        """Add a contact person to a client (contacts belong to clients)."""
        contact_id = contact.get("id") or f"cnt-{uuid.uuid4().hex[:12]}"

        async def decide(doc: Doc) -> Mapping[str, Any] | None:
            if any(c.get("id") == contact_id for c in doc.get("contacts", [])):
                return None
            return {
                "$push": {"contacts": {**contact, "id": contact_id}},
                "$set": {"updated_at": self._clock.now()},
            }

        doc = await modify(self._store.clients, {"_id": client_id}, decide)
        if doc is None:
            raise NotFound("client")
        return doc

    async def get(self, client_id: str) -> Doc:
        """One client."""
        doc: Doc | None = await self._store.clients.find_one({"_id": client_id})
        if doc is None:
            raise NotFound("client")
        return doc

    async def time_zone(self, client_id: str | None, default: str) -> str:
        """The zone the client's dates are read in."""
        if client_id is None:
            return default
        doc = await self._store.clients.find_one({"_id": client_id}, {"time_zone": 1})
        return str(doc.get("time_zone") or default) if doc else default
