"""Template filters: money, numbers, dates and times formatted per locale by Babel."""

from collections.abc import Callable
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from notifications.domain.model import Channel
from notifications.domain.templates import (
    NBSP,
    FilterError,
    Template,
    format_date,
    format_datetime,
    format_money,
    format_number,
    format_time,
    render,
)

pytestmark = pytest.mark.unit


def sms(body: str) -> Template:
    return Template(subject="", body=body, channel=Channel.SMS)


@pytest.mark.parametrize(
    ("amount", "currency", "locale", "expected"),
    [
        # ru: groups of three and the sign after the number, all spaces non-breaking.
        ("1234567.89", "RUB", "ru", f"1{NBSP}234{NBSP}567,89{NBSP}₽"),
        ("1250000.00", "RUB", "ru", f"1{NBSP}250{NBSP}000,00{NBSP}₽"),
        ("1250000", "RUB", "ru", f"1{NBSP}250{NBSP}000,00{NBSP}₽"),
        ("999.99", "RUB", "ru", f"999,99{NBSP}₽"),
        ("1000", "RUB", "ru", f"1{NBSP}000,00{NBSP}₽"),
        ("-1500.00", "RUB", "ru", f"-1{NBSP}500,00{NBSP}₽"),
        ("1250.5", "USD", "ru", f"1{NBSP}250,50{NBSP}$"),
        ("5000", "JPY", "ru", f"5{NBSP}000{NBSP}¥"),
        # en: the sign first; a sign ending in a letter is kept off the digits by a space.
        ("1250000.00", "RUB", "en", f"RUB{NBSP}1,250,000.00"),
        ("0.1", "RUB", "en", f"RUB{NBSP}0.10"),
        ("-1500.00", "RUB", "en", f"-RUB{NBSP}1,500.00"),
        ("100000", "USD", "en", "$100,000.00"),
        (Decimal("0.10"), "EUR", "en", "€0.10"),
        (250, "RUB", "en", f"RUB{NBSP}250.00"),
        # Minor units are padded per currency, never rounded away.
        ("5000", "JPY", "en", "¥5,000"),
        ("1.5", "KWD", "en", f"KWD{NBSP}1.500"),
        ("12.345", "RUB", "en", f"RUB{NBSP}12.345"),
        ("12.3400", "RUB", "en", f"RUB{NBSP}12.34"),
        ("1E+3", "RUB", "en", f"RUB{NBSP}1,000.00"),
        ("-0.00", "RUB", "en", f"RUB{NBSP}0.00"),
        (
            "1234567890123456789012345.67",
            "RUB",
            "en",
            f"RUB{NBSP}1,234,567,890,123,456,789,012,345.67",
        ),
    ],
)
def test_money_is_formatted_exactly(
    amount: object, currency: str, locale: str, expected: str
) -> None:
    assert format_money(amount, currency, locale) == expected


def test_money_filter_in_a_template() -> None:
    template = sms('{{ amount | money(currency, "en") }} / {{ amount | money(currency, "ru") }}')
    context = {"amount": Decimal("1234567.89"), "currency": "RUB"}
    assert render(template, context).body == (
        f"RUB{NBSP}1,234,567.89 / 1{NBSP}234{NBSP}567,89{NBSP}₽"
    )


@pytest.mark.parametrize(
    ("amount", "currency", "locale", "message"),
    [
        (1250.5, "RUB", "ru", "never floats"),
        (True, "RUB", "ru", "never floats"),
        ("twelve", "RUB", "ru", "not a decimal"),
        ("NaN", "RUB", "ru", "finite"),
        ("1E+999999", "RUB", "ru", "out of range"),
        ([], "RUB", "ru", "Decimal string"),
        ("1", "rub", "ru", "ISO 4217"),
        ("1", "RUB", "de", "locale"),
    ],
)
def test_money_refuses_what_it_cannot_format_exactly(
    amount: object, currency: str, locale: str, message: str
) -> None:
    with pytest.raises(FilterError, match=message):
        format_money(amount, currency, locale)


@pytest.mark.parametrize(
    ("value", "locale", "expected"),
    [
        ("1234567.5", "ru", f"1{NBSP}234{NBSP}567,5"),
        ("1234567.5", "en", "1,234,567.5"),
        (Decimal("0.125"), "en", "0.125"),
        (42, "ru", "42"),
        ("-0", "en", "0"),
    ],
)
def test_numbers_keep_every_digit_with_the_locales_separators(
    value: object, locale: str, expected: str
) -> None:
    assert format_number(value, locale) == expected


