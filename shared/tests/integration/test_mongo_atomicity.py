"""Single-document atomicity of the MongoDB-protocol server the tests run against."""

from __future__ import annotations

import asyncio
import socket
import struct
from typing import Any
from urllib.parse import urlsplit

import bson
import pytest
from pymongo import AsyncMongoClient, ReturnDocument
from pymongo.errors import PyMongoError

from shared.platform.settings import MongoSettings

pytestmark = pytest.mark.integration

CLIENTS = 3
INCREMENTS = 50
OP_MSG = 2013
# 60 documents of 200 KB: a 12 MB reply, far more than a socket's buffers hold, and still
# under the 16 MB a reply document may take.
BIG_DOCUMENTS = 60
BIG_DOCUMENT_BYTES = 200_000


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


def send_find_and_stop_reading(url: str, database: str, collection: str) -> socket.socket:
    """Ask for a reply too large for the socket's buffers and leave it unread."""
    address = urlsplit(url)
    raw = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    raw.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    raw.connect((address.hostname or "127.0.0.1", address.port or 27017))
    body = bson.encode({"find": collection, "batchSize": BIG_DOCUMENTS + 1, "$db": database})
    payload = struct.pack("<I", 0) + b"\x00" + body
    raw.sendall(struct.pack("<iiii", 16 + len(payload), 1, 0, OP_MSG) + payload)
    return raw


async def test_a_command_held_on_one_database_holds_neither_other_databases_nor_its_reader(
    mongo_settings: MongoSettings,
) -> None:
    """The local server serializes per database: a stuck reply holds its own database only."""
    url = mongo_settings.url.get_secret_value()
    held, free = f"{mongo_settings.database}_held", f"{mongo_settings.database}_free"
    setup: AsyncMongoClient[Any] = AsyncMongoClient(url, tz_aware=True)
    probe: AsyncMongoClient[Any] = AsyncMongoClient(url, tz_aware=True, timeoutMS=3000)
    raw: socket.socket | None = None
    try:
        filler = "x" * BIG_DOCUMENT_BYTES
        await setup[held]["big"].insert_many(
            [{"_id": i, "filler": filler} for i in range(BIG_DOCUMENTS)]
        )
        await setup[free]["small"].insert_one({"_id": "before"})
        await probe.admin.command("ping")  # the probe's pool connected before the hold

        raw = await asyncio.to_thread(send_find_and_stop_reading, url, held, "big")

        await probe[free]["small"].insert_one({"_id": "during"})
        assert await probe[free]["small"].count_documents({}) == 2
        # The hold is real: the same database waits behind the unread reply.
        with pytest.raises(PyMongoError):
            await probe[held]["big"].find_one({"_id": 0}, projection={"_id": 1})
    finally:
        if raw is not None:
            raw.close()  # the proxy's write fails and the database's lock is let go
        await probe.close()
        for name in (held, free):
            await setup.drop_database(name)
        await setup.close()
