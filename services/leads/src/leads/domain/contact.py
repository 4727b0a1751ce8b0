"""Contact normalisation for incoming leads: phones to E.164, e-mails, names, problem flags."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from enum import StrEnum

import phonenumbers
from email_validator import EmailNotValidError, validate_email

# Spaces people paste from office suites and messengers: NBSP, narrow NBSP, figure space.
_ODD_SPACES = re.compile(r"[\u00a0\u2007\u202f\u2009\t]")
_WHITESPACE = re.compile(r"\s+")
_INTERNATIONAL_00 = re.compile(r"^00(?=\d)")
_PLUS_EIGHT = re.compile(r"^\+\s*8")


class PhoneProblem(StrEnum):
    """Why a phone could not be normalised; the raw text is kept either way."""

    UNPARSEABLE = "unparseable"
    INVALID_NUMBER = "invalid_number"


class EmailProblem(StrEnum):
    """Why an e-mail could not be normalised; the raw text is kept either way."""

    INVALID_SYNTAX = "invalid_syntax"


class ContactFlag(StrEnum):
    """Data-quality problems recorded on a lead instead of rejecting it."""

    PHONE_INVALID = "phone_invalid"
    EMAIL_INVALID = "email_invalid"
    NO_CONTACT_CHANNEL = "no_contact_channel"


@dataclass(frozen=True, slots=True)
class PhoneResult:
    """A phone as typed (`raw`) and, when valid, its E.164 form and extension."""

    raw: str | None
    e164: str | None = None
    extension: str | None = None
    problem: PhoneProblem | None = None

    @property
    def is_valid(self) -> bool:
        return self.e164 is not None


@dataclass(frozen=True, slots=True)
class EmailResult:
    """An e-mail as typed (`raw`) and, when valid, its lower-cased unicode form."""

    raw: str | None
    normalized: str | None = None
    problem: EmailProblem | None = None

    @property
    def is_valid(self) -> bool:
        return self.normalized is not None


@dataclass(frozen=True, slots=True)
class NormalizedContact:
    """Who the lead is and how to reach them; `flags` lists what is wrong with the data."""

    name: str | None
    phone: PhoneResult
    email: EmailResult
    company: str | None = None
    messenger_handle: str | None = None
    flags: tuple[ContactFlag, ...] = ()


def _blank_to_none(raw: str | None) -> str | None:
    if raw is None:
        return None
    cleaned = _WHITESPACE.sub(" ", _ODD_SPACES.sub(" ", raw)).strip()
    return cleaned or None


def _phone_spellings(text: str) -> Iterator[str]:
    """Yield the text and then the readings that fix common Russian typing habits."""
    text = _INTERNATIONAL_00.sub("+", text)
    yield text
    # "+8 912 ..." mixes the trunk prefix 8 with "+"; read it as a national number.
    if _PLUS_EIGHT.match(text):
        yield _PLUS_EIGHT.sub("8", text)


def _parse(text: str, region: str) -> phonenumbers.PhoneNumber | None:
    try:
        return phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        # Free text around the number ("8 912 345-67-89 Иван", two numbers): take the first.
        for match in phonenumbers.PhoneNumberMatcher(text, region):
            return match.number
        return None


def _to_result(raw: str, number: phonenumbers.PhoneNumber) -> PhoneResult:
    e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    return PhoneResult(raw=raw, e164=e164, extension=number.extension or None)


def normalize_phone(raw: str | None, default_region: str = "RU") -> PhoneResult:
    """Return the E.164 form; an unusable phone is kept raw with a problem, never dropped.

    The extension ("доб. 123", "ext. 5", "#12") is split off into `extension`, so the
    E.164 value stays a dialable key for duplicate detection.
    """
    text = _blank_to_none(raw)
    if text is None:
        return PhoneResult(raw=None)
    problem = PhoneProblem.UNPARSEABLE
    for spelling in _phone_spellings(text):
        number = _parse(spelling, default_region)
        if number is None:
            continue
        if phonenumbers.is_valid_number(number):
            return _to_result(text, number)
        problem = PhoneProblem.INVALID_NUMBER
    return PhoneResult(raw=text, problem=problem)


def normalize_email(raw: str | None) -> EmailResult:
    """Return the address lower-cased, with an IDN domain in its unicode form.

    Unicode (not punycode) is kept so "ivan@xn--e1afmkfd.xn--p1ai" and "Ivan@Пример.РФ"
    become the same key. The whole address is lower-cased: mailbox case-sensitivity is
    allowed by RFC 5321 but no real provider uses it, and duplicates matter more.
    """
    text = _blank_to_none(raw)
    if text is None:
        return EmailResult(raw=None)
    compact = _WHITESPACE.sub("", text).removeprefix("mailto:")
    try:
        checked = validate_email(compact, check_deliverability=False)
    except EmailNotValidError:
        return EmailResult(raw=text, problem=EmailProblem.INVALID_SYNTAX)
    return EmailResult(raw=text, normalized=checked.normalized.lower())


def normalize_name(raw: str | None) -> str | None:
    """Trim and collapse whitespace; title-case only text typed all lower or all upper.

    Mixed case is the person's own spelling ("фон Браун", "McDonald") and is left alone.
    """
    text = _blank_to_none(raw)
    if text is None:
        return None
    if text == text.lower() or text == text.upper():
        return text.title()
    return text


def _flags(
    phone: PhoneResult, email: EmailResult, messenger: str | None
) -> tuple[ContactFlag, ...]:
    flags: list[ContactFlag] = []
    if phone.problem is not None:
        flags.append(ContactFlag.PHONE_INVALID)
    if email.problem is not None:
        flags.append(ContactFlag.EMAIL_INVALID)
    # Only usable channels count: a manager cannot call a number that failed validation.
    if not (phone.is_valid or email.is_valid or messenger):
        flags.append(ContactFlag.NO_CONTACT_CHANNEL)
    return tuple(flags)


def normalize_contact(
    *,
    name: str | None = None,
    phone: str | None = None,
    email: str | None = None,
    company: str | None = None,
    messenger_handle: str | None = None,
    default_region: str = "RU",
) -> NormalizedContact:
    """Normalise every contact field of a lead and record problems as flags."""
    phone_result = normalize_phone(phone, default_region)
    email_result = normalize_email(email)
    handle = _blank_to_none(messenger_handle)
    return NormalizedContact(
        name=normalize_name(name),
        phone=phone_result,
        email=email_result,
        company=_blank_to_none(company),
        messenger_handle=handle,
        flags=_flags(phone_result, email_result, handle),
    )
