"""Use cases behind the HTTP API on in-memory ports: recipients, webhooks, template overrides."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest

from notifications.domain.model import Channel, EventKind, Locale, RecipientKind, RecipientSettings
from notifications.domain.templates import BUILTIN_TEMPLATES, Template, TemplateKey
from notifications.domain.webhooks import TargetRefused, WebhookSubscription
from notifications.service_layer.recipients import Recipients
from notifications.service_layer.template_overrides import TemplateOverrides, TemplateRefused
from notifications.service_layer.webhooks import Webhooks
from shared.platform.clock import ManualClock

pytestmark = pytest.mark.unit

NOW = datetime(2026, 3, 2, 7, 0, tzinfo=UTC)
REMINDER_EMAIL = TemplateKey(EventKind.PAYMENT_ON_ISSUE.value, Channel.EMAIL, Locale.RU)


class FakeRegistry:
    """Recipient settings in a dict."""

    def __init__(self) -> None:
        self.entries: dict[str, RecipientSettings] = {}

    async def settings(self, recipient_id: str) -> RecipientSettings | None:
        return self.entries.get(recipient_id)

    async def put(self, recipient_id: str, settings: RecipientSettings) -> None:
        self.entries[recipient_id] = settings

    async def delete(self, recipient_id: str) -> bool:
        return self.entries.pop(recipient_id, None) is not None


class FakeSubscriptions:
    """Subscriptions in a dict, stamped like the store stamps them."""

    def __init__(self) -> None:
        self.items: dict[str, WebhookSubscription] = {}

    async def get(self, subscription_id: str) -> WebhookSubscription | None:
        return self.items.get(subscription_id)

    async def all(self) -> list[WebhookSubscription]:
        return [s for _, s in sorted(self.items.items())]

    async def put(self, subscription: WebhookSubscription, *, at: datetime) -> None:
        old = self.items.get(subscription.id)
        created = old.created_at if old else at
        self.items[subscription.id] = WebhookSubscription(
            subscription.id,
            subscription.url,
            subscription.secret,
            subscription.event_types,
            subscription.active,
            created_at=created,
            updated_at=at,
        )

    async def delete(self, subscription_id: str) -> bool:
        return self.items.pop(subscription_id, None) is not None


class FakeOverrides:
    """Template overrides in a dict."""

    def __init__(self) -> None:
        self.saved: dict[TemplateKey, tuple[Template, datetime | None]] = {}

    async def all(self) -> dict[TemplateKey, tuple[Template, datetime | None]]:
        return dict(self.saved)

    async def put(self, key: TemplateKey, template: Template, *, at: datetime) -> None:
        self.saved[key] = (template, at)

    async def delete(self, key: TemplateKey) -> bool:
        return self.saved.pop(key, None) is not None


async def test_recipient_settings_come_back_as_set_and_erasure_forgets_them() -> None:
    recipients = Recipients(FakeRegistry())
    settings = RecipientSettings(
        kind=RecipientKind.CLIENT,
        email="buyer@romashka.example",
        opted_out=(Channel.SMS, Channel.EMAIL),
        preferred_channels=(Channel.MESSENGER, Channel.EMAIL),
    )

    await recipients.put("client-9", settings)

    assert await recipients.get("client-9") == settings
    assert await recipients.erase("client-9") is True
    assert await recipients.get("client-9") is None
    assert await recipients.erase("client-9") is False


async def test_a_recipients_settings_give_the_profile_the_dispatcher_reads() -> None:
    settings = RecipientSettings(
        kind=RecipientKind.MANAGER, name=None, opted_out=(Channel.SMS,), time_zone="Asia/Omsk"
    )

    profile = settings.profile("mgr-1")

    assert (profile.id, profile.name, profile.opted_out) == ("mgr-1", "", frozenset({Channel.SMS}))
    assert (profile.recipient.kind, profile.recipient.time_zone) == (
        RecipientKind.MANAGER,
        "Asia/Omsk",
    )


async def test_a_webhook_to_a_local_address_is_refused_unless_private_targets_are_allowed() -> None:
    clock = ManualClock(NOW)
    hook = WebhookSubscription("probe", url="http://169.254.169.254/latest", secret="s" * 16)

    with pytest.raises(TargetRefused):
        await Webhooks(FakeSubscriptions(), clock=clock).subscribe(hook)
    stored = await Webhooks(FakeSubscriptions(), clock=clock, private_targets=True).subscribe(hook)

    assert (stored.id, stored.created_at, stored.updated_at) == ("probe", NOW, NOW)


async def test_resubscribing_keeps_the_creation_time_and_the_order_of_event_types() -> None:
    clock = ManualClock(NOW)
    webhooks = Webhooks(FakeSubscriptions(), clock=clock)
    hook = WebhookSubscription("crm", url="https://crm.example/hooks", secret="s" * 16)
    await webhooks.subscribe(hook)
    clock.advance(60)

    types = ("payment.due", "deal.stage_changed")
    again = await webhooks.subscribe(
        WebhookSubscription("crm", url=hook.url, secret=hook.secret, event_types=types)
    )

    assert (again.event_types, again.created_at) == (types, NOW)
    assert again.updated_at == datetime(2026, 3, 2, 7, 1, tzinfo=UTC)
    assert [s.id for s in await webhooks.all()] == ["crm"]
    assert await webhooks.unsubscribe("crm") is True
    assert await webhooks.get("crm") is None


async def test_a_template_that_fails_its_trial_render_is_not_saved() -> None:
    store = FakeOverrides()
    templates = TemplateOverrides(store, clock=ManualClock(NOW))

    with pytest.raises(TemplateRefused) as refused:
        await templates.save(REMINDER_EMAIL, subject="", body="Hello {{ client_phone }}")

    assert refused.value.problems[0] == "subject: an e-mail needs a subject"
    assert store.saved == {}


async def test_a_saved_override_is_in_effect_until_dropped() -> None:
    templates = TemplateOverrides(FakeOverrides(), clock=ManualClock(NOW))

    saved = await templates.save(REMINDER_EMAIL, subject="Счёт", body="Оплатите счёт.")
    effective = {t.key: t for t in await templates.effective()}

    assert (saved.custom, saved.updated_at) == (True, NOW)
    assert effective[REMINDER_EMAIL].template.body == "Оплатите счёт."
    assert len(effective) == len(BUILTIN_TEMPLATES)
    assert await templates.drop(REMINDER_EMAIL) is True
    assert not {t.key: t for t in await templates.effective()}[REMINDER_EMAIL].custom
    assert await templates.drop(REMINDER_EMAIL) is False


async def test_a_template_too_slow_to_render_is_refused_and_never_blocks_the_loop() -> None:
    templates = TemplateOverrides(FakeOverrides(), clock=ManualClock(NOW), render_seconds=0.01)
    slow = "{% for i in range(1000) %}{% for j in range(1000) %}{% endfor %}{% endfor %}"
    ticks = 0

    async def loop_keeps_turning() -> None:
        nonlocal ticks
        while True:
            ticks += 1
            await asyncio.sleep(0)

    ticker = asyncio.create_task(loop_keeps_turning())
    try:
        with pytest.raises(TemplateRefused) as refused:
            await templates.save(REMINDER_EMAIL, subject="Счёт", body=slow)
    finally:
        ticker.cancel()
    assert refused.value.problems == ["rendering the sample took longer than 0.01 s"]
    assert ticks > 0
