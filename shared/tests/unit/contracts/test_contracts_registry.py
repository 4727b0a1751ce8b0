"""The explicit (event type, version) -> model registry."""

from typing import ClassVar

import pytest

from shared.contracts import (
    REGISTRY,
    ContractError,
    DealStageChangedV1,
    DuplicateEventError,
    EventModel,
    EventRegistry,
    LeadReceivedV1,
    PaymentDueV1,
    UnknownEventError,
)

pytestmark = pytest.mark.unit


class SampleV1(EventModel):
    event_type: ClassVar[str] = "sample.happened"
    event_version: ClassVar[int] = 1


class SampleV2(EventModel):
    event_type: ClassVar[str] = "sample.happened"
    event_version: ClassVar[int] = 2


class SampleAgainV1(EventModel):
    event_type: ClassVar[str] = "sample.happened"
    event_version: ClassVar[int] = 1


class Unversioned(EventModel):
    event_type: ClassVar[str] = "sample.unversioned"


def test_registered_model_resolves_by_type_and_version() -> None:
    registry = EventRegistry([SampleV2, SampleV1])

    assert registry.resolve("sample.happened", 1) is SampleV1
    assert registry.resolve("sample.happened", 2) is SampleV2
    assert registry.versions() == [("sample.happened", 1), ("sample.happened", 2)]
    assert registry.models() == [SampleV1, SampleV2]
    assert ("sample.happened", 2) in registry
    assert len(registry) == 2


def test_latest_and_lowest_versions_are_known_per_type() -> None:
    registry = EventRegistry([SampleV2, SampleV1])

    assert registry.latest_version("sample.happened") == 2
    assert registry.lowest_version("sample.happened") == 1


def test_second_model_for_the_same_type_and_version_is_refused() -> None:
    registry = EventRegistry([SampleV1])

    with pytest.raises(DuplicateEventError, match=r"sample\.happened v1 is already registered"):
        registry.register(SampleAgainV1)


def test_unknown_type_or_version_raises_a_contract_error() -> None:
    registry = EventRegistry([SampleV1])

    with pytest.raises(UnknownEventError, match=r"'sample\.happened' v3"):
        registry.resolve("sample.happened", 3)
    with pytest.raises(UnknownEventError):
        registry.latest_version("nothing.here")
    assert issubclass(UnknownEventError, ContractError)
    assert issubclass(ContractError, ValueError)


def test_model_without_a_version_cannot_be_registered() -> None:
    with pytest.raises(TypeError, match="event_version"):
        EventRegistry().register(Unversioned)


def test_register_works_as_a_class_decorator() -> None:
    registry = EventRegistry()

    @registry.register
    class DecoratedV1(EventModel):
        event_type: ClassVar[str] = "sample.decorated"
        event_version: ClassVar[int] = 1

    assert registry.resolve("sample.decorated", 1) is DecoratedV1


def test_the_shared_registry_lists_every_wire_model() -> None:
    assert REGISTRY.versions() == [
        ("activity.logged", 1),
        ("audit.recorded", 1),
        ("claim.status_changed", 1),
        ("client.segment_changed", 1),
        ("contract.renewal_due", 1),
        ("deal.activity_logged", 1),
        ("deal.reassigned", 1),
        ("deal.stage_changed", 1),
        ("invoice.issued", 1),
        ("lead.activity_logged", 1),
        ("lead.assigned", 1),
        ("lead.contacted", 1),
        ("lead.converted", 1),
        ("lead.disqualified", 1),
        ("lead.qualified", 1),
        ("lead.reassigned", 1),
        ("lead.received", 1),
        ("lead.sla_breached", 1),
        ("meeting.reminder_due", 1),
        ("notification.failed", 1),
        ("notification.sent", 1),
        ("payment.due", 1),
        ("payment.received", 1),
        ("person.changed", 1),
        ("proposal.accepted", 1),
        ("proposal.declined", 1),
        ("proposal.sent", 1),
        ("shipment.status_changed", 1),
        ("task.completed", 1),
        ("task.created", 1),
        ("task.overdue", 1),
        ("task.reassigned", 1),
    ]
    assert REGISTRY.resolve("lead.received", 1) is LeadReceivedV1
    assert REGISTRY.resolve("deal.stage_changed", 1) is DealStageChangedV1
    assert REGISTRY.resolve("payment.due", 1) is PaymentDueV1
