"""Kafka topic names and their settings: the one place a topic string is typed."""

from dataclasses import dataclass
from enum import StrEnum

DEAD_LETTER_SUFFIX = ".dlq"

_DAY_MS = 24 * 60 * 60 * 1000


class Topic(StrEnum):
    """Every business topic; each carries exactly one event type, named like the topic."""

    LEAD_RECEIVED = "lead.received"
    LEAD_ASSIGNED = "lead.assigned"
    LEAD_REASSIGNED = "lead.reassigned"
    LEAD_SLA_BREACHED = "lead.sla_breached"
    LEAD_CONTACTED = "lead.contacted"
    LEAD_ACTIVITY_LOGGED = "lead.activity_logged"
    LEAD_QUALIFIED = "lead.qualified"
    LEAD_CONVERTED = "lead.converted"
    LEAD_DISQUALIFIED = "lead.disqualified"
    DEAL_STAGE_CHANGED = "deal.stage_changed"
    DEAL_REASSIGNED = "deal.reassigned"
    PAYMENT_DUE = "payment.due"
    PAYMENT_RECEIVED = "payment.received"
    INVOICE_ISSUED = "invoice.issued"
    CONTRACT_RENEWAL_DUE = "contract.renewal_due"
    SHIPMENT_STATUS_CHANGED = "shipment.status_changed"
    CLAIM_STATUS_CHANGED = "claim.status_changed"
    CLIENT_SEGMENT_CHANGED = "client.segment_changed"
    NOTIFICATION_SENT = "notification.sent"
    NOTIFICATION_FAILED = "notification.failed"
    AUDIT_RECORDED = "audit.recorded"
    PERSON_CHANGED = "person.changed"
    ACTIVITY_LOGGED = "activity.logged"
    DEAL_ACTIVITY_LOGGED = "deal.activity_logged"
    TASK_CREATED = "task.created"
    TASK_COMPLETED = "task.completed"
    TASK_OVERDUE = "task.overdue"
    TASK_REASSIGNED = "task.reassigned"
    MEETING_REMINDER_DUE = "meeting.reminder_due"
    PROPOSAL_SENT = "proposal.sent"
    PROPOSAL_ACCEPTED = "proposal.accepted"
    PROPOSAL_DECLINED = "proposal.declined"


def dead_letter_topic(topic: str) -> str:
    """Name the dead-letter twin of a topic (``lead.received`` -> ``lead.received.dlq``).

    A dead-letter topic has no twin of its own: a message that cannot even be dead-lettered
    is a platform fault, not a poison message, so asking for ``x.dlq.dlq`` is a bug.
    """
    if topic.endswith(DEAD_LETTER_SUFFIX):
        raise ValueError("a dead-letter topic has no dead-letter topic of its own")
    return f"{topic}{DEAD_LETTER_SUFFIX}"


def is_dead_letter_topic(topic: str) -> bool:
    """Tell whether a topic name is a dead-letter twin."""
    return topic.endswith(DEAD_LETTER_SUFFIX)


def origin_topic(topic: str) -> str:
    """Return the business topic behind a dead-letter topic; a business topic maps to itself."""
    return topic.removesuffix(DEAD_LETTER_SUFFIX)


@dataclass(frozen=True, slots=True)
class TopicSpec:
    """How a topic is created: the infrastructure code provisions exactly these."""

    name: str
    partitions: int
    retention_ms: int
    description: str
    cleanup_policy: str = "delete"

    def __post_init__(self) -> None:
        if self.partitions < 1:
            raise ValueError("a topic needs at least one partition")
        if self.retention_ms < 1:
            raise ValueError("retention must be positive (use a real number, not -1)")
        if self.cleanup_policy not in ("delete", "compact"):
            raise ValueError("cleanup policy is delete or compact")

    @property
    def configs(self) -> dict[str, str]:
        """The topic's configuration as Kafka names it."""
        return {"retention.ms": str(self.retention_ms), "cleanup.policy": self.cleanup_policy}


# Six partitions give each service room for six consumers per group; keys are aggregate ids,
# so per-aggregate order holds whatever the count. Thirty days is enough to rebuild a
# projection after a bad deploy; inbound leads and payment facts are kept 90 days because
# they are replayed for reconciliation with the systems that sent or expect them.
BUSINESS_PARTITIONS = 6
DEAD_LETTER_PARTITIONS = 3
DEFAULT_RETENTION_MS = 30 * _DAY_MS
LONG_RETENTION_MS = 90 * _DAY_MS
DEAD_LETTER_RETENTION_MS = 30 * _DAY_MS

