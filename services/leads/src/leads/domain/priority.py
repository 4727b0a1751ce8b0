"""Explainable lead priority: each rule adds or removes points and says why, in en and ru."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from types import MappingProxyType

from leads.domain.product_reading import NO_PRODUCT_TERMS, ProductTerms
from leads.domain.request_reading import read_request
from shared.kernel.zones import local_date

MIN_SCORE = 0
MAX_SCORE = 100


class Channel(StrEnum):
    """Where a lead came from (the same values as the `lead.received` contract)."""

    PHONE = "phone"
    MESSENGER = "messenger"
    REFERRAL = "referral"
    EXHIBITION = "exhibition"
    EMAIL = "email"
    WEB_FORM = "web_form"
    MARKETPLACE = "marketplace"
    SOCIAL = "social"
    MANUAL = "manual"


# A person who calls or is referred is warmer than one clicking a marketplace card.
# Callers override it per tenant with `score_lead(..., weights=...)`; unknown channels score 0.
CHANNEL_WEIGHTS: Mapping[str, int] = MappingProxyType(
    {
        Channel.PHONE: 20,
        Channel.REFERRAL: 20,
        Channel.MESSENGER: 15,
        Channel.EXHIBITION: 15,
        Channel.EMAIL: 10,
        Channel.WEB_FORM: 10,
        Channel.MANUAL: 10,
        Channel.MARKETPLACE: 5,
        Channel.SOCIAL: 5,
    }
)

PRODUCT_POINTS = 20
QUANTITY_POINTS = 10
BUDGET_POINTS = 10
DEADLINE_URGENT_POINTS = 15
DEADLINE_NEAR_POINTS = 10
DEADLINE_FAR_POINTS = 5
RETURNING_CLIENT_POINTS = 15
REFERRED_BY_POINTS = 10
URGENT_WORDING_POINTS = 10
PRICE_QUESTION_POINTS = -15

DEADLINE_URGENT_DAYS = 3
DEADLINE_NEAR_DAYS = 14

# A bare "how much?" only lowers the score when nothing concrete (product, quantity, budget)
# comes with it.
_PRICE_QUESTION = re.compile(
    r"сколько\s+сто[ия]т|как(?:ая|ие|ова)\s+(?:цена|цены|стоимость)|\bпрайс|\bпочем\b"
    r"|\bhow\s+much\b|\bprice\s*list\b|\bwhat(?:'s|\s+is)\s+the\s+price\b"
)


@dataclass(frozen=True, slots=True)
class LeadSignals:
    """Facts extracted from an incoming lead that the rules look at.

    `time_zone` is the zone of the team the lead is scored for: a deadline counts from the
    day the request came on there. `urgent` is read from the text when not set.
    """

    channel: str
    received_at: datetime
    time_zone: str = "UTC"
    request_text: str = ""
    product: str | None = None
    quantity: Decimal | int | None = None
    budget: Decimal | int | None = None
    deadline: date | None = None
    is_returning_client: bool = False
    referred_by: str | None = None
    urgent: bool = False

    @property
    def received_on(self) -> date:
        """The day the request came on, in the team's time zone."""
        return local_date(self.received_at, self.time_zone)


@dataclass(frozen=True, slots=True)
class Reason:
    """One rule that fired, with its points and a sentence for managers in two languages."""

    code: str
    points: int
    text_en: str
    text_ru: str


@dataclass(frozen=True, slots=True)
class Priority:
    """Score 0..100 (higher is worked first) and the reasons, largest effect first."""

    score: int
    reasons: tuple[Reason, ...]


def _fold(text: str) -> str:
    return text.lower().replace("ё", "е")


def _has_text(value: str | None) -> bool:
    return bool(value and value.strip())


def _is_positive(value: Decimal | int | None) -> bool:
    return value is not None and value > 0


def _channel(signals: LeadSignals, weights: Mapping[str, int]) -> Reason | None:
    points = weights.get(signals.channel, 0)
    if points == 0:
        return None
    return Reason(
        code=f"channel_{signals.channel}",
        points=points,
        text_en=f"Came through channel '{signals.channel}'",
        text_ru=f"Пришёл через канал «{signals.channel}»",
    )


def _product(signals: LeadSignals) -> Reason | None:
    if not _has_text(signals.product):
        return None
    return Reason("product_named", PRODUCT_POINTS, "Names a product", "Назван товар")


def _quantity(signals: LeadSignals) -> Reason | None:
    if not _is_positive(signals.quantity):
        return None
    return Reason("quantity_given", QUANTITY_POINTS, "States a quantity", "Указано количество")


def _budget(signals: LeadSignals) -> Reason | None:
    if not _is_positive(signals.budget):
        return None
    return Reason("budget_given", BUDGET_POINTS, "States a budget", "Указан бюджет")


