"""The MongoDB server the tests use answers filters like MongoDB, arrays and all.

Locally that server is FerretDB with our SQL pre-filter patch (ADR 0013); a pre-filter that
dropped a matching document would make every test above it lie, so the edge cases live here.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from pymongo.asynchronous.database import AsyncDatabase

pytestmark = pytest.mark.integration

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


async def ids(db: AsyncDatabase[Any], query: dict[str, Any]) -> set[str]:
    return {doc["_id"] async for doc in db["docs"].find(query, {"_id": 1})}


@pytest.fixture
async def db(mongo_db: AsyncDatabase[Any]) -> AsyncDatabase[Any]:
    await mongo_db["docs"].insert_many(
        [
            {"_id": "scalar", "status": "new", "flag": True, "due": T0, "n": 1},
            {"_id": "other", "status": "won", "flag": False, "due": T0 + timedelta(days=2)},
            {"_id": "array", "status": ["lost", "new"], "flag": [False, True], "due": [T0]},
            {"_id": "missing"},
            {"_id": "cyrillic", "status": "Новый <&>", "n": 1.0},
        ]
    )
    for field in ("status", "flag", "due"):
        await mongo_db["docs"].create_index(field)
    return mongo_db


async def test_string_and_boolean_equality_match_array_elements(db: AsyncDatabase[Any]) -> None:
    assert await ids(db, {"status": "new"}) == {"scalar", "array"}
    assert await ids(db, {"status": {"$eq": "new"}}) == {"scalar", "array"}
    assert await ids(db, {"status": "Новый <&>"}) == {"cyrillic"}
    assert await ids(db, {"flag": True}) == {"scalar", "array"}
    assert await ids(db, {"flag": False}) == {"other", "array"}


async def test_in_matches_scalars_and_array_elements_and_null_means_missing(
    db: AsyncDatabase[Any],
) -> None:
    assert await ids(db, {"status": {"$in": ["won", "lost"]}}) == {"other", "array"}
    assert await ids(db, {"status": {"$in": ["won", None]}}) == {"other", "missing"}


async def test_array_elements_are_looked_at_for_in_and_equality(db: AsyncDatabase[Any]) -> None:
    assert await ids(db, {"status": {"$in": ["lost"]}}) == {"array"}
    assert await ids(db, {"status": {"$in": ["gone", "nowhere"]}}) == set()
    assert await ids(db, {"status": "lost", "flag": True}) == {"array"}


async def test_or_narrows_only_when_every_branch_does(db: AsyncDatabase[Any]) -> None:
    assert await ids(db, {"$or": [{"_id": "nope"}, {"status": "lost"}]}) == {"array"}
    assert await ids(db, {"$or": [{"_id": "other"}, {"status": "new"}]}) == {
        "other",
        "scalar",
        "array",
    }
    assert await ids(db, {"$or": [{"_id": "scalar"}, {"flag": None}]}) == {
        "scalar",
        "missing",
        "cyrillic",
    }


async def test_date_ranges_match_scalars_and_array_elements(db: AsyncDatabase[Any]) -> None:
    assert await ids(db, {"due": {"$lte": T0}}) == {"scalar", "array"}
    assert await ids(db, {"due": {"$lt": T0}}) == set()
    assert await ids(db, {"due": {"$gt": T0 + timedelta(days=1)}}) == {"other"}
    assert await ids(db, {"due": {"$gte": T0, "$lt": T0 + timedelta(days=1)}}) == {
        "scalar",
        "array",
    }


async def test_id_with_other_conditions_and_numbers_of_either_type(db: AsyncDatabase[Any]) -> None:
    assert await ids(db, {"_id": "scalar", "status": "new"}) == {"scalar"}
    assert await ids(db, {"_id": "scalar", "status": "won"}) == set()
    assert await ids(db, {"n": 1}) == {"scalar", "cyrillic"}  # int 1 equals double 1.0
    result = await db["docs"].update_one({"_id": "other", "flag": False}, {"$set": {"n": 2}})
    assert result.modified_count == 1
    assert (await db["docs"].delete_one({"_id": "missing"})).deleted_count == 1


async def test_counting_without_a_filter(db: AsyncDatabase[Any]) -> None:
    assert await db["docs"].estimated_document_count() == 5
    assert await db["docs"].count_documents({}) == 5
    assert await db["docs"].count_documents({"flag": True}) == 2
