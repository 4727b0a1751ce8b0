"""The MongoDB client every service builds: bounded operations, majority writes."""

from __future__ import annotations

import pytest
from pymongo.errors import BulkWriteError, ExecutionTimeout, OperationFailure

from shared.platform.errors import is_transient
from shared.platform.mongo import create_mongo_client, duplicate_indexes
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


def test_only_duplicate_keys_count_as_done_and_an_unmet_write_concern_never_does() -> None:
    duplicates = BulkWriteError({"writeErrors": [{"index": 1, "code": 11000}], "nInserted": 2})
    assert duplicate_indexes(duplicates) == [1]
    other = BulkWriteError({"writeErrors": [{"index": 0, "code": 2}]})
    unmet = BulkWriteError(
        {"writeErrors": [], "writeConcernErrors": [{"code": 64, "errmsg": "waiting"}]}
    )
    for failed in (other, unmet):
        with pytest.raises(BulkWriteError):
            duplicate_indexes(failed)
