"""Wire events of deals' activities and of tasks become the facts the activity folds take."""

from datetime import UTC, datetime

import pytest
from reporting_events import at, deal_activity, task_completed, task_overdue

from reporting.domain.facts import ActivityKind, ActivityLogged, TaskDone, TaskOverdue
from reporting.service_layer.translate import TOPICS, fact_of
from shared.contracts import ActivityKind as WireKind
from shared.contracts import LeadActivityLoggedV1, Topic
from shared.contracts.events.tasks import OverdueLevel, TaskResolution

pytestmark = pytest.mark.unit


def test_a_deal_activity_is_an_activity_fact_naming_its_deal_and_client() -> None:
    call = deal_activity("dc1", WireKind.CALL, at(21, 11), deal="D1", manager="m1")
    assert fact_of(call) == ActivityLogged(
        activity_id="dc1",
        lead_id=None,
        manager_id="m1",
        kind=ActivityKind.CALL,
        occurred_at=datetime(2026, 3, 21, 11, tzinfo=UTC),
        deal_id="D1",
        client_id="client-D1",
    )
    objection = deal_activity(
        "dc2", WireKind.OBJECTION, at(21), client="client-9", manager="m2", category="price"
    )
    assert fact_of(objection) == ActivityLogged(
        "dc2", None, "m2", ActivityKind.OBJECTION, at(21), None, "client-9", "price"
    )


def test_an_objection_on_a_lead_translates_too() -> None:
    event = LeadActivityLoggedV1(
        activity_id="la9", lead_id="L1", manager_id="m1", kind=WireKind.OBJECTION, occurred_at=at(3)
    )
    assert fact_of(event) == ActivityLogged("la9", "L1", "m1", ActivityKind.OBJECTION, at(3))


def test_tasks_done_and_gone_overdue_on_the_assignee_are_facts_the_rest_is_not() -> None:
    assert fact_of(task_completed("t1", at(10), manager="m2")) == TaskDone("t1", "m2", at(10))
    cancelled = task_completed("t2", at(10), resolution=TaskResolution.CANCELLED)
    assert fact_of(cancelled) is None
    assert fact_of(task_overdue("t3", at(11), manager="m2")) == TaskOverdue("t3", "m2", at(11))
    told_the_lead = task_overdue("t3", at(12), manager="m2", level=OverdueLevel.TEAM_LEAD)
    assert fact_of(told_the_lead) is None


def test_the_new_topics_are_subscribed_to() -> None:
    assert {Topic.DEAL_ACTIVITY_LOGGED, Topic.TASK_COMPLETED, Topic.TASK_OVERDUE} <= set(TOPICS)
    # Created and reassigned tasks count in no report yet.
    assert Topic.TASK_CREATED not in TOPICS and Topic.TASK_REASSIGNED not in TOPICS
