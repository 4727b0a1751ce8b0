"""The MongoDB client every service builds: bounded operations, majority writes."""

from __future__ import annotations

import pytest
from pymongo.errors import ExecutionTimeout, OperationFailure

from shared.platform.errors import is_transient
from shared.platform.mongo import create_mongo_client
from shared.platform.settings import MongoSettings

pytestmark = pytest.mark.unit


async def test_every_operation_is_bounded_and_writes_wait_for_a_majority() -> None:
    client = create_mongo_client(MongoSettings(operation_timeout_ms=1500), app_name="test")
    try:
        assert client.options.timeout == 1.5
        assert client.write_concern.document == {"w": "majority"}
    finally:
        await client.close()


def test_a_timed_out_operation_is_an_outage_and_a_refused_one_is_not() -> None:
    assert is_transient(ExecutionTimeout("operation exceeded time limit", 50))
    assert not is_transient(OperationFailure("not authorized", 13))