def test_number_filter_in_a_template_refuses_floats() -> None:
    assert render(sms('{{ n | number("ru") }}'), {"n": "10000"}).body == f"10{NBSP}000"
    with pytest.raises(FilterError, match="number: numbers must be Decimal strings"):
        format_number(0.5, "en")


@pytest.mark.parametrize(
    ("value", "locale", "expected"),
    [
        ("2026-04-15", "ru", "15 апреля 2026"),
        ("2026-04-15", "en", "15 April 2026"),
        (date(2026, 5, 1), "ru", "1 мая 2026"),
        (date(2026, 12, 31), "en", "31 December 2026"),
    ],
)
def test_dates_are_formatted_per_locale(value: object, locale: str, expected: str) -> None:
    assert format_date(value, locale) == expected


def test_date_of_an_instant_is_taken_in_the_given_zone() -> None:
    late = datetime(2026, 3, 3, 20, 30, tzinfo=UTC)
    assert format_date(late, "ru") == "3 марта 2026"
    assert format_date(late, "ru", "Asia/Yekaterinburg") == "4 марта 2026"
    assert format_date("2026-03-03T20:30:00Z", "en", "Europe/Moscow") == "3 March 2026"


def test_datetimes_are_shown_in_the_recipients_zone() -> None:
    moment = "2026-03-03T07:00:00Z"
    assert format_datetime(moment, "ru", "Europe/Moscow") == "3 марта 2026, 10:00"
    assert format_datetime(moment, "en", "Asia/Yekaterinburg") == "3 March 2026, 12:00"
    # 23:30 UTC on 31 December is already 2027 in Moscow (UTC+3).
    new_year = datetime(2026, 12, 31, 23, 30, tzinfo=UTC)
    assert format_datetime(new_year, "en", "Europe/Moscow") == "1 January 2027, 02:30"
    assert format_datetime(new_year, "ru", "America/New_York") == "31 декабря 2026, 18:30"


def test_a_time_of_day_is_shown_on_the_24_hour_clock_in_the_recipients_zone() -> None:
    # 07:00 UTC: 10:00 in Moscow (UTC+3), 12:00 in Yekaterinburg (UTC+5), 16:00 in Tokyo.
    moment = "2026-03-03T07:00:00Z"
    assert format_time(moment, "ru", "Europe/Moscow") == "10:00"
    assert format_time(moment, "en", "Asia/Yekaterinburg") == "12:00"
    assert format_time(moment, "ru", "Asia/Tokyo") == "16:00"
    # English too is on the 24-hour clock, with the leading zero: 21:05 UTC is 00:05 in
    # Moscow and 16:05 in New York (UTC-5 in March before the switch on the 8th).
    late = datetime(2026, 3, 2, 21, 5, tzinfo=UTC)
    assert format_time(late, "en", "Europe/Moscow") == "00:05"
    assert format_time(late, "en", "America/New_York") == "16:05"


def test_time_filter_in_a_template() -> None:
    template = Template(
        subject="",
        body='Встреча в {{ at | time("ru", zone) }}',
        channel=Channel.SMS,
    )
    rendered = render(template, {"at": "2026-03-03T07:00:00+00:00", "zone": "Asia/Omsk"})
    assert rendered.body == "Встреча в 13:00"  # Omsk is UTC+6


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: format_time("2026-03-03T07:00:00", "ru", "Europe/Moscow"), "naive"),
        (lambda: format_time("2026-03-03T07:00:00Z", "ru", "Nowhere/Land"), "time zone"),
        (lambda: format_time("2026-03-03T07:00:00Z", "de", "Europe/Moscow"), "unknown locale"),
        (lambda: format_datetime("2026-03-03T07:00:00", "ru", "Europe/Moscow"), "naive"),
        (lambda: format_datetime("soon", "ru", "Europe/Moscow"), "ISO 8601"),
        (lambda: format_datetime("2026-03-03T07:00:00Z", "ru", "Nowhere/Land"), "time zone"),
        (lambda: format_datetime("2026-03-03T07:00:00Z", "ru", None), "time zone"),
        (lambda: format_date("2026-03-03T07:00:00Z", "ru", "Nowhere/Land"), "time zone"),
        (lambda: format_date("15.04.2026", "ru"), "ISO 8601"),
        (lambda: format_date(20260415, "ru"), "expected a date"),
    ],
)
def test_bad_dates_are_refused_without_quoting_them(call: Callable[[], str], message: str) -> None:
    with pytest.raises(FilterError, match=message) as caught:
        call()
    assert "Nowhere" not in str(caught.value) and "2026" not in str(caught.value)
