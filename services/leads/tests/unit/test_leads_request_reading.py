"""Warmth from the words: what 48 real-looking requests state, and the score it earns.

Every request of the table comes through the web form (10 points) on Monday 2 March 2026 at
10:00 in Moscow, to a team in Moscow whose product terms are "станок ЧПУ", "Grundfos" and
"кондиционер". Points, worked out by hand: a product 20, a quantity 10, a budget 10, a deadline
within 3 days 15, within 14 days 10, later 5; urgent wording 10; a price question with no
product, quantity or budget −15 (the score stays within 0..100). "До пятницы" is Friday 6 March
(4 days: near); "к концу квартала" is 31 March.

A product is named by a team's term anywhere ("присматриваемся к кондиционерам"), or by the
goods after a quantity ("30 тонн арматуры") or after a buy verb or an offer ("нужен кран", "КП
на станок ЧПУ X200"); never by a generic word ("товар", "продукция", "оборудование").
"Сколько стоит насос Н-50?" names none: "насос" is not the team's term, and a price question
is not a buy verb. "Сколько стоит насос Grundfos?" names one, so it is no bare price question.

The second table scores requests that came late in the UTC day: a deadline counts from the
day the request came on where the team works.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal as D

import pytest

from leads.domain.priority import LeadSignals, score_lead
from leads.domain.product_reading import ProductTerms, read_product
from leads.domain.request_reading import is_urgent, read_request

pytestmark = pytest.mark.unit

AT = datetime(2026, 3, 2, 7, 0, tzinfo=UTC)  # a Monday, 10:00 in Moscow
MOSCOW = "Europe/Moscow"
TERMS = ProductTerms.of(["станок ЧПУ", "Grundfos", "кондиционер"])

# text, quantity, (budget, currency), deadline, product, score, reasons besides the channel's
REQUESTS = [
    (
        "Нужны 20 станков ЧПУ до пятницы, бюджет 3 млн руб",
        D("20"),
        (D("3000000"), "RUB"),
        date(2026, 3, 6),
        "станок ЧПУ",
        60,
        ["budget_given", "deadline_near", "product_named", "quantity_given"],
    ),
    ("Сколько стоит насос Н-50?", None, None, None, None, 0, ["price_question_only"]),
    (
        "Прошу счёт на 150 шт. болтов М12, оплата до 300 000 ₽",
        D("150"),
        (D("300000"), "RUB"),
        None,
        "болт М12",
        50,
        ["budget_given", "product_named", "quantity_given"],
    ),
    (
        "Нужно 5 комплектов к концу квартала",
        D("5"),
        None,
        date(2026, 3, 31),
        None,
        25,
        ["deadline_given", "quantity_given"],
    ),
    (
        "Поставка к 15 марта, 2 насоса",
        D("2"),
        None,
        date(2026, 3, 15),
        "насос",
        50,
        ["deadline_near", "product_named", "quantity_given"],
    ),
    (
        "Хотим купить 40 стульев, бюджет около 150 тыс. рублей, срочно",
        D("40"),
        (D("150000"), "RUB"),
        None,
        "стул",
        60,
        ["budget_given", "product_named", "quantity_given", "urgent_wording"],
    ),
    ("Интересует цена на станок X200", None, None, None, None, 10, []),
    (
        "Закажем 3 экскаватора в течение недели",
        D("3"),
        None,
        date(2026, 3, 9),
        "экскаватор",
        50,
        ["deadline_near", "product_named", "quantity_given"],
    ),
    (
        "Нужен кран до конца месяца, 2,5 млн руб",
        None,
        (D("2500000"), "RUB"),
        date(2026, 3, 31),
        "кран",
        45,
        ["budget_given", "deadline_given", "product_named"],
    ),
    (
        "Требуется 100 единиц до 01.04",
        D("100"),
        None,
        date(2026, 4, 1),
        None,
        25,
        ["deadline_given", "quantity_given"],
    ),
    ("Бюджет 500000 рублей", None, (D("500000"), "RUB"), None, None, 20, ["budget_given"]),
    (
        "Через две недели нужны 10 ноутбуков",
        D("10"),
        None,
        date(2026, 3, 16),
        "ноутбук",
        50,
        ["deadline_near", "product_named", "quantity_given"],
    ),
    (
        "К среде 7 мониторов",
        D("7"),
        None,
        date(2026, 3, 4),
        "монитор",
        55,
        ["deadline_urgent", "product_named", "quantity_given"],
    ),
    (
        "Нужно завтра 1 генератор",
        D("1"),
        None,
        date(2026, 3, 3),
        "генератор",
        55,
        ["deadline_urgent", "product_named", "quantity_given"],
    ),
    ("Пришлите прайс, пожалуйста", None, None, None, None, 0, ["price_question_only"]),
    (
        "Купим 30 тонн арматуры",
        D("30"),
        None,
        None,
        "арматура",
        40,
        ["product_named", "quantity_given"],
    ),
    ("Какие цены на трубы?", None, None, None, None, 0, ["price_question_only"]),
    (
        "Добрый день! Рассматриваем закупку 12 кондиционеров к концу года, бюджет до 1,2 млн ₽",
        D("12"),
        (D("1200000"), "RUB"),
        date(2026, 12, 31),
        "кондиционер",
        55,
        ["budget_given", "deadline_given", "product_named", "quantity_given"],
    ),
    ("Почём поддоны?", None, None, None, None, 0, ["price_question_only"]),
    (
        "Срочно нужен компрессор, сегодня",
        None,
        None,
        None,
        "компрессор",
        40,
        ["product_named", "urgent_wording"],
    ),
    (
        "Нужно 60 пар перчаток до 20.03.2026",
        D("60"),
        None,
        date(2026, 3, 20),
        "перчатка",
        45,
        ["deadline_given", "product_named", "quantity_given"],
    ),
    (
        "Поставьте 8 паллет плитки к понедельнику",
        D("8"),
        None,
        date(2026, 3, 9),
        "плитка",
        50,
        ["deadline_near", "product_named", "quantity_given"],
    ),
    (
        "Ищем подрядчика на монтаж, срок 10 дней",
        None,
        None,
        date(2026, 3, 12),
        None,
        20,
        ["deadline_near"],
    ),
    ("Нужна консультация по оборудованию, не срочно", None, None, None, None, 10, []),
    (
        "Закупка 250 шт. светильников, бюджет 900 тыс. руб., до 31 марта",
        D("250"),
        (D("900000"), "RUB"),
        date(2026, 3, 31),
        "светильник",
        55,
        ["budget_given", "deadline_given", "product_named", "quantity_given"],
    ),
    (
        "Заявка: 4 погрузчика, оплата в долларах, $120k",
        D("4"),
        (D("120000"), "USD"),
        None,
        "погрузчик",
        50,
        ["budget_given", "product_named", "quantity_given"],
    ),
    (
        "Коммерческое предложение на 15 серверов к четвергу",
        D("15"),
        None,
        date(2026, 3, 5),
        "сервер",
        55,
        ["deadline_urgent", "product_named", "quantity_given"],
    ),
    (
        "Хотим 2 станка, бюджет 40 000 евро",
        D("2"),
        (D("40000"), "EUR"),
        None,
        "станок",
        50,
        ["budget_given", "product_named", "quantity_given"],
    ),
    (
        "Сколько стоит доставка 5 контейнеров?",
        D("5"),
        None,
        None,
        "контейнер",
        40,
        ["product_named", "quantity_given"],
    ),
    ("Интересует аренда спецтехники на 3 месяца", None, None, None, None, 10, []),
    (
        "Нужно 1000 м кабеля до 10 апреля",
        D("1000"),
        None,
        date(2026, 4, 10),
        "кабель",
        45,
        ["deadline_given", "product_named", "quantity_given"],
    ),
    (
        "Подскажите стоимость, нужно 50 штук к концу месяца",
        D("50"),
        None,
        date(2026, 3, 31),
        None,
        25,
        ["deadline_given", "quantity_given"],
    ),
    # Products: the team's terms, after a quantity, after a buy verb or an offer; none from
    # generic words; urgent wording in both languages, and its negations.
    (
        "Нужны насосы Grundfos CR 10 до 20 марта",
        None,
        None,
        date(2026, 3, 20),
        "насос Grundfos CR 10",
        35,
        ["deadline_given", "product_named"],
    ),
    (
        "Прошу КП на станок ЧПУ X200 — 2 шт",
        D("2"),
        None,
        None,
        "станок ЧПУ X200",
        40,
        ["product_named", "quantity_given"],
    ),
    (
        "Need 40 office chairs by Friday, budget $6k",
        D("40"),
        (D("6000"), "USD"),
        date(2026, 3, 6),
        "office chairs",
        60,
        ["budget_given", "deadline_near", "product_named", "quantity_given"],
    ),
    (
        "Urgent: we need a forklift for the warehouse",
        None,
        None,
        None,
        "forklift",
        40,
        ["product_named", "urgent_wording"],
    ),
    ("Not urgent, just need a price list", None, None, None, None, 0, ["price_question_only"]),
    ("Нужно оборудование для цеха, что-нибудь недорогое", None, None, None, None, 10, []),
    ("Хотим заказать товар со склада, не срочно", None, None, None, None, 10, []),
    ("Нужна продукция вашего завода, 100 штук", D("100"), None, None, None, 20, ["quantity_given"]),
    (
        "Горит заказ: нужно 3 генератора на объект",
        D("3"),
        None,
        None,
        "генератор",
        50,
        ["product_named", "quantity_given", "urgent_wording"],
    ),
    (
        "Нужно было ещё вчера: 6 тепловых пушек",
        D("6"),
        None,
        None,
        "тепловая пушка",
        50,
        ["product_named", "quantity_given", "urgent_wording"],
    ),
    (
        "Вопрос не горит, присматриваемся к кондиционерам на лето",
        None,
        None,
        None,
        "кондиционер",
        30,
        ["product_named"],
    ),
    ("Сколько стоит насос Grundfos?", None, None, None, "насос Grundfos", 30, ["product_named"]),
    (
        "Please quote 200 LED panels ASAP",
        D("200"),
        None,
        None,
        "LED panels",
        50,
        ["product_named", "quantity_given", "urgent_wording"],
    ),
    (
        "Нужно 40 офисных кресел, бюджет до 400 тыс. руб.",
        D("40"),
        (D("400000"), "RUB"),
        None,
        "офисное кресло",
        50,
        ["budget_given", "product_named", "quantity_given"],
    ),
    (
        "As soon as possible, 12 pallets of cement",
        D("12"),
        None,
        None,
        "cement",
        50,
        ["product_named", "quantity_given", "urgent_wording"],
    ),
    (
        "This is not urgent: 5 laptops for the new office",
        D("5"),
        None,
        None,
        "laptops",
        40,
        ["product_named", "quantity_given"],
    ),
]


@pytest.mark.parametrize(
    ("text", "quantity", "budget", "deadline", "product", "score", "reasons"),
    REQUESTS,
    ids=[f"r{n:02d}" for n in range(1, len(REQUESTS) + 1)],
)
def test_a_request_in_words_is_read_and_scored(
    text: str,
    quantity: D | None,
    budget: tuple[D, str] | None,
    deadline: date | None,
    product: str | None,
    score: int,
    reasons: list[str],
) -> None:
    facts = read_request(text, received_on=AT.date(), products=TERMS)
    assert facts.quantity == quantity
    assert (facts.budget, facts.currency) == (budget or (None, None))
    assert facts.deadline == deadline
    assert facts.product == product
    priority = score_lead(
        LeadSignals(channel="web_form", received_at=AT, time_zone=MOSCOW, request_text=text),
        products=TERMS,
    )
    assert priority.score == score
    assert sorted(r.code for r in priority.reasons if r.code != "channel_web_form") == reasons


def test_the_table_has_at_least_forty_requests_and_reads_products_in_it() -> None:
    assert len(REQUESTS) >= 40
    assert sum(1 for row in REQUESTS if row[4] is not None) >= 25


# text, received at (UTC), team's time zone, deadline, score, reasons besides the channel's
LOCAL_DAY = [
    # 23:30 UTC on Sunday 1 March is 02:30 on Monday 2 March in Moscow: "завтра" is 3 March.
    (
        "Нужно завтра 1 генератор",
        datetime(2026, 3, 1, 23, 30, tzinfo=UTC),
        MOSCOW,
        date(2026, 3, 3),
        55,
        ["deadline_urgent", "product_named", "quantity_given"],
    ),
    # The same request read on the UTC day: "завтра" would be 2 March.
    (
        "Нужно завтра 1 генератор",
        datetime(2026, 3, 1, 23, 30, tzinfo=UTC),
        "UTC",
        date(2026, 3, 2),
        55,
        ["deadline_urgent", "product_named", "quantity_given"],
    ),
    # Monday in Moscow: "к понедельнику" is the next Monday, 9 March (7 days: near), not
    # Monday 2 March (1 day: urgent) as on the UTC Sunday.
    (
        "Поставьте 8 паллет плитки к понедельнику",
        datetime(2026, 3, 1, 23, 30, tzinfo=UTC),
        MOSCOW,
        date(2026, 3, 9),
        50,
        ["deadline_near", "product_named", "quantity_given"],
    ),
    (
        "Поставьте 8 паллет плитки к понедельнику",
        datetime(2026, 3, 1, 23, 30, tzinfo=UTC),
        "UTC",
        date(2026, 3, 2),
        55,
        ["deadline_urgent", "product_named", "quantity_given"],
    ),
    # 22:00 UTC on 31 March is 1 April in Moscow: the quarter that ends is the second, on
    # 30 June (90 days: a deadline, 5), not the first, ending that very UTC day (urgent, 15).
    (
        "Нужно 5 комплектов к концу квартала",
        datetime(2026, 3, 31, 22, 0, tzinfo=UTC),
        MOSCOW,
        date(2026, 6, 30),
        25,
        ["deadline_given", "quantity_given"],
    ),
    (
        "Нужно 5 комплектов к концу квартала",
        datetime(2026, 3, 31, 22, 0, tzinfo=UTC),
        "UTC",
        date(2026, 3, 31),
        35,
        ["deadline_urgent", "quantity_given"],
    ),
    # 15:00 UTC on Saturday 28 February is 01:00 on Sunday 1 March in Vladivostok: 15 March is
    # 14 days off there (near, 10), 15 days off on the UTC day (a deadline, 5).
    (
        "Закажем 3 экскаватора к 15 марта",
        datetime(2026, 2, 28, 15, 0, tzinfo=UTC),
        "Asia/Vladivostok",
        date(2026, 3, 15),
        50,
        ["deadline_near", "product_named", "quantity_given"],
    ),
    (
        "Закажем 3 экскаватора к 15 марта",
        datetime(2026, 2, 28, 15, 0, tzinfo=UTC),
        "UTC",
        date(2026, 3, 15),
        45,
        ["deadline_given", "product_named", "quantity_given"],
    ),
    # A deadline given in its field counts from the local day too: 20:00 UTC on 5 March is
    # 6 March in Novosibirsk, so 9 March is 3 days off (urgent), not 4 (near).
    (
        "Нужны 10 ноутбуков",
        datetime(2026, 3, 5, 20, 0, tzinfo=UTC),
        "Asia/Novosibirsk",
        date(2026, 3, 9),
        55,
        ["deadline_urgent", "product_named", "quantity_given"],
    ),
]


@pytest.mark.parametrize(
    ("text", "at", "time_zone", "deadline", "score", "reasons"),
    LOCAL_DAY,
    ids=[f"local{n:02d}" for n in range(1, len(LOCAL_DAY) + 1)],
)
def test_a_deadline_in_words_counts_from_the_teams_local_day(
    text: str, at: datetime, time_zone: str, deadline: date, score: int, reasons: list[str]
) -> None:
    given = date(2026, 3, 9) if "ноутбук" in text else None
    signals = LeadSignals(
        channel="web_form", received_at=at, time_zone=time_zone, request_text=text, deadline=given
    )
    assert (signals.deadline or read_request(text, received_on=signals.received_on).deadline) == (
        deadline
    )
    priority = score_lead(signals)
    assert priority.score == score
    assert sorted(r.code for r in priority.reasons if r.code != "channel_web_form") == reasons


@pytest.mark.parametrize(
    "text",
    [
        "Срочно нужен кран",
        "СРОЧНО!!!",
        "у нас горит объект",
        "сроки горят",
        "Вчера нужно было",
        "нужно было ещё вчера",
        "как можно скорее",
        "в кратчайшие сроки",
        "ASAP please",
        "a.s.a.p.",
        "Urgent request",
        "we need it urgently",
        "as soon as possible",
        "Need it today",
        "не горит, но срочно",
    ],
)
def test_urgent_wording_is_read_in_russian_and_english(text: str) -> None:
    assert is_urgent(text)


@pytest.mark.parametrize(
    "text",
    [
        "не срочно",
        "Не очень срочно",
        "несрочный заказ",
        "вопрос не горит",
        "not urgent",
        "It's not very urgent",
        "non-urgent",
        "this isn't urgent",
        "no asap needed",
        "не сегодня",
        "нужен кран на следующей неделе",
    ],
)
def test_negated_or_calm_wording_is_not_urgent(text: str) -> None:
    assert not is_urgent(text)


@pytest.mark.parametrize(
    ("text", "product"),
    [
        ("нужны насосы Grundfos CR 10", "насос Grundfos CR 10"),
        ("прошу КП на станок ЧПУ X200 — 2 шт", "станок ЧПУ X200"),
        ("need 40 office chairs", "office chairs"),
        ("Хотим купить новый гусеничный экскаватор", "новый гусеничный экскаватор"),
        ("Купим 100 т стали", "сталь"),
        ("НУЖЕН КРАН СРОЧНО", "кран"),
        ("we want to order 3 pallets of bricks", "bricks"),
        ("нам нужен погрузчик Toyota 8FBE15", "погрузчик Toyota 8FBE15"),
        ("нужен товар", None),
        ("Нужна продукция", None),
        ("нужно что-нибудь для кухни", None),
        ("нужно 10 единиц товара", None),
        ("need 5 items", None),
        ("need help", None),
        ("Need it ASAP", None),
        ("не нужны насосы", None),
        ("we don't need pumps", None),
        ("Сколько стоит насос Н-50?", None),
    ],
)
def test_a_product_is_read_without_terms_after_a_quantity_or_a_buy_verb(
    text: str, product: str | None
) -> None:
    assert read_product(text) == product


def test_a_term_matches_any_form_of_its_words_and_not_a_denied_one() -> None:
    terms = ProductTerms.of(["насос", "станок ЧПУ"])
    assert read_product("Цена насосов?", terms) == "насос"
    assert read_product("насосом", terms) == "насос"
    assert read_product("по станкам ЧПУ вопрос", terms) == "станок ЧПУ"
    assert read_product("Интересует цена на станок X200", terms) is None
    assert read_product("не нужны насосы, нужен кран", terms) == "кран"
    assert read_product("не насосы", terms) is None


def test_a_fact_read_from_the_text_says_so_and_a_field_given_wins() -> None:
    text = "Нужны 20 станков ЧПУ до пятницы"
    read = score_lead(LeadSignals(channel="web_form", received_at=AT, request_text=text))
    given = score_lead(
        LeadSignals(
            channel="web_form", received_at=AT, request_text=text, quantity=D(3), product="X200"
        )
    )

    quantity = next(r for r in read.reasons if r.code == "quantity_given")
    assert quantity.text_ru == "Указано количество (из текста заявки)"
    product = next(r for r in read.reasons if r.code == "product_named")
    assert (product.points, product.text_ru) == (20, "Назван товар (из текста заявки)")
    assert product.text_en == "Names a product (read from the request)"
    assert next(r for r in given.reasons if r.code == "quantity_given").text_ru == (
        "Указано количество"
    )
    assert next(r for r in given.reasons if r.code == "product_named").text_ru == "Назван товар"
    assert read.score == given.score == 50


def test_generic_words_earn_no_product_points() -> None:
    for text in ("Нужен товар", "Нужна продукция", "Нужно что-нибудь", "Need some goods"):
        priority = score_lead(LeadSignals(channel="web_form", received_at=AT, request_text=text))
        assert "product_named" not in {r.code for r in priority.reasons}, text
