"""The client aggregate: a company with checked requisites, contacts and key people."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from deals.domain.requisites import LegalForm, Requisites, requisites_problems
from shared.contracts.events.base import EventModel
from shared.kernel.aggregate import Aggregate

_CLIENT_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "urn:voronka:deals:client")

Profile = dict[str, Any]
"""The client's descriptive fields as given (name, requisites, addresses, people, …)."""


class InvalidRequisites(ValueError):
    """Requisites that fail their checks; `problems` name every wrong field, never the value."""

    def __init__(self, problems: tuple[str, ...]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


class InnChanged(ValueError):
    """The INN identifies a client: it cannot change (add a new client instead)."""


def client_id_for(inn: str | None) -> str:
    """A client with an INN has an id derived from it; one without gets a random id."""
    name = f"inn:{inn}" if inn else f"random:{uuid.uuid4()}"
    return f"client-{uuid.uuid5(_CLIENT_NAMESPACE, name).hex[:20]}"


def inn_of(profile: Mapping[str, Any]) -> str | None:
    """The INN in a profile, if any."""
    inn = (profile.get("requisites") or {}).get("inn")
    return str(inn) if inn else None


def check_requisites(profile: Mapping[str, Any]) -> None:
    """Refuse requisites that fail their checksums, naming every wrong field."""
    given = profile.get("requisites") or {}
    problems = requisites_problems(
        Requisites(
            legal_form=LegalForm(profile["legal_form"]),
            inn=given.get("inn"),
            kpp=given.get("kpp"),
            ogrn=given.get("ogrn"),
            bank_account=given.get("bank_account"),
            bik=given.get("bik"),
            correspondent_account=given.get("correspondent_account"),
        )
    )
    if problems:
        raise InvalidRequisites(problems)


@dataclass(frozen=True, slots=True)
class ClientFilter:
    """Which clients a search asks for: exact INN, name and type, None meaning any."""

    inn: str | None = None
    name: str | None = None
    type: str | None = None
    managers: tuple[str, ...] | None = None
    """Only clients of these account managers (a caller's scope); None: anyone's."""


@dataclass(eq=False)
class Client(Aggregate[EventModel]):
    """A client company; one per INN (`inn_key` is the INN, or the id for a client without)."""

    id: str
    inn_key: str
    profile: Profile
    created_at: datetime
    updated_at: datetime
    contacts: list[dict[str, Any]] = field(default_factory=list)

    @property
    def aggregate_id(self) -> str:
        """The client id."""
        return self.id

    @classmethod
    def register(cls, profile: Profile, *, now: datetime) -> Client:
        """A new client; its id comes from the INN, so a second one with it is a duplicate."""
        check_requisites(profile)
        inn = inn_of(profile)
        client_id = client_id_for(inn)
        return cls(
            id=client_id,
            inn_key=inn or client_id,
            profile=dict(profile),
            created_at=now,
            updated_at=now,
        )

    @property
    def time_zone(self) -> str | None:
        """The zone the client's dates are read in, if the client has one."""
        zone = self.profile.get("time_zone")
        return str(zone) if zone else None

    def revise(self, fields: Profile, *, now: datetime) -> None:
        """Replace the given fields; the requisites are checked again and the INN stays."""
        merged = {**self.profile, **fields}
        check_requisites(merged)
        old_inn, new_inn = inn_of(self.profile), inn_of(merged)
        if old_inn and new_inn != old_inn:
            raise InnChanged("the INN identifies a client and cannot change; add a new client")
        self.profile = merged
        self.inn_key = new_inn or self.inn_key
        self.updated_at = now

    def add_contact(self, contact: Mapping[str, Any], *, contact_id: str, now: datetime) -> bool:
        """Add a contact person once; False if one with this id is there already."""
        if any(c.get("id") == contact_id for c in self.contacts):
            return False
        self.contacts.append({**contact, "id": contact_id})
        self.updated_at = now
        return True

    def hand_over(self, previous: str, to: str, *, now: datetime) -> bool:
        """Move the client from `previous` to `to`; False unless `previous` holds it now."""
        if self.profile.get("manager_id") != previous or previous == to:
            return False
        self.profile["manager_id"] = to
        self.updated_at = now
        return True

    def move_to_segment(self, segment: str) -> None:
        """The purchase segment reporting computed; it feeds the discount rules."""
        self.profile["segment"] = segment
