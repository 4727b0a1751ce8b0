"""An amount in Russian words, as invoices print it: «Сто один рубль 05 копеек».

The whole units are spelled by num2words; the minor units stay two digits, as Russian
accounting documents write them. Only the currencies whose Russian names are listed below are
spelled: any other is refused rather than printed with a wrong or English name.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from num2words import num2words  # type: ignore[import-untyped]

from deals.domain.money import Money, quantum

Forms = tuple[str, str, str]
"""A noun for 1, 2 and 5 of it: ("рубль", "рубля", "рублей")."""


@dataclass(frozen=True, slots=True)
class CurrencyNames:
    """Russian names of a currency's unit and minor unit; both units are masculine or
    feminine as the cardinal before them needs (рубль, доллар and евро take «один»)."""

    unit: Forms
    minor: Forms


CURRENCY_NAMES: Mapping[str, CurrencyNames] = MappingProxyType(
    {
        "RUB": CurrencyNames(("рубль", "рубля", "рублей"), ("копейка", "копейки", "копеек")),
        "USD": CurrencyNames(
            ("доллар США", "доллара США", "долларов США"), ("цент", "цента", "центов")
        ),
        "EUR": CurrencyNames(("евро", "евро", "евро"), ("цент", "цента", "центов")),
    }
)


class UnsupportedCurrency(ValueError):
    """No Russian names are known for the currency, so its amount cannot be put in words."""


def plural(count: int, forms: Forms) -> str:
    """The noun form Russian takes after `count`: 1 рубль, 2 рубля, 5 и 11 рублей, 21 рубль."""
    one, few, many = forms
    count = abs(count)
    if 11 <= count % 100 <= 14:
        return many
    if count % 10 == 1:
        return one
    if 2 <= count % 10 <= 4:
        return few
    return many


def amount_in_words(money: Money) -> str:
    """The amount in words with a capital first letter and the minor units in digits.

    123456.78 RUB is «Сто двадцать три тысячи четыреста пятьдесят шесть рублей 78 копеек».
    Raises UnsupportedCurrency for a currency without Russian names here, and ValueError for
    a negative amount (a document's total is never below zero).
    """
    names = CURRENCY_NAMES.get(money.currency)
    if names is None:
        supported = ", ".join(sorted(CURRENCY_NAMES))
        raise UnsupportedCurrency(
            f"no Russian words for {money.currency}; amounts in words are spelled in {supported}"
        )
    if money.amount < 0:
        raise ValueError("a negative amount is not put in words")
    whole = int(money.amount)
    minor = int((money.amount - whole) / quantum(money.currency))
    words = str(num2words(whole, lang="ru"))
    text = f"{words} {plural(whole, names.unit)} {minor:02d} {plural(minor, names.minor)}"
    return text[0].upper() + text[1:]
