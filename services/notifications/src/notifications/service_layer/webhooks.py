"""Integrators' webhook subscriptions: subscribe to public endpoints, list, unsubscribe."""

from __future__ import annotations

from notifications.domain.webhooks import WebhookSubscription, check_literal
from notifications.service_layer.ports import WebhookRegistry
from shared.platform.clock import Clock


class Webhooks:
    """Subscription use cases; `private_targets` lets URLs name local addresses (development)."""

    def __init__(
        self, registry: WebhookRegistry, *, clock: Clock, private_targets: bool = False
    ) -> None:
        self._registry = registry
        self._clock = clock
        self._private_targets = private_targets

    async def subscribe(self, subscription: WebhookSubscription) -> WebhookSubscription:
        """Create or replace a subscription; `TargetRefused` for a URL naming a non-public host."""
        if not self._private_targets:
            check_literal(subscription.url)
        await self._registry.put(subscription, at=self._clock.now())
        return await self._registry.get(subscription.id) or subscription

    async def get(self, subscription_id: str) -> WebhookSubscription | None:
        """One subscription, or None."""
        return await self._registry.get(subscription_id)

    async def all(self) -> list[WebhookSubscription]:
        """Every subscription, by id."""
        return await self._registry.all()

    async def unsubscribe(self, subscription_id: str) -> bool:
        """Remove a subscription; False when unknown."""
        return await self._registry.delete(subscription_id)
