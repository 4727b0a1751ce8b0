"""Versioned event payload models; each ``<Fact>V<n>`` lives in the module named after its fact."""

from shared.contracts.events.base import ContractModel, EventModel
from shared.contracts.events.deal_stage_changed import DealStageChangedV1
from shared.contracts.events.lead_lifecycle import (
    ActivityDirection,
    ActivityKind,
    ConvertedContact,
    LeadActivityLoggedV1,
    LeadAssignedV1,
    LeadContactedV1,
    LeadConvertedV1,
    LeadDisqualifiedV1,
    LeadQualifiedV1,
    LeadReassignedV1,
    LeadSlaBreachedV1,
    ProductInterest,
    ReassignReason,
)
from shared.contracts.events.lead_received import (
    LeadChannel,
    LeadContact,
    LeadReceivedV1,
    UtmTags,
)
from shared.contracts.events.money import Money
from shared.contracts.events.payment_due import PaymentDueV1, ReminderKind, payment_reminder_id

__all__ = [
    "ActivityDirection",
    "ActivityKind",
    "ContractModel",
    "ConvertedContact",
    "DealStageChangedV1",
    "EventModel",
    "LeadActivityLoggedV1",
    "LeadAssignedV1",
    "LeadChannel",
    "LeadContact",
    "LeadContactedV1",
    "LeadConvertedV1",
    "LeadDisqualifiedV1",
    "LeadQualifiedV1",
    "LeadReassignedV1",
    "LeadReceivedV1",
    "LeadSlaBreachedV1",
    "Money",
    "PaymentDueV1",
    "ProductInterest",
    "ReassignReason",
    "ReminderKind",
    "UtmTags",
    "payment_reminder_id",
]
