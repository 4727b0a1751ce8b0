"""The repository's copy of a loaded document: as independent as a deep copy, much cheaper."""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from bson import ObjectId

from shared.platform.repository import document_copy

pytestmark = pytest.mark.unit


def a_document() -> dict[str, object]:
    return {
        "_id": "lead-1",
        "at": datetime(2026, 11, 30, 9, tzinfo=UTC),
        "amount": Decimal("10.50"),
        "ref": ObjectId("0123456789ab0123456789ab"),
        "tags": ["hot", "web"],
        "history": [{"type": "assigned", "facts": {"manager_id": "m-1"}}],
        "pair": (1, ["x"]),
    }


def test_the_copy_equals_the_original_and_a_deep_copy() -> None:
    original = a_document()
    assert document_copy(original) == original == copy.deepcopy(original)


def test_changing_the_original_in_place_leaves_the_copy_as_loaded() -> None:
    original = a_document()
    kept = document_copy(original)
    original["tags"].append("cold")  # type: ignore[attr-defined]
    original["history"][0]["facts"]["manager_id"] = "m-2"  # type: ignore[index]
    original["pair"][1].append("y")  # type: ignore[index]
    assert kept["tags"] == ["hot", "web"]
    assert kept["history"] == [{"type": "assigned", "facts": {"manager_id": "m-1"}}]
    assert kept["pair"] == (1, ["x"])
