"""A client's phones and e-mails as lookup keys, so telephony and mail find the client."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import phonenumbers

DEFAULT_REGION = "RU"


def phone_key(raw: str | None, region: str = DEFAULT_REGION) -> str | None:
    """`phone:<E.164>` for a valid number, else None."""
    if not raw:
        return None
    try:
        number = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return "phone:" + phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def email_key(raw: str | None) -> str | None:
    """`email:<address>` lower-cased, for something that looks like an address, else None."""
    if not raw or "@" not in raw:
        return None
    return "email:" + raw.strip().lower()


def client_keys(profile: Mapping[str, Any], contacts: Iterable[Mapping[str, Any]]) -> list[str]:
    """Every key of a client: company phones and e-mails, and those of its contact people."""
    people = [*contacts, *(profile.get("key_people") or [])]
    phones = [*(profile.get("phones") or []), *(p.get("phone") for p in people)]
    emails = [profile.get("email"), *(p.get("email") for p in people)]
    keys = {phone_key(p) for p in phones} | {email_key(e) for e in emails}
    return sorted(k for k in keys if k is not None)
