"""What a free-text request says: a quantity, a budget with its currency, a deadline, the
product it asks for (`product_reading`) and whether it asks for it urgently.

Dates are read by `dateparser` and money by `price-parser`. The text is not handed to
`dateparser` whole: searching a sentence, it read "we" as Wednesday and "марта, 2" as 2 March
of next year. Only fragments that look like dates go to it: "15 марта", "01.04", "через две
недели", "в течение недели", "завтра", "March 20". Two things neither library reads are read
here: weekdays in the forms Russian puts after "до"/"к" ("до пятницы", "к среде"), and the ends
of periods ("к концу квартала", "by the end of the month"). The "тыс"/"млн"/"k" multipliers of
money are read here too. A quantity is a number followed by a unit, or by a noun that is not
money or time. Urgent wording ("срочно", "горит", "нужно было вчера", "asap", "urgent", "as soon
as possible") counts unless a negation stands just before it ("не срочно", "not urgent",
"non-urgent", "не очень срочно").

Dates are read relative to `received_on`: the caller passes the day the request came on in
the team's time zone, not in UTC ("завтра" at 23:30 UTC on 1 March is 3 March in Moscow).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation

import dateparser
from price_parser import Price

from leads.domain.product_reading import NO_PRODUCT_TERMS, ProductTerms, read_product

_WEEKDAYS = (
    ("понедельник", "monday"),
    ("вторник", "tuesday"),
    ("сред", "wednesday"),
    ("четверг", "thursday"),
    ("пятниц", "friday"),
    ("суббот", "saturday"),
    ("воскресень", "sunday"),
)
_BY = r"(?:до|к|ко|не\s+позднее|by|until|before)\s+"
_WEEKDAY = re.compile(
    _BY + r"(?:(?:следующ\w*|next)\s+)?(" + "|".join(f"{ru}\\w*|{en}" for ru, en in _WEEKDAYS) + ")"
)
_PERIOD_END = re.compile(
    r"(?:конц\w*|конец|end\s+of(?:\s+the)?)\s+(месяц\w*|квартал\w*|год\w*|month|quarter|year)"
)
_DATE_FRAGMENT = re.compile(
    r"(?:через|в\s+течение|within|in)\s+(?:[\w-]+\s+)?(?:дн\w*|день|недел\w*|месяц\w*|days?"
    r"|weeks?|months?)\b"
    r"|\b\d{1,2}\s+(?:январ|феврал|март|апрел|ма[йя]|июн|июл|август|сентябр|октябр|ноябр|декабр)"
    r"\w*(?:\s+\d{4})?"
    r"|\b(?:january|february|march|april|may|june|july|august|september|october|november"
    r"|december)\s+\d{1,2}\b"
    r"|послезавтра|завтра|tomorrow"
)
_TERM = re.compile(r"(?:срок\w*|за)\s+(\d{1,3}|[а-я]+)\s+(дн\w*|день|недел\w*|месяц\w*)")
"""A term ("срок 10 дней", "за две недели"): read as "через …" from the day it came."""
_NUMERIC_DATE = re.compile(r"(?<![\d.,])(\d{1,2})[./](\d{1,2})(?:[./](\d{4}|\d{2}))?(?![\d.,:])")
"""01.04 or 01.04.2026, day first: `dateparser` read a bare "01.04" as a time of day."""
_MONEY = re.compile(
    r"(\d[\d\s]*(?:[.,]\d+)?)\s*(тыс\w*\.?|млн\w*\.?|млрд\w*\.?|k\b|m\b|mln\b)?\s*"
    r"(руб\w*\.?|р\.|₽|rub\b|\$|usd\b|долл\w*|€|eur\b|евро|¥|cny\b|юан\w*)"
    r"|([$€₽])\s*(\d[\d\s]*(?:[.,]\d+)?)\s*(k\b|m\b|тыс\w*|млн\w*)?"
)
_MULTIPLIERS = (
    ("тыс", 1_000),
    ("млрд", 1_000_000_000),
    ("млн", 1_000_000),
    ("mln", 1_000_000),
    ("k", 1_000),
    ("m", 1_000_000),
)
_CURRENCIES = (
    ("руб", "RUB"),
    ("р.", "RUB"),
    ("₽", "RUB"),
    ("rub", "RUB"),
    ("$", "USD"),
    ("usd", "USD"),
    ("долл", "USD"),
    ("€", "EUR"),
    ("eur", "EUR"),
    ("евро", "EUR"),
    ("¥", "CNY"),
    ("cny", "CNY"),
    ("юан", "CNY"),
)
_QUANTITY = re.compile(
    r"(?<![\w.,/])(\d{1,6})\s*(шт\b\.?|штук\w*|ед\.|единиц\w*|pcs\b|units?\b|pieces?\b"
    r"|(?:м|м2|м²|кг|т|л|км|kg)(?![\w²])|[а-яa-z]{3,})"
)
_NOT_GOODS = re.compile(
    r"^(?:тыс|млн|млрд|руб|долл|евро|юан|дн|день|дня|дней|час|мин|недел|месяц|год|лет|"
    r"процент|раз|числ|января|февраля|марта|апреля|мая|июня|июля|августа|сентября|октября|"
    r"ноября|декабря|days?|weeks?|months?|years?|hours?|minutes?|percent|times|usd|eur|rub|"
    r"january|february|march|april|june|july|august|september|october|november|december)"
)
_URGENT = re.compile(
    r"\bсрочн\w*|как\s+можно\s+(?:скорее|быстрее)|\bнемедленно|\bбезотлагательно"
    r"|в\s+кратчайши[ех]\s+срок\w*|\bсегодня\b|\bгор(?:ит|ят|ящ\w*)\b"
    r"|\bнужн\w*\s+(?:был[оаи]?\s+)?(?:еще\s+)?вчера\b|\bвчера\s+(?:был[оаи]?\s+)?нужн"
    r"|\burgent\w*|\ba\.?s\.?a\.?p\b|\bas\s+soon\s+as\s+possible\b|\bimmediately\b"
    r"|\bright\s+away\b|\brush\s+order\b|\btoday\b"
)
_NEGATED = re.compile(
    r"(?:\bне|\bнет|\bnot|\bno|\bnon|n't)[\s-]+"
    r"(?:(?:очень|так|особо|слишком|very|so|too|that|really)\s+)?$"
)
"""A negation just before the urgent word: "не срочно", "не очень срочно", "not urgent"."""


@dataclass(frozen=True, slots=True)
class TextFacts:
    """What the text of a request states; None where it says nothing."""

    quantity: Decimal | None = None
    budget: Decimal | None = None
    currency: str | None = None
    deadline: date | None = None
    product: str | None = None
    urgent: bool = False


def read_request(
    text: str | None, *, received_on: date, products: ProductTerms = NO_PRODUCT_TERMS
) -> TextFacts:
    """What `text` states; dates relative to `received_on`, the team's local day.

    `products` are the team's own product words; without them a product is still read after
    a quantity or a buy verb.
    """
    if not text or not text.strip():
        return TextFacts()
    folded = text.lower().replace("ё", "е")
    budget, currency = _budget(folded)
    return TextFacts(
        quantity=_quantity(_MONEY.sub(" ", folded)),
        budget=budget,
        currency=currency,
        deadline=_deadline(folded, received_on),
        product=read_product(text, products),
        urgent=is_urgent(folded),
    )


def is_urgent(text: str) -> bool:
    """Whether the text asks for it urgently, in Russian or English, and does not deny it."""
    folded = text.lower().replace("ё", "е")
    return any(
        not _NEGATED.search(folded[max(0, match.start() - 24) : match.start()])
        for match in _URGENT.finditer(folded)
    )


def _number(digits: str) -> Decimal | None:
    try:
        return Decimal(re.sub(r"\s", "", digits).replace(",", "."))
    except InvalidOperation:
        return None


def _budget(text: str) -> tuple[Decimal | None, str | None]:
    match = _MONEY.search(text)
    if match is None:
        return None, None
    digits, scale, unit = (
        match.group(1, 2, 3) if match.group(1) else (match.group(5), match.group(6), match.group(4))
    )
    price = Price.fromstring(f"{digits} {unit}")
    amount = price.amount if price.amount is not None else _number(digits)
    if amount is None or amount <= 0:
        return None, None
    for word, factor in _MULTIPLIERS:
        if scale and scale.startswith(word):
            amount *= factor
            break
    currency = next((code for word, code in _CURRENCIES if unit.startswith(word)), None)
    return (amount.quantize(Decimal(1)) if amount == amount.to_integral() else amount), currency


def _quantity(text: str) -> Decimal | None:
    for match in _QUANTITY.finditer(text):
        if not _NOT_GOODS.match(match.group(2)):
            return Decimal(match.group(1))
    return None


def _deadline(text: str, received_on: date) -> date | None:
    found = []
    if weekday := _WEEKDAY.search(text):
        word = weekday.group(1)
        index = next(i for i, (ru, en) in enumerate(_WEEKDAYS) if word.startswith((ru, en)))
        ahead = (index - received_on.weekday()) % 7 or 7
        found.append(received_on + timedelta(days=ahead))
    if end := _PERIOD_END.search(text):
        found.append(_period_end(end.group(1), received_on))
    for numeric in _NUMERIC_DATE.finditer(text):
        if (day := _numeric_date(*numeric.groups(), on=received_on)) is not None:
            found.append(day)
    # dateparser reads a naive base as the local day the request came on.
    base = datetime(received_on.year, received_on.month, received_on.day, 9)  # noqa: DTZ001
    settings = {"RELATIVE_BASE": base, "PREFER_DATES_FROM": "future", "DATE_ORDER": "DMY"}
    fragments = [m.group(0) for m in _DATE_FRAGMENT.finditer(text)]
    fragments += [f"через {m.group(1)} {m.group(2)}" for m in _TERM.finditer(text)]
    for fragment in fragments:
        at = dateparser.parse(fragment, languages=["ru", "en"], settings=settings)
        if at is not None and at.date() >= received_on:
            found.append(at.date())
    return min(found) if found else None


def _numeric_date(day: str, month: str, year: str | None, *, on: date) -> date | None:
    try:
        if year is not None:
            return date(int(year) + (2000 if len(year) == 2 else 0), int(month), int(day))
        this_year = date(on.year, int(month), int(day))
    except ValueError:
        return None
    return this_year if this_year >= on else this_year.replace(year=on.year + 1)


def _period_end(period: str, on: date) -> date:
    if period.startswith(("месяц", "month")):
        first_of_next = date(on.year + on.month // 12, on.month % 12 + 1, 1)
        return first_of_next - timedelta(days=1)
    if period.startswith(("квартал", "quarter")):
        last_month = (on.month - 1) // 3 * 3 + 3
        first_of_next = date(on.year + last_month // 12, last_month % 12 + 1, 1)
        return first_of_next - timedelta(days=1)
    return date(on.year, 12, 31)
