"""Notification vocabulary: recipients, channel addresses and deterministic idempotency keys."""

import pytest

from notifications.domain.model import (
    Channel,
    DeliveryStatus,
    Locale,
    Recipient,
    RecipientKind,
    idempotency_key,
)

pytestmark = pytest.mark.unit


def client(
    email: str | None = None, phone: str | None = None, messenger_chat_id: str | None = None
) -> Recipient:
    return Recipient(
        id="client-1",
        kind=RecipientKind.CLIENT,
        email=email,
        phone=phone,
        messenger_chat_id=messenger_chat_id,
    )


def test_idempotency_key_is_deterministic_hex() -> None:
    key = idempotency_key("inst-7:day_before", "client-1", Channel.EMAIL)
    assert key == idempotency_key("inst-7:day_before", "client-1", Channel.EMAIL)
    assert len(key) == 64
    assert int(key, 16) >= 0


@pytest.mark.parametrize(
    ("other"),
    [
        ("inst-7:mid_term", "client-1", Channel.EMAIL),
        ("inst-7:day_before", "client-2", Channel.EMAIL),
        ("inst-7:day_before", "client-1", Channel.SMS),
    ],
)
def test_idempotency_key_changes_with_each_part(other: tuple[str, str, Channel]) -> None:
    assert idempotency_key(*other) != idempotency_key(
        "inst-7:day_before", "client-1", Channel.EMAIL
    )


def test_idempotency_key_parts_cannot_run_into_each_other() -> None:
    assert idempotency_key("a:b", "c", Channel.SMS) != idempotency_key("a", "b:c", Channel.SMS)


def test_idempotency_key_refuses_empty_parts() -> None:
    with pytest.raises(ValueError, match="non-empty"):
        idempotency_key("", "client-1", Channel.EMAIL)


def test_address_per_channel_and_blank_means_unreachable() -> None:
    recipient = client(email="anna@example.com", phone="", messenger_chat_id="42")
    assert recipient.address(Channel.EMAIL) == "anna@example.com"
    assert recipient.address(Channel.SMS) is None
    assert recipient.address(Channel.MESSENGER) == "42"
    assert recipient.address(Channel.WEBHOOK) is None


def test_first_reachable_follows_preference_order() -> None:
    recipient = client(phone="+79123456789", messenger_chat_id="42")
    preferences = (Channel.EMAIL, Channel.MESSENGER, Channel.SMS)
    assert recipient.first_reachable(preferences) is Channel.MESSENGER
    assert client().first_reachable(preferences) is None


def test_repr_leaves_personal_addresses_out() -> None:
    text = repr(client(email="anna@example.com", phone="+79123456789"))
    assert "anna@example.com" not in text
    assert "+79123456789" not in text
    assert "client-1" in text


def test_recipient_defaults_to_russian_in_moscow() -> None:
    assert (client().locale, client().time_zone) == (Locale.RU, "Europe/Moscow")


def test_unknown_time_zone_is_refused() -> None:
    with pytest.raises(ValueError, match="time zone"):
        Recipient(id="m-1", kind=RecipientKind.MANAGER, time_zone="Mars/Olympus")


def test_only_queued_and_deferred_deliveries_can_still_change() -> None:
    open_ = {status for status in DeliveryStatus if not status.is_terminal}
    assert open_ == {DeliveryStatus.QUEUED, DeliveryStatus.DEFERRED}
