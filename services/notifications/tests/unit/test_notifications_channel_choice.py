"""Channel choice: preference order, configured providers, addresses and consent."""

import pytest

from notifications.domain.model import Channel, Recipient, RecipientKind, RecipientProfile
from notifications.service_layer.triggers import choose_channel

pytestmark = pytest.mark.unit

CLIENT_CHANNELS = (Channel.EMAIL, Channel.MESSENGER, Channel.SMS)
ALL = frozenset(Channel)


def client(**fields: object) -> RecipientProfile:
    extra = {k: v for k, v in fields.items() if k in ("opted_out", "preferred")}
    addresses = {k: v for k, v in fields.items() if k not in extra}
    return RecipientProfile(
        recipient=Recipient(id="c-1", kind=RecipientKind.CLIENT, **addresses),  # type: ignore[arg-type]
        **extra,  # type: ignore[arg-type]
    )


def test_rule_order_applies_when_the_recipient_states_no_preference() -> None:
    profile = client(email="a@b.example", phone="+79120000000")
    assert choose_channel(profile, CLIENT_CHANNELS, ALL) == (Channel.EMAIL, None)


def test_recipient_preference_comes_first_among_the_allowed_channels() -> None:
    profile = client(email="a@b.example", phone="+79120000000", preferred=(Channel.SMS,))
    assert choose_channel(profile, CLIENT_CHANNELS, ALL) == (Channel.SMS, None)
    staff_only = (Channel.EMAIL, Channel.MESSENGER)
    assert choose_channel(profile, staff_only, ALL) == (Channel.EMAIL, None)


def test_channels_without_a_provider_or_an_address_are_skipped() -> None:
    profile = client(email="a@b.example", phone="+79120000000")
    assert choose_channel(profile, CLIENT_CHANNELS, {Channel.SMS}) == (Channel.SMS, None)
    assert choose_channel(client(), CLIENT_CHANNELS, ALL) == (None, "no_reachable_channel")


def test_an_opted_out_channel_gives_way_to_a_consented_one_else_suppresses() -> None:
    both = client(email="a@b.example", phone="+79120000000", opted_out=frozenset({Channel.EMAIL}))
    assert choose_channel(both, CLIENT_CHANNELS, ALL) == (Channel.SMS, None)
    only_email = client(email="a@b.example", opted_out=frozenset({Channel.EMAIL}))
    assert choose_channel(only_email, CLIENT_CHANNELS, ALL) == (Channel.EMAIL, "opted_out")
