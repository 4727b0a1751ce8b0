"""Versioned event payload models; each ``<Fact>V<n>`` lives in the module named after its fact."""

from shared.contracts.events.base import ContractModel, EventModel
from shared.contracts.events.deal_stage_changed import DealStageChangedV1
from shared.contracts.events.lead_received import (
    LeadChannel,
    LeadContact,
    LeadReceivedV1,
    UtmTags,
)
from shared.contracts.events.money import Money
from shared.contracts.events.payment_due import PaymentDueV1, ReminderKind, payment_reminder_id

__all__ = [
    "ContractModel",
    "DealStageChangedV1",
    "EventModel",
    "LeadChannel",
    "LeadContact",
    "LeadReceivedV1",
    "Money",
    "PaymentDueV1",
    "ReminderKind",
    "UtmTags",
    "payment_reminder_id",
]
