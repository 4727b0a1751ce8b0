"""The MongoDB server the tests use answers filters like MongoDB, arrays and all.

Locally that server is FerretDB with our SQL pre-filter patch (ADR 0013); a pre-filter that
dropped a matching document would make every test above it lie, so the edge cases live here.
"""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from bson import Binary, ObjectId, Regex
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


# Sort and limit on a date field (ADR 0013, "sorted polls"): the server may stream rows in its
# index order and stop at the limit, so these pin MongoDB's order with every kind of value the
# sort field can hold. MongoDB compares a date only with dates, so `{due: {$lte: t}}` matches
# dates and arrays holding one; an array sorts by its smallest element ascending and by its
# largest descending, across types in BSON order (numbers < strings < dates).

NOW = T0 + timedelta(days=1)
POLL = {"status": "open", "due": {"$lte": NOW}}


def at(days: float) -> datetime:
    return T0 + timedelta(days=days)


POLL_DOCS: list[dict[str, Any]] = [
    {"_id": "d-3", "status": "open", "due": at(-3)},
    {"_id": "d-2", "status": "open", "due": at(-2)},
    {"_id": "d-2b", "status": "open", "due": at(-2)},  # a tie
    {"_id": "d-1", "status": "open", "due": at(-1)},
    {"_id": "d0", "status": "open", "due": at(0)},
    {"_id": "d1", "status": "open", "due": NOW},
    {"_id": "d2-late", "status": "open", "due": at(2)},  # after NOW
    {"_id": "done-5", "status": "done", "due": at(-5)},
    {"_id": "y1999", "status": "open", "due": datetime(1999, 12, 31, tzinfo=UTC)},  # 12 digits
    {"_id": "y1960", "status": "open", "due": datetime(1960, 1, 1, tzinfo=UTC)},  # negative
    {"_id": "y2300", "status": "open", "due": datetime(2300, 1, 1, tzinfo=UTC)},  # 14 digits
    {"_id": "y2290", "status": "open", "due": datetime(2290, 1, 1, tzinfo=UTC)},
    {"_id": "arr", "status": "open", "due": [at(-4), at(3)]},
    {"_id": "arr-mixed", "status": "open", "due": [7, at(-0.5)]},
    {"_id": "arr-late", "status": "open", "due": [at(5), at(6)]},  # no element <= NOW
    {"_id": "st-arr", "status": ["open", "x"], "due": at(-1.5)},
    {"_id": "st-arr-no", "status": ["closed"], "due": at(-6)},
    {"_id": "missing", "status": "open"},
    {"_id": "null", "status": "open", "due": None},
    {"_id": "int", "status": "open", "due": int(at(-2.5).timestamp() * 1000)},  # 13 digits
    {"_id": "double", "status": "open", "due": at(-2.5).timestamp() * 1000 + 0.5},
    {"_id": "string", "status": "open", "due": "2026-03-01"},
    {"_id": "bool", "status": "open", "due": True},
    {"_id": "st-bool", "status": True, "due": at(-1)},
]

# What MongoDB answers for POLL, ascending: [arr-mixed sorts by 7, a number].
POLL_ASC = [
    "arr-mixed",
    "y1960",
    "y1999",
    "arr",
    "d-3",
    "d-2|d-2b",
    "d-2|d-2b",
    "st-arr",
    "d-1",
    "d0",
    "d1",
]
# Descending: arrays sort by their largest element.
POLL_DESC = [
    "arr",
    "d1",
    "d0",
    "arr-mixed",
    "d-1",
    "st-arr",
    "d-2|d-2b",
    "d-2|d-2b",
    "d-3",
    "y1999",
    "y1960",
]


def fits(found: list[str], expected: list[str]) -> bool:
    """Ids in order, where `a|b` stands for tied documents that may come in either order."""
    return (
        len(found) == len(expected)
        and len(set(found)) == len(found)
        and all(f in e.split("|") for f, e in zip(found, expected, strict=True))
    )


@pytest.fixture
async def polls(mongo_db: AsyncDatabase[Any]) -> AsyncDatabase[Any]:
    await mongo_db["polls"].create_index([("status", 1), ("due", 1)])
    await mongo_db["polls"].insert_many(POLL_DOCS)
    return mongo_db


async def sorted_ids(
    db: AsyncDatabase[Any],
    query: dict[str, Any],
    direction: int = 1,
    limit: int = 0,
    skip: int = 0,
) -> list[str]:
    cursor = db["polls"].find(query, {"_id": 1}).sort("due", direction).skip(skip).limit(limit)
    return [doc["_id"] async for doc in cursor]


async def test_sorted_poll_orders_dates_arrays_and_extremes_like_mongodb(
    polls: AsyncDatabase[Any],
) -> None:
    assert fits(await sorted_ids(polls, POLL), POLL_ASC)
    assert fits(await sorted_ids(polls, POLL, -1), POLL_DESC)


async def test_sorted_poll_limit_and_skip_take_the_right_slice(polls: AsyncDatabase[Any]) -> None:
    for limit in (1, 2, 3, 5, 6, 7, 10, 11, 20):
        assert fits(await sorted_ids(polls, POLL, 1, limit), POLL_ASC[:limit])
        assert fits(await sorted_ids(polls, POLL, -1, limit), POLL_DESC[:limit])
    for skip, limit in ((1, 2), (4, 3), (7, 2), (9, 5), (11, 1), (3, 0)):
        end = skip + limit if limit else None
        assert fits(await sorted_ids(polls, POLL, 1, limit, skip), POLL_ASC[skip:end])
        assert fits(await sorted_ids(polls, POLL, -1, limit, skip), POLL_DESC[skip:end])


