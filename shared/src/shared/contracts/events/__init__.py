"""Versioned event payload models; each ``<Fact>V<n>`` lives in the module named after its fact."""

from shared.contracts.events.activities import ActivityLoggedV1, DealActivityLoggedV1
from shared.contracts.events.audit import ActorKind, AuditRecordedV1
from shared.contracts.events.base import ContractModel, EventModel
from shared.contracts.events.client_segment_changed import (
    ClientSegmentChangedV1,
)
from shared.contracts.events.deal_reassigned import DealReassignedV1
from shared.contracts.events.deal_stage_changed import DealStageChangedV1, StageKind
from shared.contracts.events.fulfilment import (
    ClaimStatus,
    ClaimStatusChangedV1,
    ShipmentStatus,
    ShipmentStatusChangedV1,
)
from shared.contracts.events.invoicing import (
    ContractRenewalDueV1,
    InstallmentTerms,
    InvoiceIssuedV1,
    PaymentReceivedV1,
)
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
from shared.contracts.events.meetings import MeetingReminderDueV1
from shared.contracts.events.money import Money
from shared.contracts.events.notification import (
    NotificationFailedV1,
    NotificationSentV1,
)
from shared.contracts.events.payment_due import PaymentDueV1, ReminderKind, payment_reminder_id
from shared.contracts.events.person import PersonChangedV1
from shared.contracts.events.proposals import (
    ProposalAcceptedV1,
    ProposalDeclinedV1,
    ProposalSentV1,
)
from shared.contracts.events.tasks import (
    TaskCompletedV1,
    TaskCreatedV1,
    TaskOverdueV1,
    TaskReassignedV1,
)

__all__ = [
    "ActivityDirection",
    "ActivityKind",
    "ActivityLoggedV1",
    "ActorKind",
    "AuditRecordedV1",
    "ClaimStatus",
    "ClaimStatusChangedV1",
    "ClientSegmentChangedV1",
    "ContractModel",
    "ContractRenewalDueV1",
    "ConvertedContact",
    "DealActivityLoggedV1",
    "DealReassignedV1",
    "DealStageChangedV1",
    "EventModel",
    "InstallmentTerms",
    "InvoiceIssuedV1",
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
    "MeetingReminderDueV1",
    "Money",
    "NotificationFailedV1",
    "NotificationSentV1",
    "PaymentDueV1",
    "PaymentReceivedV1",
    "PersonChangedV1",
    "ProductInterest",
    "ProposalAcceptedV1",
    "ProposalDeclinedV1",
    "ProposalSentV1",
    "ReassignReason",
    "ReminderKind",
    "ShipmentStatus",
    "ShipmentStatusChangedV1",
    "StageKind",
    "TaskCompletedV1",
    "TaskCreatedV1",
    "TaskOverdueV1",
    "TaskReassignedV1",
    "UtmTags",
    "payment_reminder_id",
]
