"""Single-document atomicity of the MongoDB-protocol server the tests run against."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from pymongo import AsyncMongoClient, ReturnDocument

from shared.platform.settings import MongoSettings

pytestmark = pytest.mark.integration

CLIENTS = 3
INCREMENTS = 50


async def test_concurrent_increments_from_several_clients_are_all_kept(
    mongo_settings: MongoSettings,
) -> None:
    clients: list[AsyncMongoClient[Any]] = [
        AsyncMongoClient(mongo_settings.url.get_secret_value(), tz_aware=True)
        for _ in range(CLIENTS)
    ]
    assert mongo_settings.database is not None
    try:
        counters = [c[mongo_settings.database]["counters"] for c in clients]
        await counters[0].insert_one({"_id": "c", "n": 0})

        async def bump(collection: Any) -> None:
            for _ in range(INCREMENTS):
                await collection.update_one({"_id": "c"}, {"$inc": {"n": 1}})

        await asyncio.gather(*(bump(c) for c in counters for _ in range(3)))
        stored = await counters[0].find_one({"_id": "c"})
        assert stored is not None
        assert stored["n"] == CLIENTS * 3 * INCREMENTS  # 450: none lost to a race
    finally:
        for client in clients:
            await client.close()


async def test_two_claimers_racing_over_the_same_documents_claim_each_once(
    mongo_settings: MongoSettings,
) -> None:
    clients: list[AsyncMongoClient[Any]] = [
        AsyncMongoClient(mongo_settings.url.get_secret_value(), tz_aware=True) for _ in range(2)
    ]
    assert mongo_settings.database is not None
    try:
        jobs = [c[mongo_settings.database]["jobs"] for c in clients]
        await jobs[0].insert_many([{"_id": f"j{i:03}", "owner": None} for i in range(60)])

        async def claim_all(collection: Any, owner: str) -> list[str]:
            claimed: list[str] = []
            while True:
                doc = await collection.find_one_and_update(
                    {"owner": None},
                    {"$set": {"owner": owner}},
                    return_document=ReturnDocument.AFTER,
                )
                if doc is None:
                    return claimed
                claimed.append(doc["_id"])

        first, second = await asyncio.gather(claim_all(jobs[0], "a"), claim_all(jobs[1], "b"))
        assert len(first) + len(second) == 60
        assert set(first).isdisjoint(second)
    finally:
        for client in clients:
            await client.close()
