"""The explicit ``(event type, version) -> model class`` registry consumers decode with."""

from collections.abc import Iterable
from typing import TypeVar

from shared.contracts.errors import DuplicateEventError, UnknownEventError
from shared.contracts.events import (
    ActivityLoggedV1,
    AuditRecordedV1,
    ClaimStatusChangedV1,
    ClientSegmentChangedV1,
    ContractRenewalDueV1,
    DealActivityLoggedV1,
    DealReassignedV1,
    DealStageChangedV1,
    InvoiceIssuedV1,
    LeadActivityLoggedV1,
    LeadAssignedV1,
    LeadContactedV1,
    LeadConvertedV1,
    LeadDisqualifiedV1,
    LeadQualifiedV1,
    LeadReassignedV1,
    LeadReceivedV1,
    LeadSlaBreachedV1,
    MeetingReminderDueV1,
    NotificationFailedV1,
    NotificationSentV1,
    PaymentDueV1,
    PaymentReceivedV1,
    PersonChangedV1,
    ProposalAcceptedV1,
    ProposalDeclinedV1,
    ProposalSentV1,
    ShipmentStatusChangedV1,
    TaskCompletedV1,
    TaskCreatedV1,
    TaskOverdueV1,
    TaskReassignedV1,
)
from shared.contracts.events.base import EventModel

E = TypeVar("E", bound=EventModel)


def _shown(text: str) -> str:
    # Type names come from headers, i.e. from outside; keep them short in messages.
    return repr(text if len(text) <= 80 else text[:80] + "…")


class EventRegistry:
    """Maps each (event type, version) pair to exactly one payload model.

    Registration is explicit (no scanning of modules) so that what a service can decode is
    visible in one list and a forgotten registration fails loudly in the tests.
    """

    def __init__(self, models: Iterable[type[EventModel]] = ()) -> None:
        self._models: dict[tuple[str, int], type[EventModel]] = {}
        for model in models:
            self.register(model)

    def register(self, model_cls: type[E]) -> type[E]:
        """Add a model; returns it, so it also works as a class decorator."""
        if not (isinstance(model_cls, type) and issubclass(model_cls, EventModel)):
            raise TypeError("only EventModel subclasses can be registered")
        event_type = getattr(model_cls, "event_type", None)
        version = getattr(model_cls, "event_version", None)
        if not isinstance(event_type, str) or not event_type:
            raise TypeError(f"{model_cls.__name__} does not set the event_type class variable")
        if not isinstance(version, int) or isinstance(version, bool) or version < 1:
            raise TypeError(f"{model_cls.__name__} needs an event_version class variable >= 1")
        key = (event_type, version)
        existing = self._models.get(key)
        if existing is not None:
            raise DuplicateEventError(
                f"{event_type} v{version} is already registered as {existing.__name__}; "
                f"cannot register {model_cls.__name__}"
            )
        self._models[key] = model_cls
        return model_cls

    def resolve(self, event_type: str, version: int) -> type[EventModel]:
        """Return the model of a type and version, or raise ``UnknownEventError``."""
        model = self._models.get((event_type, version))
        if model is None:
            raise UnknownEventError(f"no model registered for {_shown(event_type)} v{version}")
        return model

    def _versions_of(self, event_type: str) -> list[int]:
        found = sorted(v for t, v in self._models if t == event_type)
        if not found:
            raise UnknownEventError(f"no model registered for {_shown(event_type)}")
        return found

    def latest_version(self, event_type: str) -> int:
        """Return the highest registered version of a type (what producers should emit)."""
        return self._versions_of(event_type)[-1]

    def lowest_version(self, event_type: str) -> int:
        """Return the lowest registered version of a type (what bare payloads are read as)."""
        return self._versions_of(event_type)[0]

    def versions(self) -> list[tuple[str, int]]:
        """List every registered (type, version) pair, sorted."""
        return sorted(self._models)

    def models(self) -> list[type[EventModel]]:
        """List every registered model, in the order of ``versions()``."""
        return [self._models[key] for key in self.versions()]

    def __contains__(self, key: object) -> bool:
        return key in self._models

    def __len__(self) -> int:
        return len(self._models)


REGISTRY = EventRegistry(
    [
        LeadReceivedV1,
        LeadAssignedV1,
        LeadReassignedV1,
        LeadSlaBreachedV1,
        LeadContactedV1,
        LeadActivityLoggedV1,
        LeadQualifiedV1,
        LeadConvertedV1,
        LeadDisqualifiedV1,
        DealStageChangedV1,
        PaymentDueV1,
        PaymentReceivedV1,
        InvoiceIssuedV1,
        ContractRenewalDueV1,
        ShipmentStatusChangedV1,
        ClaimStatusChangedV1,
        ClientSegmentChangedV1,
        NotificationSentV1,
        NotificationFailedV1,
        AuditRecordedV1,
        PersonChangedV1,
        ActivityLoggedV1,
        DealActivityLoggedV1,
        TaskCreatedV1,
        TaskCompletedV1,
        TaskOverdueV1,
        TaskReassignedV1,
        MeetingReminderDueV1,
        ProposalSentV1,
        ProposalAcceptedV1,
        ProposalDeclinedV1,
        DealReassignedV1,
    ]
)
"""Every wire model Voronka speaks. Add each new ``<Fact>V<n>`` here, by hand."""
