"""Staff recipients follow the one directory of people (`person.changed` from the roster)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from pymongo.asynchronous.database import AsyncDatabase

from notifications.adapters.recipient_store import MongoRecipientDirectory
from notifications.domain.model import Channel, RecipientKind, RecipientSettings
from shared.contracts.events.person import PersonChangedV1

pytestmark = pytest.mark.integration

AT = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def person(at: datetime, **changes: Any) -> PersonChangedV1:
    fields: dict[str, Any] = {
        "person_id": "m-anna",
        "name": "Анна",
        "team": "north",
        "role": "manager",
        "time_zone": "Asia/Yekaterinburg",
        "capacity": 30,
        "active": True,
        "present": True,
        "email": "anna@voronka.example",
        "changed_at": at,
    }
    return PersonChangedV1(**{**fields, **changes})


async def test_a_person_becomes_a_recipient_and_only_newer_versions_change_them(
    mongo_db: AsyncDatabase[Any],
) -> None:
    directory = MongoRecipientDirectory(mongo_db)
    await directory.follow(person(AT))
    await directory.follow(person(AT + timedelta(hours=1), role="head_of_sales", name="Анна И."))
    await directory.follow(person(AT, email="old@voronka.example"))  # late, older: ignored

    settings = await directory.settings("m-anna")
    assert settings is not None
    assert (settings.kind, settings.name, settings.email, settings.time_zone) == (
        RecipientKind.HEAD_OF_SALES,
        "Анна И.",
        "anna@voronka.example",
        "Asia/Yekaterinburg",
    )
    assert [profile.recipient.id for profile in await directory.heads_of_sales()] == ["m-anna"]


async def test_consent_set_here_stays_and_someone_who_left_keeps_no_address(
    mongo_db: AsyncDatabase[Any],
) -> None:
    directory = MongoRecipientDirectory(mongo_db)
    here = RecipientSettings(
        kind=RecipientKind.MANAGER,
        phone="+79120000000",
        opted_out=(Channel.SMS,),
        preferred_channels=(Channel.EMAIL,),
    )
    await directory.put("m-anna", here)
    await directory.follow(person(AT, email=None))

    kept = await directory.settings("m-anna")
    assert kept is not None
    assert (kept.phone, kept.opted_out, kept.preferred_channels, kept.email) == (
        "+79120000000",
        (Channel.SMS,),
        (Channel.EMAIL,),
        None,
    )
    await directory.follow(person(AT + timedelta(days=1), active=False))
    gone = await directory.settings("m-anna")
    assert gone is not None
    assert (gone.email, gone.phone, gone.messenger_chat_id) == (None, None, None)