_DESCRIPTIONS: dict[Topic, str] = {
    Topic.LEAD_RECEIVED: "A lead arrived from a channel; published by external systems too.",
    Topic.LEAD_ASSIGNED: "A lead was assigned to a manager for the first time.",
    Topic.LEAD_REASSIGNED: "A lead moved to another manager (SLA breach or by hand).",
    Topic.LEAD_SLA_BREACHED: "The assignee did not make first contact before the deadline.",
    Topic.LEAD_CONTACTED: "The assignee made first contact with the lead.",
    Topic.LEAD_ACTIVITY_LOGGED: "A call, e-mail, message or meeting on a lead; telephony too.",
    Topic.LEAD_QUALIFIED: "A lead was qualified as a real sales opportunity.",
    Topic.LEAD_CONVERTED: "A lead was converted into a deal.",
    Topic.LEAD_DISQUALIFIED: "A lead was disqualified, with a reason.",
    Topic.DEAL_STAGE_CHANGED: "A deal was created in or moved to a pipeline stage.",
    Topic.DEAL_REASSIGNED: "An open deal moved to another manager (a deputy, by hand).",
    Topic.PAYMENT_DUE: "A payment reminder for an invoice installment is due.",
    Topic.PAYMENT_RECEIVED: "A payment against an invoice was received.",
    Topic.INVOICE_ISSUED: "An invoice with its installment plan was issued.",
    Topic.CONTRACT_RENEWAL_DUE: "A client's contract comes up for renewal.",
    Topic.SHIPMENT_STATUS_CHANGED: "A shipment was planned, shipped, delivered or returned.",
    Topic.CLAIM_STATUS_CHANGED: "A claim was opened, investigated, resolved or rejected.",
    Topic.CLIENT_SEGMENT_CHANGED: "A client moved between purchase segments (hot, warm, ...).",
    Topic.NOTIFICATION_SENT: "A notification reached its delivery provider.",
    Topic.NOTIFICATION_FAILED: "A notification could not be delivered.",
    Topic.PERSON_CHANGED: "A person of the sales department was added or changed (compacted).",
    Topic.AUDIT_RECORDED: "A service changed a record on a request: who, what, before and after.",
    Topic.ACTIVITY_LOGGED: "A call, e-mail or message on a deal or a client, from telephony, mail.",
    Topic.DEAL_ACTIVITY_LOGGED: "An activity the deals service recorded on a deal or a client.",
    Topic.TASK_CREATED: "A task was set for a manager, by hand or by a rule.",
    Topic.TASK_COMPLETED: "A task was done or cancelled.",
    Topic.TASK_OVERDUE: "A task passed its due time: the assignee, later the team lead, is told.",
    Topic.TASK_REASSIGNED: "An open task moved to another manager (a deputy, by hand).",
    Topic.MEETING_REMINDER_DUE: "A meeting starts soon: its organizer and colleagues are told.",
    Topic.PROPOSAL_SENT: "A commercial proposal went to the client, with its PDF.",
    Topic.PROPOSAL_ACCEPTED: "The client accepted a proposal (its link, or the manager says).",
    Topic.PROPOSAL_DECLINED: "The client declined a proposal.",
}

_LONG_RETENTION = frozenset(
    {
        Topic.LEAD_RECEIVED,
        Topic.PAYMENT_DUE,
        Topic.PAYMENT_RECEIVED,
        Topic.INVOICE_ISSUED,
        Topic.AUDIT_RECORDED,
    }
)


_COMPACTED = frozenset({Topic.PERSON_CHANGED})
"""Topics holding the latest state per key: a new consumer reads every person, however old."""


def _specs() -> tuple[TopicSpec, ...]:
    specs: list[TopicSpec] = []
    for topic in Topic:
        retention = LONG_RETENTION_MS if topic in _LONG_RETENTION else DEFAULT_RETENTION_MS
        policy = "compact" if topic in _COMPACTED else "delete"
        specs.append(
            TopicSpec(topic.value, BUSINESS_PARTITIONS, retention, _DESCRIPTIONS[topic], policy)
        )
        specs.append(
            TopicSpec(
                dead_letter_topic(topic),
                DEAD_LETTER_PARTITIONS,
                DEAD_LETTER_RETENTION_MS,
                f"Messages from {topic.value} that could not be processed, with origin and error.",
            )
        )
    return tuple(specs)


TOPIC_SPECS: tuple[TopicSpec, ...] = _specs()
"""Every business topic followed by its dead-letter twin."""
