"""Topic names, dead-letter twins and topic settings."""

import pytest

from shared.contracts import REGISTRY, TOPIC_SPECS, Topic, TopicSpec, dead_letter_topic
from shared.contracts.topics import is_dead_letter_topic, origin_topic

pytestmark = pytest.mark.unit

DAY_MS = 24 * 60 * 60 * 1000


def test_every_topic_name_is_a_lowercase_dotted_fact() -> None:
    for topic in Topic:
        aggregate, _, fact = topic.value.partition(".")
        assert aggregate, topic
        assert fact, topic
        assert topic.value == topic.value.lower()


def test_dead_letter_topic_appends_dlq() -> None:
    assert dead_letter_topic(Topic.LEAD_RECEIVED) == "lead.received.dlq"
    assert dead_letter_topic("payment.due") == "payment.due.dlq"


def test_dead_letter_topic_has_no_twin_of_its_own() -> None:
    with pytest.raises(ValueError, match="no dead-letter topic"):
        dead_letter_topic("lead.received.dlq")


def test_origin_topic_strips_the_dead_letter_suffix_only() -> None:
    assert origin_topic("deal.stage_changed.dlq") == "deal.stage_changed"
    assert origin_topic("deal.stage_changed") == "deal.stage_changed"
    assert is_dead_letter_topic("deal.stage_changed.dlq")
    assert not is_dead_letter_topic("deal.stage_changed")


def test_topic_specs_cover_every_topic_and_its_dead_letter_twin_exactly_once() -> None:
    names = [spec.name for spec in TOPIC_SPECS]
    expected = {t.value for t in Topic} | {dead_letter_topic(t) for t in Topic}
    assert sorted(names) == sorted(expected)


def test_business_and_dead_letter_topics_get_their_partitions_and_retention() -> None:
    specs = {spec.name: spec for spec in TOPIC_SPECS}
    for topic in Topic:
        assert specs[topic].partitions == 6
        dlq = specs[dead_letter_topic(topic)]
        assert (dlq.partitions, dlq.retention_ms) == (3, 30 * DAY_MS)
    for kept_longer in (Topic.LEAD_RECEIVED, Topic.PAYMENT_DUE, Topic.PAYMENT_RECEIVED):
        assert specs[kept_longer].retention_ms == 90 * DAY_MS
    assert specs[Topic.DEAL_STAGE_CHANGED].retention_ms == 30 * DAY_MS
    assert all(spec.description for spec in TOPIC_SPECS)


def test_topic_spec_refuses_nonsense_settings() -> None:
    with pytest.raises(ValueError, match="partition"):
        TopicSpec("x.y", 0, DAY_MS, "d")
    with pytest.raises(ValueError, match="retention"):
        TopicSpec("x.y", 1, -1, "d")


def test_every_registered_event_type_is_a_topic_name() -> None:
    topics = {t.value for t in Topic}
    assert {event_type for event_type, _ in REGISTRY.versions()} <= topics
