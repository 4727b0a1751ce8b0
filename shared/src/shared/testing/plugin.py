"""pytest plugin: real Kafka and MongoDB once per session, isolated names per test.

Every query a service's client issues during a test is checked against the service's declared
indexes (the `index_plans` ini option; `shared.testing.query_shapes` holds the rule).
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
from pydantic import SecretStr
from pymongo.asynchronous.database import AsyncDatabase

from shared.contracts.topics import TOPIC_SPECS, TopicSpec, dead_letter_topic
from shared.platform.clock import ManualClock
from shared.platform.indexes import Index
from shared.platform.mongo import create_mongo_client, watch_commands
from shared.platform.settings import KafkaSettings, MongoSettings
from shared.platform.topics import delete_prefixed_topics, ensure_topics
from shared.testing.index_plans import LoadedPlans, load_plans
from shared.testing.infrastructure import Endpoints, repo_root, resolve_endpoints
from shared.testing.query_recorder import QueryLog
from shared.testing.query_shapes import unserved

TopicFactory = Callable[..., Awaitable[str]]


TEST_KINDS = ("unit", "integration", "e2e")

QUERY_LOG = QueryLog()
"""Query shapes sent by clients built with `create_mongo_client` (the services'), per test."""

_PLANS = pytest.StashKey[LoadedPlans]()


def pytest_addoption(parser: pytest.Parser) -> None:
    """The `index_plans` ini option: `app = package.module` per service."""
    parser.addini(
        "index_plans",
        type="linelist",
        default=[],
        help="services' declared index plans (`app = package.module` holding INDEXES), "
        "against which every query shape a test issues is checked",
    )


def pytest_configure(config: pytest.Config) -> None:
    """Load the declared plans and record every service client's queries from now on."""
    config.stash[_PLANS] = load_plans(config.getini("index_plans"))
    config.add_cleanup(watch_commands(QUERY_LOG.listener))


def pytest_report_header(config: pytest.Config) -> str:
    """Say which services' queries are checked against declared indexes, and which are not."""
    loaded = config.stash[_PLANS]
    line = f"query shapes checked for: {', '.join(sorted(loaded.plans)) or 'none'}"
    if loaded.missing:
        line += "; no index plan yet (unchecked): " + ", ".join(
            f"{app} ({module})" for app, module in sorted(loaded.missing.items())
        )
    return line


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Refuse a test that does not say what it is: `-m unit` must mean no I/O."""
    unmarked = [
        item.nodeid for item in items if not any(item.get_closest_marker(k) for k in TEST_KINDS)
    ]
    if unmarked:
        raise pytest.UsageError(
            f"tests without a unit/integration/e2e marker: {', '.join(unmarked[:10])}"
        )


@pytest.fixture(autouse=True)
def query_shapes_served(pytestconfig: pytest.Config) -> Iterator[None]:
    """Fail a test whose code issued a query that neither `_id` nor a declared index serves."""
    QUERY_LOG.take()
    yield
    shapes, errors = QUERY_LOG.take()
    plans = pytestconfig.stash[_PLANS].plans
    problems = errors + [
        f"{shape.describe()}; declared: {_declared(plans[shape.app].candidates(shape.collection))}"
        for shape in unserved(shapes, plans)
    ]
    if problems:
        pytest.fail(
            "queries no declared index serves (shapes, no values):\n  " + "\n  ".join(problems),
            pytrace=False,
        )


def _declared(indexes: Sequence[Index]) -> str:
    return ", ".join("(" + ", ".join(f"{n} {d}" for n, d in i.keys) + ")" for i in indexes)


@pytest.fixture(scope="session")
def infrastructure(pytestconfig: pytest.Config) -> Iterator[Endpoints]:
    """The session's Kafka and MongoDB: from env, containers, or `deploy/local/infra.sh up`."""
    with resolve_endpoints(repo_root(Path(pytestconfig.rootpath))) as endpoints:
        yield endpoints


@pytest.fixture
def test_id() -> str:
    """A short unique name for this test's topics, databases and consumer groups."""
    return f"t{uuid.uuid4().hex[:12]}"


@pytest.fixture
def topic_prefix(test_id: str) -> str:
    """Physical topic names of this test start with this prefix, so tests never share data."""
    return f"{test_id}."


@pytest.fixture
def kafka_settings(infrastructure: Endpoints, topic_prefix: str) -> KafkaSettings:
    """Kafka settings pointing at the session broker with this test's topic prefix."""
    return KafkaSettings(
        bootstrap_servers=infrastructure.kafka_bootstrap_servers, topic_prefix=topic_prefix
    )


@pytest.fixture
def mongo_settings(infrastructure: Endpoints, test_id: str) -> MongoSettings:
    """MongoDB settings pointing at the session server and this test's own database."""
    return MongoSettings(url=SecretStr(infrastructure.mongodb_url), database=test_id)


@pytest_asyncio.fixture
async def mongo_db(mongo_settings: MongoSettings) -> AsyncIterator[AsyncDatabase[Any]]:
    """A fresh database for this test, dropped afterwards, through a client with the services'
    own options (timeouts, write concern), so the server meets the commands production sends."""
    client = create_mongo_client(mongo_settings, app_name="voronka-tests", watched=False)
    assert mongo_settings.database is not None
    try:
        yield client[mongo_settings.database]
    finally:
        await client.drop_database(mongo_settings.database)
        await client.close()


@pytest_asyncio.fixture
async def kafka_topics(kafka_settings: KafkaSettings) -> AsyncIterator[TopicFactory]:
    """Create this test's physical topics (with their dead-letter twins); returns a factory.

    `await kafka_topics("lead.received")` creates `<prefix>lead.received` and its `.dlq` and
    returns the physical name. Called without names it creates every Voronka topic. The
    test's topics are deleted afterwards: a broker keeps files open for every partition,
    and thousands of leftover test topics exhaust its file descriptors.
    """
    specs = {spec.name: spec for spec in TOPIC_SPECS}

    async def create(*names: str, partitions: int | None = None) -> str:
        wanted: list[TopicSpec] = []
        for name in names or tuple(n for n in specs if not n.endswith(".dlq")):
            for full in (name, dead_letter_topic(name)):
                base = specs.get(full) or TopicSpec(full, 1, 86_400_000, "test topic")
                wanted.append(
                    TopicSpec(
                        base.name,
                        partitions or base.partitions,
                        base.retention_ms,
                        base.description,
                        base.cleanup_policy,
                    )
                )
        await ensure_topics(kafka_settings, wanted, prefix=kafka_settings.topic_prefix)
        return kafka_settings.topic_prefix + (names[0] if names else "")

    yield create
    await delete_prefixed_topics(kafka_settings, kafka_settings.topic_prefix)


@pytest.fixture
def clock() -> ManualClock:
    """A clock that moves only when the test says so."""
    return ManualClock(datetime(2026, 3, 2, 9, 0, tzinfo=UTC))