async def test_sorted_poll_with_more_bounds_and_filters(polls: AsyncDatabase[Any]) -> None:
    between = {"status": "open", "due": {"$gt": at(-3), "$lt": NOW}}
    assert fits(
        await sorted_ids(polls, between),
        ["arr-mixed", "arr", "d-2|d-2b", "d-2|d-2b", "st-arr", "d-1", "d0"],
    )
    assert fits(
        await sorted_ids(
            polls, {"status": {"$in": ["open", "done"]}, "due": {"$lte": at(-2)}}, 1, 4
        ),
        ["y1960", "y1999", "done-5", "arr"],
    )
    # only the pre-filter narrows on the date: the rest of the filter runs on what it lets through
    narrowed = {"due": {"$lte": NOW}, "status": "open", "_id": {"$regex": "^d"}}
    assert fits(await sorted_ids(polls, narrowed, -1, 3), ["d1", "d0", "d-1"])
    late = {"status": "open", "due": {"$gte": at(1.5)}}
    assert fits(await sorted_ids(polls, late), ["arr", "d2-late", "arr-late", "y2290", "y2300"])
    assert fits(await sorted_ids(polls, late, -1, 2), ["y2300", "y2290"])
    assert fits(await sorted_ids(polls, {"status": True, "due": {"$lte": NOW}}), ["st-bool"])
    assert await sorted_ids(polls, {"status": "nobody", "due": {"$lte": NOW}}) == []


async def test_sort_without_a_date_bound_orders_every_type(polls: AsyncDatabase[Any]) -> None:
    # null and missing first, numbers, strings, then dates; bool sorts before dates
    found = await sorted_ids(
        polls, {"status": "open", "_id": {"$nin": ["arr", "arr-mixed", "arr-late"]}}
    )
    assert found[:2] in (["missing", "null"], ["null", "missing"])
    assert found[2:5] == ["int", "double", "string"]
    assert found[5] == "bool"
    assert found[6:8] == ["y1960", "y1999"]
    assert found[-2:] == ["y2290", "y2300"]


async def test_find_one_and_update_claims_in_sorted_order(polls: AsyncDatabase[Any]) -> None:
    claimed = []
    while doc := await polls["polls"].find_one_and_update(
        POLL, {"$set": {"status": "claimed"}}, sort=[("due", 1)]
    ):
        claimed.append(doc["_id"])
    assert fits(claimed, [i for i in POLL_ASC if i != "st-arr"] + ["st-arr"]) or fits(
        claimed, POLL_ASC
    )
    assert await polls["polls"].count_documents({"status": "claimed"}) == len(POLL_ASC)


# Counting (ADR 0013, "counts"): the server may count in SQL the rows it knows match an equality
# filter, so values that look alike in its storage must still not count: ObjectIds, regexes and
# binaries are stored as JSON strings too. (FerretDB v1 refuses nested arrays.)

COUNT_DOCS: list[dict[str, Any]] = [
    {"_id": 1, "s": "open", "k": "a"},
    {"_id": 2, "s": "open"},
    {"_id": 3, "s": ["open", "x"], "k": ["a"]},
    {"_id": 4, "s": ["x"]},
    {"_id": 5, "s": Regex("open")},
    {"_id": 6, "s": Binary(base64.b64decode("open"))},
    {"_id": 7, "s": ObjectId("6f70656e6f70656e6f70656e")},
    {"_id": 8, "s": "OPEN"},
    {"_id": 9},
    {"_id": 10, "s": None},
    {"_id": 11, "s": True},
    {"_id": 12, "s": [True]},
    {"_id": 14, "s": {"a": "open"}},
]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"s": "open"}, 3),
        ({"s": {"$eq": "open"}}, 3),
        ({"s": "6f70656e6f70656e6f70656e"}, 0),
        ({"s": {"$in": ["open", "x"]}}, 4),
        ({"s": {"$in": ["open", True]}}, 5),
        ({"s": True}, 2),
        ({"s": False}, 0),
        ({"s": "open", "k": "a"}, 2),
        ({"s": "nobody"}, 0),
        ({"s": {"$in": ["open", None]}}, 5),
        ({"s": "open", "_id": {"$gt": 1}}, 2),
    ],
)
async def test_counts_equal_what_find_returns(
    mongo_db: AsyncDatabase[Any], query: dict[str, Any], expected: int
) -> None:
    await mongo_db["counts"].insert_many(COUNT_DOCS)
    await mongo_db["counts"].create_index("s")
    assert await mongo_db["counts"].count_documents(query) == expected
    assert (await mongo_db.command("count", "counts", query=query))["n"] == expected
    assert len(await mongo_db["counts"].find(query).to_list()) == expected


async def test_id_in_takes_strings_and_object_ids_and_leaves_other_types_to_the_handler(
    db: AsyncDatabase[Any],
) -> None:
    oid = ObjectId()
    await db["docs"].insert_many([{"_id": oid, "status": "new"}, {"_id": 7, "status": "new"}])
    assert await ids(db, {"_id": {"$in": ["scalar", "array", "nowhere"]}}) == {"scalar", "array"}
    assert await ids(db, {"_id": {"$in": [oid, "other"]}}) == {oid, "other"}
    assert await ids(db, {"_id": {"$in": [7.0, "missing"]}}) == {7, "missing"}
    assert await ids(db, {"_id": {"$in": ["scalar", "other"]}, "status": "new"}) == {"scalar"}
    assert await ids(db, {"_id": {"$in": ["scalar"], "$ne": "scalar"}}) == set()
    assert await ids(db, {"_id": {"$in": []}}) == set()
