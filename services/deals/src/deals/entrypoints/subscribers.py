"""Every Kafka subscription of the deals service, in one place."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from faststream.kafka import KafkaBroker

from deals.domain.money import Money
from deals.service_layer.clients import ClientBase
from deals.service_layer.deals import DealBook
from deals.service_layer.events import SOURCE
from deals.service_layer.invoicing import Invoicing
from deals.service_layer.lead_queue import LEAD_QUEUE_TOPICS, follow_lead
from deals.service_layer.work import DayWork
from shared.contracts.codec import DecodedEvent
from shared.contracts.events.activities import ActivityLoggedV1
from shared.contracts.events.client_segment_changed import ClientSegmentChangedV1
from shared.contracts.events.invoicing import ContractRenewalDueV1, PaymentReceivedV1
from shared.contracts.events.lead_lifecycle import LeadConvertedV1
from shared.contracts.events.person import PersonChangedV1
from shared.contracts.topics import Topic
from shared.platform.clock import Clock
from shared.platform.consumer import (
    BatchItem,
    follow_people,
    subscribe,
    subscribe_batch,
    topic_group,
)
from shared.platform.people import PeopleDirectory


class UntrustedPayment(ValueError):
    """A payment event from a source the deals service is not configured to trust."""


def register_subscribers(
    broker: KafkaBroker,
    *,
    deals: DealBook,
    invoicing: Invoicing,
    clients: ClientBase,
    people: PeopleDirectory,
    work: DayWork,
    group_id: str,
    topic_prefix: str,
    clock: Clock,
    payment_sources: Collection[str] = (),
) -> None:
    """`lead.converted` opens deals; `payment.received` settles invoices; segments for discounts."""

    async def on_lead_converted(decoded: DecodedEvent[LeadConvertedV1]) -> None:
        await deals.open_from_lead(decoded.event, event_id=decoded.envelope.id)

    async def on_payment_received(decoded: DecodedEvent[PaymentReceivedV1]) -> None:
        if decoded.envelope.source == SOURCE:
            return  # recorded here by HTTP; already applied
        if decoded.envelope.source not in payment_sources:
            # Raised, so after the retries the event is dead-lettered where it can be seen.
            raise UntrustedPayment("payment.received from a source not in DEALS_PAYMENT_SOURCES")
        event = decoded.event
        # An unknown invoice, an overpayment or a wrong currency raises: after the retries the
        # payment lands in the dead-letter topic, where accounting's mistake can be seen.
        await invoicing.record_payment(
            event.invoice_id,
            payment_id=event.payment_id,
            amount=Money.of(event.amount.amount, event.amount.currency),
            paid_at=event.paid_at,
            reference=event.reference,
            publish=False,
            causation_id=decoded.envelope.id,
        )

    async def on_client_segment_changed(decoded: DecodedEvent[ClientSegmentChangedV1]) -> None:
        event = decoded.event
        await clients.move_to_segment(event.client_id, event.to_segment)
        await work.rules.on_segment(
            event.client_id,
            event.to_segment,
            event.changed_at,
            manager_id=event.manager_id,
            causation_id=decoded.envelope.id,
        )

    async def on_activity_logged(decoded: DecodedEvent[ActivityLoggedV1]) -> None:
        await work.activities.from_telephony(decoded.event, causation_id=decoded.envelope.id)

    async def on_renewal_due(decoded: DecodedEvent[ContractRenewalDueV1]) -> None:
        event = decoded.event
        await work.rules.on_renewal_due(
            event.contract_id,
            renewal_on=event.renewal_date,
            days_before=event.days_before,
            manager_id=event.manager_id,
            client_id=event.client_id,
            causation_id=decoded.envelope.id,
        )

    async def on_lead_events(items: list[BatchItem]) -> None:
        for item in items:
            await follow_lead(work.leads_to_call, item.decoded.event)

    async def on_person(changed: PersonChangedV1, event_id: str) -> None:
        await people.apply(changed)
        # The stored person, not the event: a late redelivery of an old absence moves nothing.
        person = await people.person(changed.person_id)
        if person is None or (person.present and person.active):
            return
        # Away with a deputy: their open work goes to the deputy (leads does too). Gone: to
        # their deputy, else their team lead, who shares it out (leads assigns leads anew).
        reason = "absence" if person.active else "left"
        successor = person.deputy_id
        if successor is None and not person.active:
            successor = await people.team_lead_of(person.id)
        if successor is None:
            return
        await deals.hand_over_open_deals(person.id, successor, reason=reason, causation_id=event_id)
        await invoicing.hand_over_unpaid(person.id, successor, causation_id=event_id)
        await work.tasks.hand_over_open(person.id, successor, reason=reason, causation_id=event_id)
        if not person.active:  # an absence is short: the clients stay theirs
            await clients.hand_over_clients(person.id, successor)

    def on(topic: Topic) -> dict[str, Any]:
        return {
            "group_id": topic_group(group_id, topic.value),
            "clock": clock,
            "topic_prefix": topic_prefix,
        }

    subscribe(
        broker,
        Topic.LEAD_CONVERTED.value,
        on_lead_converted,
        event_type=LeadConvertedV1,
        description="Converted leads become deals (once).",
        **on(Topic.LEAD_CONVERTED),
    )
    subscribe(
        broker,
        Topic.PAYMENT_RECEIVED.value,
        on_payment_received,
        event_type=PaymentReceivedV1,
        description="Payments from accounting settle invoices.",
        **on(Topic.PAYMENT_RECEIVED),
    )
    subscribe(
        broker,
        Topic.CLIENT_SEGMENT_CHANGED.value,
        on_client_segment_changed,
        event_type=ClientSegmentChangedV1,
        description="Segments computed by reporting feed the discount rules.",
        **on(Topic.CLIENT_SEGMENT_CHANGED),
    )
    subscribe(
        broker,
        Topic.ACTIVITY_LOGGED.value,
        on_activity_logged,
        event_type=ActivityLoggedV1,
        description="Calls and mail from telephony land on their deal or client.",
        **on(Topic.ACTIVITY_LOGGED),
    )
    subscribe(
        broker,
        Topic.CONTRACT_RENEWAL_DUE.value,
        on_renewal_due,
        event_type=ContractRenewalDueV1,
        description="A renewal reminder (our own) sets the manager a renewal task.",
        **on(Topic.CONTRACT_RENEWAL_DUE),
    )
    subscribe_batch(
        broker,
        [topic.value for topic in LEAD_QUEUE_TOPICS],
        on_lead_events,
        group_id=topic_group(group_id, "lead.queue"),
        clock=clock,
        topic_prefix=topic_prefix,
        description="Assigned leads not contacted yet: the work queue's calls to make.",
    )
    follow_people(
        broker,
        on_person,
        group_id=group_id,
        clock=clock,
        topic_prefix=topic_prefix,
        description="The directory of people: whose deals, invoices and clients each sees.",
    )
