"""The index check itself: queries sent through a service's client against the real server are
recorded as shapes, and one no declared index serves is reported, and fails its test."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from shared.platform.clock import ManualClock
from shared.platform.indexes import ensure_indexes
from shared.platform.mongo import count_matching, create_mongo_client, watch_commands
from shared.platform.outbox import OutboxMessage, OutboxRelay, outbox_fields, outbox_indexes
from shared.platform.settings import MongoSettings
from shared.testing.infrastructure import Endpoints
from shared.testing.query_recorder import QueryLog
from shared.testing.query_shapes import DeclaredPlan, QueryShape, filter_shape, unserved

pytest_plugins = ("pytester",)

pytestmark = pytest.mark.integration


class KeepsMessages:
    """An outbox publisher that acknowledges at once and keeps what it was given."""

    def __init__(self) -> None:
        self.published: list[OutboxMessage] = []

    async def publish_batch(self, messages: Sequence[OutboxMessage]) -> None:
        self.published.extend(messages)


async def test_an_unindexed_query_on_the_real_server_is_recorded_and_reported(
    mongo_settings: MongoSettings, clock: ManualClock
) -> None:
    log = QueryLog()
    stop_recording = watch_commands(log.listener)
    # Not an application of the session's plans: the suite's own check ignores this client.
    client = create_mongo_client(mongo_settings, app_name="shape-check")
    stop_recording()
    assert mongo_settings.database is not None
    db = client[mongo_settings.database]
    plan = DeclaredPlan(outbox_indexes("things"))
    try:
        await ensure_indexes(db, plan.indexes)
        await db.things.insert_one({"_id": "t1", "colour": "red", **outbox_fields([])})
        log.take()  # what the test itself set up is not under test
        await OutboxRelay([db.things], KeepsMessages(), clock=clock).drain_once()
        assert await count_matching(db.things, {"colour": "red"}) == 1
        served_by_id = await db.things.find_one({"colour": "red"})  # test code: not recorded
        assert served_by_id is not None
        shapes, errors = log.take()
    finally:
        await client.drop_database(mongo_settings.database)
        await client.close()

    unindexed = QueryShape("shape-check", "things", "aggregate", filter_shape({"colour": 1}))
    lease = filter_shape(
        {"_outbox_pending": 1, "$or": [{"_outbox_lease": None}, {"_outbox_lease": {"$lt": 1}}]}
    )
    assert errors == []
    assert set(shapes) == {
        QueryShape("shape-check", "things", "find", lease, (), True),
        QueryShape("shape-check", "things", "aggregate", filter_shape({"_outbox_pending": 1})),
        unindexed,
    }
    assert unserved(shapes, {"shape-check": plan}) == [unindexed]


DEMO_TEST = """
import pytest

from shared.platform.mongo import count_matching, create_mongo_client

pytestmark = pytest.mark.integration


async def test_counts_things_of_a_colour(mongo_settings):
    client = create_mongo_client(mongo_settings, app_name="demo")
    things = client[mongo_settings.database]["things"]
    try:
        assert await count_matching(things, {"size": 3}) == 0
        assert await count_matching(things, {"colour": "secret-red"}) == 0
    finally:
        await client.drop_database(mongo_settings.database)
        await client.close()
"""

DEMO_CONFTEST = """
import os

import pytest

from shared.testing.infrastructure import Endpoints


@pytest.fixture(scope="session")
def infrastructure():
    return Endpoints(os.environ["KAFKA_BOOTSTRAP_SERVERS"], os.environ["MONGODB_URL"], "outer run")
"""

DEMO_INI = """
[tool.pytest.ini_options]
addopts = "-p shared.testing.plugin"
asyncio_mode = "auto"
asyncio_default_fixture_loop_scope = "session"
asyncio_default_test_loop_scope = "session"
markers = ["unit: -", "integration: -", "e2e: -"]
index_plans = ["demo = demo_index_plan"]
"""


def run_demo(
    pytester: pytest.Pytester,
    infrastructure: Endpoints,
    monkeypatch: pytest.MonkeyPatch,
    *,
    indexed: str,
) -> pytest.RunResult:
    """Run the demo test in its own pytest process with `things` indexed by `indexed`."""
    monkeypatch.setenv("MONGODB_URL", infrastructure.mongodb_url)
    monkeypatch.setenv("KAFKA_BOOTSTRAP_SERVERS", infrastructure.kafka_bootstrap_servers)
    pytester.makepyprojecttoml(DEMO_INI)
    pytester.makepyfile(
        demo_index_plan=(
            f"from shared.platform.indexes import index\n\nINDEXES = {{'things': [{indexed}]}}\n"
        ),
        test_demo=DEMO_TEST,
        conftest=DEMO_CONFTEST,
    )
    return pytester.runpytest_subprocess(timeout=120)


def test_the_suite_fails_a_test_whose_query_no_declared_index_serves(
    pytester: pytest.Pytester, infrastructure: Endpoints, monkeypatch: pytest.MonkeyPatch
) -> None:
    result = run_demo(pytester, infrastructure, monkeypatch, indexed="index('size')")

    result.assert_outcomes(passed=1, errors=1)
    result.stdout.fnmatch_lines(
        [
            "query shapes checked for: demo",
            "*ERROR at teardown of test_counts_things_of_a_colour*",
            "*queries no declared index serves (shapes, no values):",
            "*demo: things.aggregate {colour: =}; declared: (_id 1), (size 1)",
        ]
    )
    assert "{size: =}" not in result.stdout.str()
    assert "secret-red" not in result.stdout.str()


def test_the_demo_passes_once_the_index_is_declared(
    pytester: pytest.Pytester, infrastructure: Endpoints, monkeypatch: pytest.MonkeyPatch
) -> None:
    result = run_demo(
        pytester, infrastructure, monkeypatch, indexed="index('size'), index('colour')"
    )

    result.assert_outcomes(passed=1)
