"""The query-shape rule: which filters, sorts and limits a declared index serves, and which not."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from shared.platform.indexes import index
from shared.platform.outbox import outbox_indexes
from shared.testing.index_plans import load_plans
from shared.testing.query_recorder import QueryLog, command_shapes
from shared.testing.query_shapes import DeclaredPlan, QueryShape, filter_shape, is_served, unserved

pytestmark = pytest.mark.unit

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)

PLAN = DeclaredPlan(
    {
        **outbox_indexes("deliveries"),
        "deliveries": [
            index("_outbox_pending"),
            index("status", "next_attempt_at", "_id"),
            index("recipient_id", "status", "sent_at"),
            index(("created_at", -1), "_id"),
            index("cancel_keys"),
            index("priority.score"),
        ],
    },
    small_collections=frozenset({"templates"}),
)


def find(raw: dict[str, Any], sort: Any = None, *, limited: bool = False) -> QueryShape:
    return QueryShape(
        "notifications",
        "deliveries",
        "find",
        filter_shape(raw),
        tuple((sort or {}).items()),
        limited,
    )


SERVED = {
    "by _id": find({"_id": "d1"}),
    "by _id $in with other fields": find({"_id": {"$in": ["d1", "d2"]}, "status": "queued"}),
    "equality prefix": find({"status": "queued"}),
    "equality fields in any order": find({"status": "sent", "recipient_id": "r1"}),
    "equality then one range": find(
        {"recipient_id": "r1", "status": "sent", "sent_at": {"$gt": NOW}}
    ),
    "$in is equality, range then sort on the index": find(
        {"status": {"$in": ["queued", "deferred"]}, "next_attempt_at": {"$lte": NOW}},
        {"next_attempt_at": 1, "_id": 1},
        limited=True,
    ),
    "dispatcher claim: lease $or filters the index range": find(
        {
            "status": {"$in": ["queued", "deferred"]},
            "next_attempt_at": {"$lte": NOW},
            "$or": [{"lease_until": None}, {"lease_until": {"$lt": NOW}}],
        },
        {"next_attempt_at": 1, "_id": 1},
    ),
    "outbox claim": find(
        {
            "_outbox_pending": True,
            "$or": [{"_outbox_lease": None}, {"_outbox_lease": {"$lt": NOW}}],
        }
    ),
    "outbox backlog count": find({"_outbox_pending": True}),
    "$exists false is equality": find({"_outbox_pending": {"$exists": False}}),
    "multikey $in": find({"cancel_keys": {"$in": ["k1", "k2"]}}),
    "dotted path range": find({"priority.score": {"$gte": 3}}),
    "every $or branch indexed": find({"$or": [{"status": "sent"}, {"cancel_keys": "k1"}]}),
    "$and flattened": find({"$and": [{"recipient_id": "r1"}, {"status": "sent"}]}),
    "sort reversed on the whole index": find({}, {"created_at": 1, "_id": -1}, limited=True),
    "empty filter, limit, no sort": find({}, limited=True),
    "empty filter sorted by _id with limit": find({}, {"_id": 1}, limited=True),
    "count from metadata": QueryShape("notifications", "deliveries", "count", ()),
    "small collection read whole": QueryShape("notifications", "templates", "find", ()),
}

UNSERVED = {
    "unindexed field": find({"colour": "red"}),
    "not the index's leading field": find({"next_attempt_at": {"$lte": NOW}}),
    "an equality field the index lacks": find({"status": "queued", "colour": "red"}),
    "two ranges": find({"recipient_id": "r1", "status": {"$ne": "x"}, "sent_at": {"$gt": NOW}}),
    "range not right after the equality fields": find(
        {"recipient_id": "r1", "sent_at": {"$gt": NOW}}
    ),
    "sort the index does not follow": find({"status": "queued"}, {"created_at": -1}),
    "sort mixing directions": find({}, {"created_at": -1, "_id": -1}, limited=True),
    "empty filter without limit": find({}, {"created_at": -1}),
    "empty filter scan in an aggregate": QueryShape("notifications", "deliveries", "aggregate", ()),
    "one $or branch unindexed": find({"$or": [{"status": "sent"}, {"colour": "red"}]}),
    "collection without declared indexes": QueryShape(
        "notifications", "webhooks", "find", filter_shape({"active": True})
    ),
}


@pytest.mark.parametrize("shape", SERVED.values(), ids=SERVED.keys())
def test_served_shapes_pass(shape: QueryShape) -> None:
    assert is_served(shape, PLAN)


@pytest.mark.parametrize("shape", UNSERVED.values(), ids=UNSERVED.keys())
def test_unserved_shapes_are_reported(shape: QueryShape) -> None:
    assert unserved([shape], {"notifications": PLAN}) == [shape]


def test_applications_without_a_plan_are_not_checked() -> None:
    shape = QueryShape("voronka-preflight", "deliveries", "find", filter_shape({"x": 1}))
    assert unserved([shape], {"notifications": PLAN}) == []


def test_a_shape_keeps_names_and_operators_but_never_values() -> None:
    shape = find(
        {"recipient_id": "ivan.petrov@example.com", "sent_at": {"$gt": NOW}},
        {"sent_at": -1},
        limited=True,
    )
    assert shape.describe() == (
        "notifications: deliveries.find {recipient_id: =, sent_at: $gt} sort [sent_at -1] limit"
    )


def test_commands_become_shapes_per_statement() -> None:
    assert command_shapes(
        "deals",
        "update",
        {
            "update": "deals",
            "updates": [
                {"q": {"_id": "d1", "rev": 3}, "u": {"$set": {"x": 1}}},
                {"q": {"stage": "won"}, "u": {"$set": {"x": 1}}, "multi": True},
            ],
        },
    ) == [
        QueryShape("deals", "deals", "update", filter_shape({"_id": 1, "rev": 1}), (), True),
        QueryShape("deals", "deals", "update", filter_shape({"stage": 1}), (), False),
    ]
    assert command_shapes(
        "deals", "delete", {"delete": "deals", "deletes": [{"q": {"_id": "d1"}, "limit": 1}]}
    ) == [QueryShape("deals", "deals", "delete", filter_shape({"_id": 1}), (), True)]
    assert command_shapes(
        "deals",
        "findAndModify",
        {"findAndModify": "deals", "query": {"a": 1}, "sort": {"b": -1}, "update": {}},
    ) == [QueryShape("deals", "deals", "findAndModify", filter_shape({"a": 1}), (("b", -1),), True)]
    assert command_shapes("deals", "distinct", {"distinct": "deals", "key": "stage"}) == [
        QueryShape("deals", "deals", "distinct", ())
    ]
    assert command_shapes("deals", "insert", {"insert": "deals", "documents": [{}]}) == []


def test_count_documents_is_an_aggregate_on_its_leading_match() -> None:
    pipeline = [{"$match": {"status": "sent"}}, {"$group": {"_id": 1, "n": {"$sum": 1}}}]
    (shape,) = command_shapes("n", "aggregate", {"aggregate": "deliveries", "pipeline": pipeline})
    assert shape == QueryShape("n", "deliveries", "aggregate", filter_shape({"status": 1}))
    sorted_page = [{"$match": {}}, {"$sort": {"created_at": -1}}, {"$limit": 20}]
    (page,) = command_shapes("n", "aggregate", {"aggregate": "deliveries", "pipeline": sorted_page})
    assert page.sort == (("created_at", -1),)
    assert page.limited


def test_a_command_the_recorder_cannot_read_is_an_error_not_a_silent_pass() -> None:
    log = QueryLog()
    log.record("deals", "update", {"update": "deals"})  # no `updates`
    shapes, errors = log.take()
    assert shapes == []
    assert errors == ["deals: update not understood (KeyError)"]


def test_a_plan_module_that_does_not_exist_yet_is_listed_as_missing() -> None:
    loaded = load_plans(["ghost = shared.no_such_plan_module"])
    assert loaded.plans == {}
    assert loaded.missing == {"ghost": "shared.no_such_plan_module"}


def test_a_plan_module_failing_to_import_something_else_is_an_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "broken_index_plan.py").write_text("import no_such_dependency_of_a_plan\n")
    monkeypatch.syspath_prepend(tmp_path)
    with pytest.raises(ModuleNotFoundError, match="no_such_dependency_of_a_plan"):
        load_plans(["broken = broken_index_plan"])


def test_a_collection_read_whole_on_purpose_allows_only_the_unfiltered_unsorted_read() -> None:
    plan = DeclaredPlan({}, whole_reads=frozenset({"facts"}))

    def on_facts(raw: dict[str, Any], sort: Any = None) -> QueryShape:
        return QueryShape(
            "reporting", "facts", "find", filter_shape(raw), tuple((sort or {}).items())
        )

    assert is_served(on_facts({}), plan)
    assert not is_served(on_facts({"type": "lead.assigned"}), plan)
    assert not is_served(on_facts({}, {"_id": 1}), DeclaredPlan({}, whole_reads=frozenset()))
    assert not is_served(on_facts({}), DeclaredPlan({}))
