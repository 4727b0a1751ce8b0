"""The lead aggregate: every move of a lead, its first-contact timer and the events they cause.

The timer invariant: `sla_due_at` is set exactly while the lead awaits first contact under
an automatic deadline; every transition that ends the wait (contact, disqualification,
escalation) stops it, so the SLA watcher only ever meets live timers.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from leads.domain import lead_events as events
from leads.domain.contact import NormalizedContact
from leads.domain.contact_keys import ClientRef
from leads.domain.dedupe import CLOSED_STATUSES, LeadStatus, OpenLeadRef, dedupe_keys
from leads.domain.lead_records import (
    Activity,
    ActivityRecord,
    Conversion,
    HistoryEntry,
    LeadContact,
    Owner,
)
from leads.domain.lifecycle import (
    AWAITING_CONTACT,
    LifecycleError,
    check_convert,
    check_disqualify,
    check_qualify,
    check_reassign,
    counts_as_contact,
)
from leads.domain.priority import CHANNEL_WEIGHTS, LeadSignals, Priority, score_lead
from leads.domain.product_reading import NO_PRODUCT_TERMS, ProductTerms
from leads.domain.sla import SlaPolicy
from shared.contracts.events.base import EventModel
from shared.contracts.events.lead_lifecycle import (
    ReassignReason,
)
from shared.contracts.events.lead_received import LeadChannel, LeadReceivedV1, UtmTags
from shared.contracts.events.money import Money
from shared.kernel.aggregate import Aggregate

KEPT_ENTRIES = 200
"""Activities and history entries a lead keeps (the newest)."""
KEPT_IDS = 2000
"""Activity ids and merged aliases a lead remembers to recognise a redelivery."""

REPEAT_ACTIVITY_KIND = {"phone": "call", "email": "email"}
"""How a repeat request shows on the timeline, by the channel it came through (else message)."""


@dataclass(eq=False, kw_only=True)
class Lead(Aggregate[EventModel]):
    """A person who asked about buying, from first request to a deal or a refusal."""

    id: str
    source: str
    external_id: str | None
    channel: LeadChannel
    channels: list[str]
    received_at: datetime
    created_at: datetime
    updated_at: datetime
    last_inbound_at: datetime
    contact: LeadContact
    flags: list[str]
    dedupe_keys: list[str]
    priority: Priority
    status: LeadStatus
    request_text: str | None = None
    product: str | None = None
    quantity: Decimal | None = None
    budget: Money | None = None
    region: str | None = None
    deadline: date | None = None
    utm: UtmTags | None = None
    referred_by: str | None = None
    returning_client: bool = False
    client_lead_id: str | None = None
    manager_id: str | None = None
    team: str | None = None
    assignment_reason: str | None = None
    sla_deadline: datetime | None = None
    sla_due_at: datetime | None = None
    sla_breaches: int = 0
    sla_missed_by: list[str] = field(default_factory=list)
    escalated: bool = False
    first_contact_at: datetime | None = None
    first_contact_by: str | None = None
    response_seconds: int | None = None
    within_sla: bool | None = None
    qualified_at: datetime | None = None
    converted_at: datetime | None = None
    disqualified_at: datetime | None = None
    disqualify_reason: str | None = None
    disqualify_note: str | None = None
    aliases: list[str] = field(default_factory=list)
    activities: list[ActivityRecord] = field(default_factory=list)
    activity_ids: list[str] = field(default_factory=list)
    history: list[HistoryEntry] = field(default_factory=list)

    @property
    def aggregate_id(self) -> str:
        """The lead id, which is also the Kafka key of its events."""
        return self.id

    @classmethod
    def receive(
        cls,
        *,
        lead_id: str,
        request: LeadReceivedV1,
        contact: NormalizedContact,
        received_at: datetime,
        priority: Priority,
        owner: Owner,
        client_lead_id: str | None,
        now: datetime,
    ) -> Lead:
        """A new lead handed to its first owner, its timer started; records `lead.assigned`."""
        lead = cls(
            id=lead_id,
            source=request.source,
            external_id=request.external_id,
            channel=request.channel,
            channels=[request.channel.value],
            received_at=received_at,
            created_at=now,
            updated_at=now,
            last_inbound_at=received_at,
            contact=LeadContact.of(contact),
            flags=[flag.value for flag in contact.flags],
            dedupe_keys=list(dedupe_keys(contact)),
            priority=priority,
            status=LeadStatus.NEW,
            request_text=request.request_text,
            product=request.product,
            quantity=request.quantity,
            budget=request.budget,
            region=request.region,
            deadline=request.deadline,
            utm=request.utm,
            referred_by=request.referred_by,
            returning_client=client_lead_id is not None,
            client_lead_id=client_lead_id,
        )
        lead._hand_over(owner)
        lead.history.append(
            HistoryEntry(at=now, type="assigned", manager_id=owner.manager_id, reason=owner.reason)
        )
        lead.record(events.assigned(lead, owner, now))
        return lead

    @property
    def counted_for(self) -> str | None:
        """The manager whose load includes this lead: its owner while it is open."""
        return None if self.closed else self.manager_id

    @property
    def closed(self) -> bool:
        """Converted or disqualified: no longer anyone's work, no longer a dedupe target."""
        return self.status in CLOSED_STATUSES

    def client_ref(self) -> ClientRef | None:
        """The client this lead made of its person, once converted."""
        if self.status is not LeadStatus.CONVERTED:
            return None
        return ClientRef(self.id, self.manager_id, self.converted_at or self.updated_at)

    @property
    def awaiting_contact(self) -> bool:
        """Nobody has responded to the lead yet."""
        return self.status in AWAITING_CONTACT

    def is_sla_overdue(self, now: datetime) -> bool:
        """Still uncontacted past its first-contact deadline."""
        return self.awaiting_contact and self.sla_deadline is not None and self.sla_deadline < now

    def is_sla_due(self, now: datetime) -> bool:
        """Its running first-contact timer has fired by `now`."""
        return self.awaiting_contact and self.sla_due_at is not None and self.sla_due_at <= now

    def dedupe_ref(self) -> OpenLeadRef:
        """What duplicate detection compares a new request with."""
        return OpenLeadRef(
            lead_id=self.id,
            phone=self.contact.phone,
            email=self.contact.email,
            last_activity_at=self.last_inbound_at,
            status=self.status,
        )

    def merge_duplicate(
        self,
        *,
        alias: str,
        request: LeadReceivedV1,
        contact: NormalizedContact,
        received_at: datetime,
        now: datetime,
        time_zone: str = "UTC",
        products: ProductTerms = NO_PRODUCT_TERMS,
    ) -> bool:
        """Join a repeat request of the same person; False if that request was merged before.

        The lead is scored again on the day the repeat came on in `time_zone` (its team's),
        with `products` the team's product words.
        """
        if alias in self.aliases:
            return False
        if self.status in CLOSED_STATUSES:
            raise LifecycleError(f"the lead is closed ({self.status})")
        channel = request.channel.value
        self.aliases.append(alias)
        self.activities.append(
            ActivityRecord(
                id=f"repeat-{alias}",
                kind=REPEAT_ACTIVITY_KIND.get(channel, "message"),
                direction="inbound",
                outcome="repeat_request",
                channel=channel,
                occurred_at=received_at,
                logged_at=now,
                note=request.request_text,
                counts_as_contact=False,
            )
        )
        self.history.append(HistoryEntry(at=now, type="duplicate_merged", channel=channel))
        if channel not in self.channels:
            self.channels.append(channel)
        self.dedupe_keys += [k for k in dedupe_keys(contact) if k not in self.dedupe_keys]
        self.contact.fill_from(contact)
        self.last_inbound_at = max(received_at, self.last_inbound_at)
        self._rescore(request, received_at, now, time_zone, products)
        self.updated_at = now
        self._keep_bounded()
        return True

    def _rescore(
        self,
        repeat: LeadReceivedV1,
        received_at: datetime,
        now: datetime,
        time_zone: str,
        products: ProductTerms,
    ) -> None:
        """Score again with everything both requests said; the warmer score stays."""
        self.product = self.product or repeat.product
        self.quantity = self.quantity or repeat.quantity
        self.budget = self.budget or repeat.budget
        if repeat.deadline is not None:
            self.deadline = min(self.deadline or repeat.deadline, repeat.deadline)
        texts = [text for text in (self.request_text, repeat.request_text) if text]
        rescored = score_lead(
            LeadSignals(
                channel=max(self.channels, key=lambda c: CHANNEL_WEIGHTS.get(c, 0)),
                received_at=received_at,
                time_zone=time_zone,
                request_text="\n".join(texts),
                product=self.product,
                quantity=self.quantity,
                budget=self.budget.amount if self.budget else None,
                deadline=self.deadline,
                is_returning_client=self.returning_client,
                referred_by=self.referred_by or repeat.referred_by,
            ),
            products=products,
        )
        if rescored.score > self.priority.score:
            self.history.append(
                HistoryEntry(
                    at=now,
                    type="rescored",
                    channel=repeat.channel.value,
                    reason=f"{self.priority.score} -> {rescored.score}",
                )
            )
            self.priority = rescored

    def log_activity(self, activity: Activity, now: datetime) -> bool:
        """Record an activity once (False for a repeated id); the first contact stops the SLA."""
        if activity.activity_id in self.activity_ids:
            return False
        if self.status in CLOSED_STATUSES:
            raise LifecycleError(f"the lead is closed ({self.status})")
        contact = counts_as_contact(
            activity.kind.value,
            activity.direction.value,
            activity.outcome,
            before_request=activity.occurred_at < self.received_at,
        )
        self.activities.append(
            ActivityRecord(
                id=activity.activity_id,
                kind=activity.kind.value,
                direction=activity.direction.value,
                outcome=activity.outcome,
                duration_seconds=activity.duration_seconds,
                occurred_at=activity.occurred_at,
                logged_at=now,
                manager_id=activity.manager_id,
                note=activity.note,
                counts_as_contact=contact,
            )
        )
        self.activity_ids.append(activity.activity_id)
        self.record(events.activity_logged(self, activity, counts_as_contact=contact))
        if contact and self.awaiting_contact:
            self._first_contact(activity, now)
        self.updated_at = now
        self._keep_bounded()
        return True

    def _keep_bounded(self) -> None:
        """Keep the newest entries of the lists a busy lead keeps growing.

        A document that grew with every call and repeat request would slow every read of the
        lead and at last exceed MongoDB's 16 MB. The full record lives in the events (and in
        reporting); the lead keeps the last `KEPT_ENTRIES` activities and history entries,
        and the last `KEPT_IDS` activity ids and merged aliases, which tell a redelivery from
        a new request.
        """
        del self.activities[:-KEPT_ENTRIES]
        del self.history[:-KEPT_ENTRIES]
        del self.activity_ids[:-KEPT_IDS]
        del self.aliases[:-KEPT_IDS]

    def _first_contact(self, activity: Activity, now: datetime) -> None:
        contacted_at = min(activity.occurred_at, now)
        self.status = LeadStatus.CONTACTED
        self.first_contact_at = contacted_at
        self.first_contact_by = activity.manager_id
        self.response_seconds = max(0, int((contacted_at - self.received_at).total_seconds()))
        self.within_sla = self.sla_deadline is None or contacted_at <= self.sla_deadline
        self.sla_due_at = None
        self.record(events.contacted(self, activity))
        self.history.append(HistoryEntry(at=now, type="contacted", manager_id=activity.manager_id))

    def qualify(self, *, by: str | None, now: datetime) -> bool:
        """Mark a contacted lead as a real opportunity; False when it already is one."""
        if self.status is LeadStatus.QUALIFIED:
            return False
        check_qualify(self.status)
        manager = by or self.manager_id
        if manager is None:
            raise LifecycleError("the lead has no manager to qualify it; name one")
        self.record(events.qualified(self, manager, now))
        self.status = LeadStatus.QUALIFIED
        self.qualified_at = now
        self.updated_at = now
        self.history.append(HistoryEntry(at=now, type="qualified", manager_id=manager))
        return True

    def convert(self, conversion: Conversion, now: datetime) -> bool:
        """Turn the lead into a deal (qualifying it on the way); False when already converted."""
        if self.status is LeadStatus.CONVERTED:
            return False
        implied_qualification = check_convert(self.status)
        manager = conversion.manager_id or self.manager_id or self.first_contact_by
        if manager is None:
            raise LifecycleError("the lead has no manager to own the deal; name one")
        if implied_qualification:
            self.record(events.qualified(self, manager, now))
        self.record(events.converted(self, conversion, manager, now))
        self.status = LeadStatus.CONVERTED
        self.converted_at = now
        self.manager_id = manager
        self.updated_at = now
        self.history.append(HistoryEntry(at=now, type="converted", manager_id=manager))
        return True

    def disqualify(
        self,
        *,
        reason: str,
        note: str | None,
        by: str | None,
        allowed: frozenset[str],
        now: datetime,
    ) -> bool:
        """Close the lead with a reason from `allowed`; False when closed with it already."""
        if self.status is LeadStatus.DISQUALIFIED and self.disqualify_reason == reason:
            return False
        check_disqualify(self.status, reason, allowed)
        self.status = LeadStatus.DISQUALIFIED
        self.disqualified_at = now
        self.disqualify_reason = reason
        self.disqualify_note = note
        self.sla_due_at = None
        self.record(events.disqualified(self, by, now))
        self.updated_at = now
        self.history.append(HistoryEntry(at=now, type="disqualified", reason=reason))
        return True

    def owned_by_already(self, manager_id: str) -> bool:
        """Whether the open lead belongs to `manager_id` already; a closed lead refuses to move."""
        check_reassign(self.status)
        return self.manager_id == manager_id

    def reassign(
        self, *, to: str, team: str, deadline: datetime | None, note: str | None, now: datetime
    ) -> bool:
        """Move the lead to a named manager; an uncontacted lead gets `deadline` as its timer."""
        if self.owned_by_already(to):
            return False
        waiting = self.awaiting_contact
        if waiting and deadline is None:
            raise ValueError("an uncontacted lead changes hands only with a new deadline")
        new_deadline = deadline if waiting else None
        previous = self.manager_id
        self.manager_id = to
        self.team = team
        if waiting:
            self.status = LeadStatus.ASSIGNED
            self.sla_deadline = self.sla_due_at = new_deadline
        self.updated_at = now
        self.record(
            events.reassigned(
                self,
                previous=previous,
                reason=ReassignReason.MANUAL,
                detail=note,
                sla_deadline=new_deadline,
                now=now,
            )
        )
        self.history.append(
            HistoryEntry(
                at=now,
                type="reassigned",
                manager_id=to,
                from_manager_id=previous,
                reason=ReassignReason.MANUAL.value,
            )
        )
        return True

    def escalates_on_breach(self, policy: SlaPolicy) -> bool:
        """Whether the head of sales takes over when the running deadline is missed."""
        return policy.escalates(self.sla_breaches + 1)

    def missed_sla(self) -> frozenset[str]:
        """Managers who let a deadline of this lead pass, the current owner included."""
        return frozenset(self._missed_with_owner())

    def reassign_after_breach(self, owner: Owner, now: datetime) -> None:
        """The deadline passed: hand the lead to the next owner with a fresh timer."""
        breaches, previous = self._breach(now, escalated_to=None, escalated=False)
        self._hand_over(owner)
        self.record(
            events.reassigned(
                self,
                previous=previous,
                reason=ReassignReason.SLA_BREACH,
                detail=owner.reason,
                sla_deadline=owner.deadline,
                now=now,
            )
        )
        self.history.append(
            HistoryEntry(
                at=now,
                type="sla_breached",
                manager_id=owner.manager_id,
                from_manager_id=previous,
                reason=owner.reason,
                breach_count=breaches,
            )
        )

    def escalate_after_breach(self, head: str | None, now: datetime) -> None:
        """The last allowed deadline passed: the head of sales takes the lead, the timer stops."""
        breaches, previous = self._breach(now, escalated_to=head, escalated=True)
        self.manager_id = head
        if head != previous:
            self.record(
                events.reassigned(
                    self,
                    previous=previous,
                    reason=ReassignReason.ESCALATION,
                    detail="head_of_sales" if head else "no_head_of_sales",
                    sla_deadline=None,
                    now=now,
                )
            )
        self.status = LeadStatus.ASSIGNED if head else LeadStatus.NEW
        self.assignment_reason = "escalation"
        self.escalated = True
        # The head of sales decides what happens next: no further automatic deadline.
        self.sla_due_at = None
        self.history.append(
            HistoryEntry(
                at=now,
                type="escalated",
                manager_id=head,
                from_manager_id=previous,
                breach_count=breaches,
            )
        )

    def _breach(
        self, now: datetime, *, escalated_to: str | None, escalated: bool
    ) -> tuple[int, str | None]:
        deadline = self.sla_due_at
        if deadline is None or not self.is_sla_due(now):
            raise LifecycleError("no first-contact deadline of this lead has passed")
        breaches = self.sla_breaches + 1
        previous = self.manager_id
        self.record(
            events.sla_breached(
                self,
                deadline=deadline,
                breach_count=breaches,
                escalated_to=escalated_to,
                escalated=escalated,
                now=now,
            )
        )
        self.sla_missed_by = self._missed_with_owner()
        self.sla_breaches = breaches
        self.updated_at = now
        return breaches, previous

    def _missed_with_owner(self) -> list[str]:
        return [*self.sla_missed_by, *([self.manager_id] if self.manager_id else [])]

    def _hand_over(self, owner: Owner) -> None:
        self.manager_id = owner.manager_id
        self.team = owner.team
        self.status = LeadStatus.ASSIGNED if owner.manager_id else LeadStatus.NEW
        self.assignment_reason = owner.reason
        self.sla_deadline = self.sla_due_at = owner.deadline
