"""`task.completed`: the overdue messages of a closed task are cancelled before they go out."""

from __future__ import annotations

from notifications.service_layer.ports import DeliveryRepository, SettlementStore
from notifications.service_layer.triggers import TASK_CLOSED, Triggers, cancel_pending, task_key
from shared.contracts.codec import DecodedEvent
from shared.contracts.events.tasks import TaskCompletedV1
from shared.platform.clock import Clock
from shared.platform.logging import get_logger

log = get_logger(__name__)


class TaskCompleted:
    """Cancels a closed task's pending overdue messages, remembers the closing, informs integrators.

    As with a payment and its reminders: pending means not sent yet, typically held by quiet
    hours overnight; a message already sent stays sent (and one on its way when the task
    closes is recorded as sent). The closing is remembered first, so an overdue message
    consumed after it (the two topics are read apart) is cancelled on arrival. A task is
    closed for good, done or cancelled alike: either way nobody needs telling it is late.
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

    async def __call__(self, decoded: DecodedEvent[TaskCompletedV1]) -> None:
        """Subscriber body for `task.completed`; idempotent."""
        event = decoded.event
        key = task_key(event.task_id)
        await self._settlements.record_settlement(key, event.completed_at)
        cancelled = await cancel_pending(self._deliveries, [key], self._clock, reason=TASK_CLOSED)
        log.info("task completed", task_id=event.task_id, overdue_cancelled=cancelled)
        await self._triggers(decoded)
