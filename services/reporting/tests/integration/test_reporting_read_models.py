"""The records in the real MongoDB-protocol server: selected there as the in-memory rule selects."""

import asyncio
from datetime import UTC, datetime
from typing import Any

import pytest
from reporting_fakes import InMemoryFactLog, InMemoryReadModels
from reporting_world import BOUNDED, filter_sets, fold_all, world

from reporting.adapters.indexes import INDEXES
from reporting.adapters.read_models import MongoReadModels
from reporting.domain.activity import Granularity
from reporting.domain.read_models import Selection
from reporting.domain.segments import SegmentThresholds
from reporting.service_layer.queries import Reports
from reporting.service_layer.records import merge_facts
from shared.platform.indexes import ensure_indexes

pytestmark = pytest.mark.integration

NOW = datetime(2026, 5, 15, tzinfo=UTC)
BATCH = 150
WEEK = Granularity.WEEK


def reports_over(records: Any) -> Reports:
    return Reports(
        InMemoryFactLog(), records, time_zone="Europe/Moscow", thresholds=SegmentThresholds()
    )


async def test_reports_over_mongodb_equal_reports_over_the_in_memory_rule(mongo_db: Any) -> None:
    await ensure_indexes(mongo_db, INDEXES)
    facts = world(11, leads=80, deals=40)
    stored, expected = MongoReadModels(mongo_db), InMemoryReadModels()
    for start in range(0, len(facts), BATCH):
        await merge_facts(stored, 1, facts[start : start + BATCH])
        await merge_facts(expected, 1, facts[start : start + BATCH])
    mongo, memory = reports_over(stored), reports_over(expected)
    for f in [BOUNDED, *filter_sets(11, 12)]:
        assert await mongo.funnel(f) == await memory.funnel(f), f
        assert await mongo.sales(f) == await memory.sales(f), f
        assert await mongo.sales_by_manager(f) == await memory.sales_by_manager(f), f
        assert await mongo.response(f) == await memory.response(f), f
        assert await mongo.leaderboard(f, "RUB") == await memory.leaderboard(f, "RUB"), f
        assert await mongo.activity(f, WEEK) == await memory.activity(f, WEEK), f
        assert await mongo.objections(f) == await memory.objections(f), f
        assert await mongo.channels(f) == await memory.channels(f), f
        assert await mongo.invoiced_vs_paid(f) == await memory.invoiced_vs_paid(f), f
        assert await mongo.overdue(f, NOW) == await memory.overdue(f, NOW), f
        assert await mongo.claims(f) == await memory.claims(f), f
        assert await mongo.discipline(f, NOW) == await memory.discipline(f, NOW), f
        assert await mongo.segments(f, NOW) == await memory.segments(f, NOW), f
        assert await mongo.churn(f) == await memory.churn(f), f
    every = fold_all(facts)
    for kind, records in every.items():
        assert await stored.select(1, [Selection(kind)]) == records


async def test_two_writers_merging_into_the_same_records_lose_nothing(mongo_db: Any) -> None:
    await ensure_indexes(mongo_db, INDEXES)
    facts = world(12, leads=40, deals=20)
    one, other = MongoReadModels(mongo_db), MongoReadModels(mongo_db)
    half = len(facts) // 2
    await asyncio.gather(
        *(merge_facts(one, 1, facts[s : s + 20]) for s in range(0, half + 40, 20)),
        *(merge_facts(other, 1, facts[s : s + 20]) for s in range(half - 40, len(facts), 20)),
    )
    for kind, records in fold_all(facts).items():
        assert await one.select(1, [Selection(kind)]) == records


async def test_dropping_a_version_leaves_the_others(mongo_db: Any) -> None:
    facts = world(13, leads=10, deals=5)
    stored = MongoReadModels(mongo_db)
    await merge_facts(stored, 1, facts)
    await merge_facts(stored, 2, facts)
    await stored.drop_version(1)
    assert await stored.select(1, [Selection("leads")]) == {}
    assert await stored.select(2, [Selection("leads")]) == fold_all(facts)["leads"]
