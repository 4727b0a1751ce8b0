"""Template filters: money, numbers, dates and times in the recipient's language, by Babel."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Mapping
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from functools import cache, lru_cache
from types import MappingProxyType

from babel import Locale as BabelLocale
from babel.dates import format_date as babel_format_date
from babel.dates import format_datetime as babel_format_datetime
from babel.dates import format_time as babel_format_time
from babel.numbers import format_currency, format_decimal, get_currency_symbol

from notifications.domain.model import Locale
from shared.kernel.zones import require_aware, zone


class FilterError(ValueError):
    """A template filter got a value it cannot format; the message never quotes the value."""


NBSP = "\u00a0"
"""The space inside formatted amounts: an amount never breaks across lines."""

_CURRENCY = re.compile(r"^[A-Z]{3}$")
# CLDR's long dates read "15 апреля 2026 г." and "April 15, 2026"; the texts put a date
# mid-sentence as day, month, year, so the pattern is fixed and Babel supplies the words.
_DATE = "d MMMM y"
_DATETIME = "d MMMM y, HH:mm"
_TIME = "HH:mm"


@cache
def _babel_locale(locale: Locale) -> BabelLocale:
    return BabelLocale.parse(locale.value)


def _locale(value: object) -> Locale:
    try:
        return Locale(str(value))
    except ValueError:
        raise FilterError("unknown locale; use 'ru' or 'en'") from None


def _decimal(value: object, filter_name: str, noun: str) -> Decimal:
    """The exact Decimal of a value; floats are refused, as they are not exact."""
    if isinstance(value, bool | float):
        raise FilterError(
            f"{filter_name}: {noun}s must be Decimal strings, never floats or booleans"
        )
    if isinstance(value, Decimal):
        number = value
    elif isinstance(value, int):
        number = Decimal(value)
    elif isinstance(value, str):
        try:
            number = Decimal(value.strip())
        except InvalidOperation:
            raise FilterError(f"{filter_name}: the {noun} is not a decimal number") from None
    else:
        raise FilterError(f"{filter_name}: the {noun} must be a Decimal string")
    if not number.is_finite():
        raise FilterError(f"{filter_name}: the {noun} must be finite")
    # A negative zero is shown as zero, never as "-0.00".
    return number.copy_abs() if number.is_zero() else number


def _spaced_from_digits(edge: str) -> bool:
    # CLDR currencySpacing: a sign whose edge is neither a symbol (S*) nor a space (Z*) is
    # kept apart from the digits by a non-breaking space.
    return unicodedata.category(edge)[0] not in "SZ"


@lru_cache(maxsize=64)
def _currency_pattern(code: str, locale: Locale) -> str:
    """The locale's currency pattern with CLDR's currency spacing, which Babel does not apply.

    So en shows `RUB 5.00` (a letter next to the digits) but `$5.00`.
    """
    where = _babel_locale(locale)
    pattern: str = where.currency_formats["standard"].pattern
    sign = get_currency_symbol(code, where)
    if _spaced_from_digits(sign[-1]):
        pattern = re.sub("¤(?=[#0])", "¤" + NBSP, pattern)
    if _spaced_from_digits(sign[0]):
        pattern = re.sub("(?<=[#0])¤", NBSP + "¤", pattern)
    return pattern


def format_money(amount: object, currency: object, locale: object) -> str:
    """Format an amount by the locale's rules: ru `1 250 000,00 ₽`, en `RUB 1,250,000.00`.

    Spaces are non-breaking. The currency's minor units are padded (`0.1` → `0.10`, none for
    JPY), but digits beyond them are shown rather than rounded: money stays exact.
    """
    value = _decimal(amount, "money", "amount")
    code = str(currency)
    if not _CURRENCY.match(code):
        raise FilterError("money: the currency must be an ISO 4217 code such as RUB")
    where = _locale(locale)
    try:
        return format_currency(
            value,
            code,
            _currency_pattern(code, where),
            locale=_babel_locale(where),
            decimal_quantization=False,
        )
    except InvalidOperation:
        raise FilterError("money: the amount is out of range") from None


def format_number(value: object, locale: object) -> str:
    """Format a number exactly with the locale's separators: ru `1 234,5`, en `1,234.5`."""
    number = _decimal(value, "number", "number")
    try:
        return format_decimal(
            number, locale=_babel_locale(_locale(locale)), decimal_quantization=False
        )
    except InvalidOperation:
        raise FilterError("number: the number is out of range") from None


def _aware(value: object) -> datetime:
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            raise FilterError("datetime: not an ISO 8601 date and time") from None
    if not isinstance(value, datetime):
        raise FilterError("datetime: expected a date and time")
    try:
        require_aware(value, "datetime")
    except ValueError:
        raise FilterError("datetime: naive date and time; an offset or zone is required") from None
    return value


def _in_zone(moment: datetime, time_zone: str) -> datetime:
    try:
        return moment.astimezone(zone(time_zone))
    except ValueError:
        raise FilterError("unknown time zone") from None


def format_date(value: object, locale: object, time_zone: object = None) -> str:
    """Format a date (or ISO date string): ru `15 апреля 2026`, en `15 April 2026`.

    An aware datetime is shown as its date in `time_zone` (its own offset if None).
    """
    if isinstance(value, datetime) or (isinstance(value, str) and "T" in value):
        moment = _aware(value)
        day = (_in_zone(moment, str(time_zone)) if time_zone else moment).date()
    elif isinstance(value, date):
        day = value
    elif isinstance(value, str):
        try:
            day = date.fromisoformat(value)
        except ValueError:
            raise FilterError("date: not an ISO 8601 date") from None
    else:
        raise FilterError("date: expected a date")
    return babel_format_date(day, _DATE, locale=_babel_locale(_locale(locale)))


def format_datetime(value: object, locale: object, time_zone: object) -> str:
    """Format an aware datetime in `time_zone`: ru `3 марта 2026, 10:00`, en `3 March 2026, 10:00`.

    The time is shown on the 24-hour clock without a zone name: it is the recipient's own zone.
    """
    local = _in_zone(_aware(value), str(time_zone))
    return babel_format_datetime(local, _DATETIME, locale=_babel_locale(_locale(locale)))


def format_time(value: object, locale: object, time_zone: object) -> str:
    """Format the time of day of an aware datetime in `time_zone`: `10:00` in ru and en.

    For what happens within the hour, such as a meeting about to start: the 24-hour clock,
    no date and no zone name (the recipient's own zone).
    """
    local = _in_zone(_aware(value), str(time_zone))
    return babel_format_time(local, _TIME, locale=_babel_locale(_locale(locale)))


FILTERS: Mapping[str, Callable[..., str]] = MappingProxyType(
    {
        "money": format_money,
        "number": format_number,
        "date": format_date,
        "datetime": format_datetime,
        "time": format_time,
    }
)
"""The formatting filters every template may use, by name."""
