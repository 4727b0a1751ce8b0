"""Notification vocabulary: recipients, channel addresses and deterministic idempotency keys."""

import pytest

from notifications.domain.model import (
    Channel,
    DeliveryStatus,
    Locale,
    Recipient,
    RecipientKind,
    RecipientProfile,
    address_recipient_id,
    idempotency_key,
    is_email_address,
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


@pytest.mark.parametrize(
    ("value", "valid"),
    [
        ("buyer@romashka.example", True),
        ("иван@пример.рф", True),
        ("a@b", False),
        ("buyer @romashka.example", False),
        ("buyer@romashka.example\r\nBcc: all@rival.example", False),
        ("Buyer <buyer@romashka.example>", False),
        ("a@b.example, c@d.example", False),
        ("a@b.example;c@d.example", False),
        ('"a b"@c.example', False),
        ("x" * 244 + "@b.example", True),  # 254 characters, the SMTP limit
        ("x" * 245 + "@b.example", False),
        (None, False),
    ],
)
def test_a_named_address_must_be_one_bare_address_smtp_can_carry(
    value: object, valid: bool
) -> None:
    assert is_email_address(value) is valid


def test_someone_known_only_by_address_gets_an_id_that_shows_no_address() -> None:
    one = address_recipient_id("Director@Romashka.example ")
    assert one == address_recipient_id("director@romashka.example")
    assert one.startswith("email:") and len(one) == 6 + 32
    assert "romashka" not in one.lower()


def test_an_address_named_by_the_event_keeps_the_persons_consent_and_language() -> None:
    listed = RecipientProfile(
        Recipient("client-1", RecipientKind.CLIENT, Locale.EN, "Asia/Yekaterinburg", "a@b.example"),
        name="Romashka",
        opted_out=frozenset({Channel.EMAIL}),
    )
    named = listed.addressed("director@b.example")
    assert named.recipient.address(Channel.EMAIL) == "director@b.example"
    assert (named.recipient.locale, named.recipient.time_zone) == (Locale.EN, "Asia/Yekaterinburg")
    assert (named.name, named.opted_out) == ("Romashka", frozenset({Channel.EMAIL}))
    unlisted = RecipientProfile.unlisted("client-9", RecipientKind.CLIENT, "x@y.example")
    assert (unlisted.name, unlisted.opted_out, unlisted.recipient.locale) == (
        "",
        frozenset(),
        Locale.RU,
    )
    assert unlisted.recipient.time_zone == "Europe/Moscow"
