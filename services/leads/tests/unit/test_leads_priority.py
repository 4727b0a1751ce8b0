"""Unit tests for explainable lead priority scoring."""

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from leads.domain.priority import (
    CHANNEL_WEIGHTS,
    Channel,
    LeadSignals,
    Reason,
    score_lead,
)

pytestmark = pytest.mark.unit

NOW = datetime(2025, 3, 10, 9, 30, tzinfo=UTC)


BASE = LeadSignals(channel="unknown", received_at=NOW)


def signals(**overrides: Any) -> LeadSignals:
    return replace(BASE, **overrides)


def points(reasons: tuple[Reason, ...]) -> dict[str, int]:
    return {reason.code: reason.points for reason in reasons}


def test_concrete_request_beats_a_vague_price_question_from_the_same_channel() -> None:
    concrete = signals(
        channel=Channel.WEB_FORM,
        request_text="Нужен кабель ВВГ 3х2.5, 500 м, до пятницы",
        product="ВВГ 3х2.5",
        quantity=500,
        deadline=date(2025, 3, 14),
    )
    vague = signals(channel=Channel.WEB_FORM, request_text="Сколько стоит ваша продукция?")

    assert score_lead(concrete).score > score_lead(vague).score


@pytest.mark.parametrize(
    ("overrides", "code", "expected_points"),
    [
        ({"product": "Кабель ВВГ"}, "product_named", 20),
        ({"quantity": 500}, "quantity_given", 10),
        ({"quantity": Decimal("2.5")}, "quantity_given", 10),
        ({"budget": Decimal("150000")}, "budget_given", 10),
        ({"deadline": date(2025, 3, 12)}, "deadline_urgent", 15),
        ({"deadline": date(2025, 3, 1)}, "deadline_urgent", 15),
        ({"deadline": date(2025, 3, 20)}, "deadline_near", 10),
        ({"deadline": date(2025, 6, 1)}, "deadline_given", 5),
        ({"is_returning_client": True}, "returning_client", 15),
        ({"referred_by": "ООО Ромашка"}, "referred_by", 10),
        ({"request_text": "Срочно нужен счёт"}, "urgent_wording", 10),
        ({"request_text": "Привезите сегодня"}, "urgent_wording", 10),
        ({"request_text": "URGENT: need a quote"}, "urgent_wording", 10),
        ({"request_text": "сколько стоит?"}, "price_question_only", -15),
        ({"request_text": "Какая цена?"}, "price_question_only", -15),
        ({"request_text": "Пришлите прайс"}, "price_question_only", -15),
        ({"request_text": "How much is it?"}, "price_question_only", -15),
        ({"channel": Channel.PHONE}, "channel_phone", 20),
        ({"channel": Channel.REFERRAL}, "channel_referral", 20),
        ({"channel": Channel.MESSENGER}, "channel_messenger", 15),
        ({"channel": Channel.MARKETPLACE}, "channel_marketplace", 5),
        ({"channel": Channel.SOCIAL}, "channel_social", 5),
    ],
)
def test_each_signal_gives_its_reason_with_its_points(
    overrides: dict[str, Any], code: str, expected_points: int
) -> None:
    reasons = score_lead(signals(**overrides)).reasons

    assert points(reasons) == {code: expected_points}
    assert all(reason.text_en and reason.text_ru for reason in reasons)


def test_sooner_deadline_scores_more() -> None:
    scores = [
        score_lead(signals(deadline=NOW.date() + timedelta(days=days))).score
        for days in (1, 10, 60)
    ]

    assert scores == sorted(scores, reverse=True)
    assert len(set(scores)) == 3


def test_price_question_with_a_named_product_is_not_penalised() -> None:
    result = score_lead(signals(request_text="Сколько стоит кабель ВВГ?", product="ВВГ"))

    assert "price_question_only" not in points(result.reasons)


def test_not_urgent_is_not_read_as_urgent() -> None:
    assert score_lead(signals(request_text="Не срочно, к лету")).reasons == ()


def test_warm_channels_outweigh_marketplace_and_social() -> None:
    warm = {CHANNEL_WEIGHTS[c] for c in (Channel.PHONE, Channel.MESSENGER, Channel.REFERRAL)}
    cold = {CHANNEL_WEIGHTS[c] for c in (Channel.MARKETPLACE, Channel.SOCIAL)}

    assert min(warm) > max(cold)


def test_callers_can_override_channel_weights() -> None:
    result = score_lead(signals(channel="avito"), weights={"avito": 25})

    assert points(result.reasons) == {"channel_avito": 25}
    assert result.score == 25


def test_score_is_the_sum_of_reason_points() -> None:
    result = score_lead(signals(channel=Channel.EMAIL, product="Насос", quantity=3, budget=90000))

    assert result.score == 10 + 20 + 10 + 10 == sum(r.points for r in result.reasons)


def test_score_is_clamped_to_one_hundred() -> None:
    result = score_lead(
        signals(
            channel=Channel.PHONE,
            request_text="Срочно!",
            product="Насос",
            quantity=3,
            budget=90000,
            deadline=date(2025, 3, 11),
            is_returning_client=True,
            referred_by="Иванов",
        )
    )

    assert sum(r.points for r in result.reasons) > 100
    assert result.score == 100


def test_score_is_clamped_to_zero() -> None:
    result = score_lead(signals(channel=Channel.SOCIAL, request_text="прайс?"))

    assert points(result.reasons) == {"price_question_only": -15, "channel_social": 5}
    assert result.score == 0


def test_reasons_come_largest_effect_first_and_scoring_is_deterministic() -> None:
    lead = signals(
        channel=Channel.MARKETPLACE,
        request_text="сегодня, какая цена",
        is_returning_client=True,
    )

    first = score_lead(lead)

    # |−15| ties with 15 and the code breaks the tie; then 10, then 5.
    assert [r.code for r in first.reasons] == [
        "price_question_only",
        "returning_client",
        "urgent_wording",
        "channel_marketplace",
    ]
    assert score_lead(lead) == first


def test_every_contract_channel_has_a_weight() -> None:
    contract_channels = {
        "phone",
        "email",
        "web_form",
        "social",
        "messenger",
        "marketplace",
        "referral",
        "exhibition",
        "manual",
    }
    assert {str(c) for c in Channel} == contract_channels
    assert set(CHANNEL_WEIGHTS) == contract_channels
