"""`payment.received`: the reminders of what was paid are cancelled before they go out."""

from __future__ import annotations

from notifications.service_layer.ports import DeliveryRepository, SettlementStore
from notifications.service_layer.triggers import (
    Triggers,
    cancel_pending,
    installment_key,
    invoice_key,
)
from shared.contracts.codec import DecodedEvent
from shared.contracts.events.invoicing import PaymentReceivedV1
from shared.platform.clock import Clock
from shared.platform.logging import get_logger

log = get_logger(__name__)


class PaymentReceived:
    """Cancels pending reminders, remembers the paid installment, then informs integrators.

    With an installment named, only its reminders stop (and any that arrive later are
    cancelled on arrival). Without one, the payment settles the earliest installments, which
    we cannot tell apart: every reminder of the invoice still pending is cancelled. Pending
    means due now and held only by quiet hours or retries; the producer publishes each later
    reminder when it falls due, so one that the payment did not cover still comes.
    """

    def __init__(
        self,
        deliveries: DeliveryRepository,
        settlements: SettlementStore,
        triggers: Triggers,
        *,
        clock: Clock,
    ) -> None:
        self._deliveries = deliveries
        self._settlements = settlements
        self._triggers = triggers
        self._clock = clock

    async def __call__(self, decoded: DecodedEvent[PaymentReceivedV1]) -> None:
        """Subscriber body for `payment.received`; idempotent."""
        event = decoded.event
        if event.installment_id:
            key = installment_key(event.installment_id)
            await self._settlements.record_settlement(key, event.paid_at)
        else:
            key = invoice_key(event.invoice_id)
        cancelled = await cancel_pending(self._deliveries, [key], self._clock)
        log.info("payment received", invoice_id=event.invoice_id, reminders_cancelled=cancelled)
        await self._triggers(decoded)
