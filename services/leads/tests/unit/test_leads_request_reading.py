"""Warmth from the words: what 32 real-looking requests state, and the score it earns.

Every request comes through the web form (10 points) on Monday 2 March 2026 at 10:00 in
Moscow. Points, worked out by hand: a quantity 10, a budget 10, a deadline within 3 days 15,
within 14 days 10, later 5; urgent wording 10; a price question with no product, quantity or
budget −15 (the score stays within 0..100). "До пятницы" is Friday 6 March (4 days: near);
"к концу квартала" is 31 March.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal as D

import pytest

from leads.domain.priority import LeadSignals, score_lead
from leads.domain.request_reading import read_request

pytestmark = pytest.mark.unit

AT = datetime(2026, 3, 2, 7, 0, tzinfo=UTC)  # a Monday, 10:00 in Moscow

# text, quantity, (budget, currency), deadline, score, reasons besides the channel's
REQUESTS = [
    (
        "Нужны 20 станков ЧПУ до пятницы, бюджет 3 млн руб",
        D("20"),
        (D("3000000"), "RUB"),
        date(2026, 3, 6),
        40,
        ["budget_given", "deadline_near", "quantity_given"],
    ),
    ("Сколько стоит насос Н-50?", None, None, None, 0, ["price_question_only"]),
    (
        "Прошу счёт на 150 шт. болтов М12, оплата до 300 000 ₽",
        D("150"),
        (D("300000"), "RUB"),
        None,
        30,
        ["budget_given", "quantity_given"],
    ),
    (
        "Нужно 5 комплектов к концу квартала",
        D("5"),
        None,
        date(2026, 3, 31),
        25,
        ["deadline_given", "quantity_given"],
    ),
    (
        "Поставка к 15 марта, 2 насоса",
        D("2"),
        None,
        date(2026, 3, 15),
        30,
        ["deadline_near", "quantity_given"],
    ),
    (
        "Хотим купить 40 стульев, бюджет около 150 тыс. рублей, срочно",
        D("40"),
        (D("150000"), "RUB"),
        None,
        40,
        ["budget_given", "quantity_given", "urgent_wording"],
    ),
    ("Интересует цена на станок X200", None, None, None, 10, []),
    (
        "Закажем 3 экскаватора в течение недели",
        D("3"),
        None,
        date(2026, 3, 9),
        30,
        ["deadline_near", "quantity_given"],
    ),
    (
        "Нужен кран до конца месяца, 2,5 млн руб",
        None,
        (D("2500000"), "RUB"),
        date(2026, 3, 31),
        25,
        ["budget_given", "deadline_given"],
    ),
    (
        "Требуется 100 единиц до 01.04",
        D("100"),
        None,
        date(2026, 4, 1),
        25,
        ["deadline_given", "quantity_given"],
    ),
    ("Бюджет 500000 рублей", None, (D("500000"), "RUB"), None, 20, ["budget_given"]),
    (
        "Через две недели нужны 10 ноутбуков",
        D("10"),
        None,
        date(2026, 3, 16),
        30,
        ["deadline_near", "quantity_given"],
    ),
    (
        "К среде 7 мониторов",
        D("7"),
        None,
        date(2026, 3, 4),
        35,
        ["deadline_urgent", "quantity_given"],
    ),
    (
        "Нужно завтра 1 генератор",
        D("1"),
        None,
        date(2026, 3, 3),
        35,
        ["deadline_urgent", "quantity_given"],
    ),
    ("Пришлите прайс, пожалуйста", None, None, None, 0, ["price_question_only"]),
    ("Купим 30 тонн арматуры", D("30"), None, None, 20, ["quantity_given"]),
    ("Какие цены на трубы?", None, None, None, 0, ["price_question_only"]),
    (
        "Добрый день! Рассматриваем закупку 12 кондиционеров к концу года, бюджет до 1,2 млн ₽",
        D("12"),
        (D("1200000"), "RUB"),
        date(2026, 12, 31),
        35,
        ["budget_given", "deadline_given", "quantity_given"],
    ),
    ("Почём поддоны?", None, None, None, 0, ["price_question_only"]),
    ("Срочно нужен компрессор, сегодня", None, None, None, 20, ["urgent_wording"]),
    (
        "Нужно 60 пар перчаток до 20.03.2026",
        D("60"),
        None,
        date(2026, 3, 20),
        25,
        ["deadline_given", "quantity_given"],
    ),
    (
        "Поставьте 8 паллет плитки к понедельнику",
        D("8"),
        None,
        date(2026, 3, 9),
        30,
        ["deadline_near", "quantity_given"],
    ),
    (
        "Ищем подрядчика на монтаж, срок 10 дней",
        None,
        None,
        date(2026, 3, 12),
        20,
        ["deadline_near"],
    ),
    ("Нужна консультация по оборудованию, не срочно", None, None, None, 10, []),
    (
        "Закупка 250 шт. светильников, бюджет 900 тыс. руб., до 31 марта",
        D("250"),
        (D("900000"), "RUB"),
        date(2026, 3, 31),
        35,
        ["budget_given", "deadline_given", "quantity_given"],
    ),
    (
        "Заявка: 4 погрузчика, оплата в долларах, $120k",
        D("4"),
        (D("120000"), "USD"),
        None,
        30,
        ["budget_given", "quantity_given"],
    ),
    (
        "Коммерческое предложение на 15 серверов к четвергу",
        D("15"),
        None,
        date(2026, 3, 5),
        35,
        ["deadline_urgent", "quantity_given"],
    ),
    (
        "Хотим 2 станка, бюджет 40 000 евро",
        D("2"),
        (D("40000"), "EUR"),
        None,
        30,
        ["budget_given", "quantity_given"],
    ),
    (
        "Сколько стоит доставка 5 контейнеров?",
        D("5"),
        None,
        None,
        20,
        ["quantity_given"],
    ),
    ("Интересует аренда спецтехники на 3 месяца", None, None, None, 10, []),
    (
        "Нужно 1000 м кабеля до 10 апреля",
        D("1000"),
        None,
        date(2026, 4, 10),
        25,
        ["deadline_given", "quantity_given"],
    ),
    (
        "Подскажите стоимость, нужно 50 штук к концу месяца",
        D("50"),
        None,
        date(2026, 3, 31),
        25,
        ["deadline_given", "quantity_given"],
    ),
]


@pytest.mark.parametrize(
    ("text", "quantity", "budget", "deadline", "score", "reasons"),
    REQUESTS,
    ids=[f"r{n:02d}" for n in range(1, len(REQUESTS) + 1)],
)
def test_a_request_in_words_is_read_and_scored(
    text: str,
    quantity: D | None,
    budget: tuple[D, str] | None,
    deadline: date | None,
    score: int,
    reasons: list[str],
) -> None:
    facts = read_request(text, received_on=AT.date())
    assert facts.quantity == quantity
    assert (facts.budget, facts.currency) == (budget or (None, None))
    assert facts.deadline == deadline
    priority = score_lead(LeadSignals(channel="web_form", received_at=AT, request_text=text))
    assert priority.score == score
    assert sorted(r.code for r in priority.reasons if r.code != "channel_web_form") == reasons


def test_a_fact_read_from_the_text_says_so_and_a_field_given_wins() -> None:
    text = "Нужны 20 станков ЧПУ до пятницы"
    read = score_lead(LeadSignals(channel="web_form", received_at=AT, request_text=text))
    given = score_lead(
        LeadSignals(channel="web_form", received_at=AT, request_text=text, quantity=D(3))
    )

    quantity = next(r for r in read.reasons if r.code == "quantity_given")
    assert quantity.text_ru == "Указано количество (из текста заявки)"
    assert next(r for r in given.reasons if r.code == "quantity_given").text_ru == (
        "Указано количество"
    )
    assert read.score == given.score == 30