def _deadline(signals: LeadSignals) -> Reason | None:
    if signals.deadline is None:
        return None
    # A deadline already past still means "we need it now", so it counts as urgent.
    days = (signals.deadline - signals.received_on).days
    if days <= DEADLINE_URGENT_DAYS:
        return Reason(
            "deadline_urgent",
            DEADLINE_URGENT_POINTS,
            f"Deadline within {DEADLINE_URGENT_DAYS} days",
            f"Срок не позже чем через {DEADLINE_URGENT_DAYS} дня",
        )
    if days <= DEADLINE_NEAR_DAYS:
        return Reason(
            "deadline_near",
            DEADLINE_NEAR_POINTS,
            f"Deadline within {DEADLINE_NEAR_DAYS} days",
            f"Срок не позже чем через {DEADLINE_NEAR_DAYS} дней",
        )
    return Reason("deadline_given", DEADLINE_FAR_POINTS, "States a deadline", "Указан срок")


def _returning_client(signals: LeadSignals) -> Reason | None:
    if not signals.is_returning_client:
        return None
    return Reason(
        "returning_client", RETURNING_CLIENT_POINTS, "Returning client", "Повторный клиент"
    )


def _referred_by(signals: LeadSignals) -> Reason | None:
    # The referral *channel* is weighed by CHANNEL_WEIGHTS; a named referrer adds trust.
    if not _has_text(signals.referred_by):
        return None
    return Reason(
        "referred_by",
        REFERRED_BY_POINTS,
        f"Referred by {signals.referred_by}",
        f"По рекомендации: {signals.referred_by}",
    )


def _urgent_wording(signals: LeadSignals) -> Reason | None:
    if not signals.urgent:
        return None
    return Reason("urgent_wording", URGENT_WORDING_POINTS, "Asks for it urgently", "Просит срочно")


def _price_question(signals: LeadSignals) -> Reason | None:
    concrete = (
        _has_text(signals.product) or _is_positive(signals.quantity) or _is_positive(signals.budget)
    )
    if concrete or not _PRICE_QUESTION.search(_fold(signals.request_text)):
        return None
    return Reason(
        "price_question_only",
        PRICE_QUESTION_POINTS,
        "Only asks the price: no product, quantity or budget",
        "Только спрашивает цену: ни товара, ни количества, ни бюджета",
    )


_RULES: tuple[Callable[[LeadSignals], Reason | None], ...] = (
    _product,
    _quantity,
    _budget,
    _deadline,
    _returning_client,
    _referred_by,
    _urgent_wording,
    _price_question,
)


def _read_from_text(reason: Reason) -> Reason:
    return replace(
        reason,
        text_en=f"{reason.text_en} (read from the request)",
        text_ru=f"{reason.text_ru} (из текста заявки)",
    )


def _clamp(total: int) -> int:
    return max(MIN_SCORE, min(MAX_SCORE, total))


_PRODUCT_CODES = frozenset({"product_named"})
_QUANTITY_CODES = frozenset({"quantity_given"})
_BUDGET_CODES = frozenset({"budget_given"})
_DEADLINE_CODES = frozenset({"deadline_urgent", "deadline_near", "deadline_given"})


def with_text_facts(
    signals: LeadSignals, products: ProductTerms = NO_PRODUCT_TERMS
) -> tuple[LeadSignals, frozenset[str]]:
    """The signals with what the request text states filling the structured fields left empty.

    Dates are read from the team's local day. Also returns the reason codes that came from
    the text, so their explanation says so (urgent wording is always the text's own).
    """
    facts = read_request(signals.request_text, received_on=signals.received_on, products=products)
    product = signals.product if _has_text(signals.product) else facts.product
    quantity = signals.quantity if _is_positive(signals.quantity) else facts.quantity
    budget = signals.budget if _is_positive(signals.budget) else facts.budget
    deadline = signals.deadline or facts.deadline
    from_text = frozenset().union(
        *(
            codes
            for given, read, codes in (
                (signals.product, product, _PRODUCT_CODES),
                (signals.quantity, quantity, _QUANTITY_CODES),
                (signals.budget, budget, _BUDGET_CODES),
                (signals.deadline, deadline, _DEADLINE_CODES),
            )
            if read is not None and read is not given
        )
    )
    read = replace(
        signals,
        product=product,
        quantity=quantity,
        budget=budget,
        deadline=deadline,
        urgent=signals.urgent or facts.urgent,
    )
    return read, from_text


def score_lead(
    signals: LeadSignals,
    *,
    weights: Mapping[str, int] = CHANNEL_WEIGHTS,
    products: ProductTerms = NO_PRODUCT_TERMS,
) -> Priority:
    """Sum the points of every rule that fires, clamped to 0..100; the same input, same output.

    A product, quantity, budget or deadline the request only states in words counts as if
    given in its field, and its reason says it was read from the text; `products` are the
    team's own product words. Reasons come largest |points| first, then by code, so the list
    reads as an explanation.
    """
    signals, from_text = with_text_facts(signals, products)
    fired = [
        _read_from_text(reason) if reason is not None and reason.code in from_text else reason
        for reason in [_channel(signals, weights), *(rule(signals) for rule in _RULES)]
    ]
    reasons = sorted(
        (reason for reason in fired if reason is not None),
        key=lambda reason: (-abs(reason.points), reason.code),
    )
    return Priority(score=_clamp(sum(reason.points for reason in reasons)), reasons=tuple(reasons))
