"""Every Kafka subscription of the deals service, in one place."""

from __future__ import annotations

from faststream.kafka import KafkaBroker

from deals.adapters.store import DealsStore
from deals.domain.money import Money
from deals.service_layer.deals import DealBook
from deals.service_layer.events import SOURCE
from deals.service_layer.invoicing import Invoicing
from shared.contracts.codec import DecodedEvent
from shared.contracts.events.client_segment_changed import ClientSegmentChangedV1
from shared.contracts.events.invoicing import PaymentReceivedV1
from shared.contracts.events.lead_lifecycle import LeadConvertedV1
from shared.contracts.topics import Topic
from shared.platform.clock import Clock
from shared.platform.consumer import subscribe, topic_group


def register_subscribers(
    broker: KafkaBroker,
    *,
    store: DealsStore,
    deals: DealBook,
    invoicing: Invoicing,
    group_id: str,
    topic_prefix: str,
    clock: Clock,
) -> None:
    """`lead.converted` opens deals; `payment.received` settles invoices; segments for discounts."""

    async def on_lead_converted(decoded: DecodedEvent) -> None:
        event = decoded.event
        assert isinstance(event, LeadConvertedV1)
        await deals.open_from_lead(event, event_id=decoded.envelope.id)

    async def on_payment_received(decoded: DecodedEvent) -> None:
        if decoded.envelope.source == SOURCE:
            return  # recorded here by HTTP; already applied
        event = decoded.event
        assert isinstance(event, PaymentReceivedV1)
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

    async def on_client_segment_changed(decoded: DecodedEvent) -> None:
        event = decoded.event
        assert isinstance(event, ClientSegmentChangedV1)
        await store.clients.update_one(
            {"_id": event.client_id}, {"$set": {"segment": event.to_segment}}
        )

    for topic, handler, description in (
        (Topic.LEAD_CONVERTED, on_lead_converted, "Converted leads become deals (once)."),
        (Topic.PAYMENT_RECEIVED, on_payment_received, "Payments from accounting settle invoices."),
        (
            Topic.CLIENT_SEGMENT_CHANGED,
            on_client_segment_changed,
            "Segments computed by reporting feed the discount rules.",
        ),
    ):
        subscribe(
            broker,
            topic.value,
            handler,
            group_id=topic_group(group_id, topic.value),
            clock=clock,
            topic_prefix=topic_prefix,
            description=description,
        )
