"""Unit tests for contact normalisation: Russian phone habits, e-mails, names, flags."""

import pytest

from leads.domain.contact import (
    ContactFlag,
    EmailProblem,
    PhoneProblem,
    normalize_contact,
    normalize_email,
    normalize_name,
    normalize_phone,
)

pytestmark = pytest.mark.unit

NBSP = "\u00a0"

PHONE_TABLE = [
    ("8 912 345-67-89", "+79123456789"),
    ("+7 (912) 345-67-89", "+79123456789"),
    ("9123456789", "+79123456789"),
    ("8(912)3456789", "+79123456789"),
    ("7 912 345 67 89", "+79123456789"),
    ("89123456789", "+79123456789"),
    ("79123456789", "+79123456789"),
    ("+7 912 345 67 89 доб. 123", "+79123456789"),
    (f"8{NBSP}912{NBSP}345{NBSP}67{NBSP}89", "+79123456789"),
    ("8.912.345.67.89", "+79123456789"),
    ("  +7-912-345-67-89  ", "+79123456789"),
    ("+8 912 345 67 89", "+79123456789"),
    ("тел. 8 912 345 67 89", "+79123456789"),
    ("8 (912) 345-67-89 Иван", "+79123456789"),
    ("8 (343) 123-45-67", "+73431234567"),
    ("+7 (3432) 12-34-56", "+73432123456"),
    ("8 (495) 123-45-67", "+74951234567"),
    ("8-800-555-35-35", "+78005553535"),
    ("+375 29 123-45-67", "+375291234567"),
    ("00375 29 123 45 67", "+375291234567"),
    ("8 10 375 29 123 45 67", "+375291234567"),
    ("+44 20 7946 0958", "+442079460958"),
    ("123", None),
    ("8 912 345 67", None),
    ("+7 912 345 67 8999", None),
    ("позвоните мне", None),
]


@pytest.mark.parametrize(("raw", "expected"), PHONE_TABLE)
def test_russian_phone_spellings_normalise_to_e164_or_are_flagged(
    raw: str, expected: str | None
) -> None:
    result = normalize_phone(raw)

    assert result.e164 == expected
    assert result.is_valid is (expected is not None)
    assert (result.problem is None) is (expected is not None)


def test_invalid_phone_is_kept_raw_with_a_reason() -> None:
    result = normalize_phone("  8 912 345 67 ")

    assert result.raw == "8 912 345 67"
    assert result.e164 is None
    assert result.problem is PhoneProblem.INVALID_NUMBER


def test_text_without_digits_is_unparseable_not_lost() -> None:
    result = normalize_phone("позвоните мне")

    assert result.raw == "позвоните мне"
    assert result.problem is PhoneProblem.UNPARSEABLE


@pytest.mark.parametrize(
    ("raw", "extension"),
    [
        ("+7 912 345 67 89 доб. 123", "123"),
        ("8 495 123 45 67 ext. 5", "5"),
        ("8 912 345 67 89", None),
    ],
)
def test_extension_is_kept_apart_from_the_e164_number(raw: str, extension: str | None) -> None:
    assert normalize_phone(raw).extension == extension


@pytest.mark.parametrize("raw", [None, "", "   ", NBSP])
def test_missing_phone_is_neither_valid_nor_a_problem(raw: str | None) -> None:
    result = normalize_phone(raw)

    assert result.raw is None
    assert result.e164 is None
    assert result.problem is None


def test_default_region_decides_how_a_national_number_is_read() -> None:
    assert normalize_phone("029 123-45-67", default_region="BY").e164 == "+375291234567"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Ivan.Petrov@Mail.RU", "ivan.petrov@mail.ru"),
        ("  ivan@mail.ru  ", "ivan@mail.ru"),
        ("ivan @ mail.ru", "ivan@mail.ru"),
        (f"ivan@mail.ru{NBSP}", "ivan@mail.ru"),
        ("mailto:ivan@mail.ru", "ivan@mail.ru"),
        ("Иван@пример.рф", "иван@пример.рф"),
        ("ИВАН@ПРИМЕР.РФ", "иван@пример.рф"),
        ("ivan@xn--e1afmkfd.xn--p1ai", "ivan@пример.рф"),
        ("sales@завод-урал.рф", "sales@завод-урал.рф"),
    ],
)
def test_valid_emails_are_lower_cased_with_unicode_domains(raw: str, expected: str) -> None:
    result = normalize_email(raw)

    assert result.normalized == expected
    assert result.problem is None


@pytest.mark.parametrize(
    "raw", ["ivan", "ivan@mail", "ivan..petrov@mail.ru", "ivan@mail.ru.", "@mail.ru"]
)
def test_invalid_emails_are_kept_raw_and_flagged(raw: str) -> None:
    result = normalize_email(raw)

    assert result.normalized is None
    assert result.raw == raw
    assert result.problem is EmailProblem.INVALID_SYNTAX


@pytest.mark.parametrize("raw", [None, "", "  "])
def test_missing_email_is_neither_valid_nor_a_problem(raw: str | None) -> None:
    result = normalize_email(raw)

    assert result == normalize_email(None)
    assert result.problem is None


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("  иван   петров ", "Иван Петров"),
        ("ИВАН ПЕТРОВ", "Иван Петров"),
        ("анна-мария сидорова", "Анна-Мария Сидорова"),
        ("Людвиг ван Бетховен", "Людвиг ван Бетховен"),
        ("McDonald", "McDonald"),
        (f"Иван{NBSP}Петров", "Иван Петров"),
        ("   ", None),
        (None, None),
    ],
)
def test_names_are_trimmed_and_title_cased_only_when_typed_in_one_case(
    raw: str | None, expected: str | None
) -> None:
    assert normalize_name(raw) == expected


def test_contact_with_good_phone_and_email_has_no_flags() -> None:
    contact = normalize_contact(
        name="иван петров",
        phone="8 912 345-67-89",
        email="Ivan@Mail.ru",
        company="  ООО  «Ромашка» ",
    )

    assert contact.name == "Иван Петров"
    assert contact.phone.e164 == "+79123456789"
    assert contact.email.normalized == "ivan@mail.ru"
    assert contact.company == "ООО «Ромашка»"
    assert contact.flags == ()


def test_bad_phone_and_email_are_flagged_and_leave_no_channel() -> None:
    contact = normalize_contact(name="Иван", phone="123", email="ivan@")

    assert contact.flags == (
        ContactFlag.PHONE_INVALID,
        ContactFlag.EMAIL_INVALID,
        ContactFlag.NO_CONTACT_CHANNEL,
    )
    assert contact.phone.raw == "123"
    assert contact.email.raw == "ivan@"


def test_messenger_handle_alone_is_a_contact_channel() -> None:
    contact = normalize_contact(messenger_handle=" @ivan_petrov ")

    assert contact.messenger_handle == "@ivan_petrov"
    assert contact.flags == ()


def test_lead_with_nothing_to_reach_is_flagged_without_channel() -> None:
    assert normalize_contact(name="Иван").flags == (ContactFlag.NO_CONTACT_CHANNEL,)
