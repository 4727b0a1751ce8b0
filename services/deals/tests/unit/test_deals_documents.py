"""Proposals and invoices: line amounts, VAT per line, totals in words, requisites, the PDF.

Every figure below is worked out by hand in the comment next to it. The PDF tests render with
WeasyPrint and read the text back with pdftotext (Debian's poppler-utils); they are marked
`integration` because they read fonts and run a program, and fail, not skip, without it.
"""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import replace
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from deals.adapters.pdf_documents import (
    FontMissing,
    document_html,
    find_fonts,
    format_amount,
    render_pdf,
)
from deals.domain.amount_words import UnsupportedCurrency, amount_in_words, plural
from deals.domain.documents import (
    CommercialDocument,
    DocumentKind,
    DocumentLine,
    MissingRequisites,
    Party,
    VatSubtotal,
)
from deals.domain.money import CurrencyMismatch, Money
from deals.domain.requisites import LegalForm

unit = pytest.mark.unit
pdf_test = pytest.mark.integration


def rub(amount: str) -> Money:
    return Money.of(amount, "RUB")


SELLER = Party(
    name="«Вектор»",
    legal_form=LegalForm.OOO,
    inn="7707083893",
    kpp="773601001",
    ogrn="1027700132195",
    legal_address="117312, г. Москва, ул. Вавилова, д. 19",
    bank_name="ПАО Сбербанк",
    bank_account="40702810938000000001",
    bik="044525225",
    correspondent_account="30101810400000000225",
)
BUYER = Party(
    name="«Ромашка»",
    legal_form=LegalForm.OOO,
    inn="7736050003",
    kpp="772801001",
    legal_address="119991, г. Москва, ул. Ленина, д. 1",
)


def line(number: int, product: str, quantity: str, price: str, **kwargs: Any) -> DocumentLine:
    return DocumentLine(
        number=number,
        product=product,
        unit=kwargs.pop("unit", "шт"),
        quantity=Decimal(quantity),
        unit_price=rub(price),
        **kwargs,
    )


# 1: 2 × 50 000,00 = 100 000,00 − 10 % = 90 000,00; VAT 90 000 × 20/120 = 15 000,00.
# 2: 3 × 1 234,57 = 3 703,71 − 7 % (259,2597) = 3 444,4503 → 3 444,45;
#    VAT 3 444,45 × 20/120 = 574,075 → 574,08 (half-up).
# 3: 1 × 1 500,00, not subject to VAT.
# 4: 1 × 10,25 − 10 % = 9,225 → 9,23 (half-up; half-even would give 9,22);
#    VAT 9,23 × 20/120 = 1,5383… → 1,54.
# Total 90 000 + 3 444,45 + 1 500 + 9,23 = 94 953,68.
# VAT 20 %: 15 000 + 574,08 + 1,54 = 15 575,62 per line (on the 20 % sum at once it would be
# 93 453,68 × 20/120 = 15 575,6133… → 15 575,61: the kopeck per-line rounding adds).
MIXED_LINES = (
    line(1, "Ноутбук Vector 15", "2", "50000.00", discount_percent=Decimal(10), sku="NB-15"),
    line(2, "Мышь беспроводная", "3", "1234.57", discount_percent=Decimal(7)),
    line(3, "Доставка", "1", "1500.00", unit="усл", vat_rate=None),
    line(4, "Кабель USB-C", "1", "10.25", discount_percent=Decimal(10)),
)


def proposal(**changes: Any) -> CommercialDocument:
    document = CommercialDocument(
        kind=DocumentKind.PROPOSAL,
        number="КП-2026-017",
        version=2,
        issued_on=date(2026, 3, 16),
        valid_until=date(2026, 3, 31),
        seller=SELLER,
        buyer=BUYER,
        lines=MIXED_LINES,
        terms="Оплата: 100 % предоплата.\nПоставка: 5 рабочих дней.",
    )
    return replace(document, **changes)


def invoice(**changes: Any) -> CommercialDocument:
    # 1 × 123 456,78 with VAT 20 %: 123 456,78 × 20/120 = 20 576,13 exactly.
    document = CommercialDocument(
        kind=DocumentKind.INVOICE,
        number="С-2026-042",
        version=1,
        issued_on=date(2026, 3, 20),
        seller=SELLER,
        buyer=BUYER,
        lines=(line(1, "Сервер R-2", "1", "123456.78"),),
    )
    return replace(document, **changes)


# --- lines and totals -------------------------------------------------------------------------


@unit
def test_line_amount_is_quantity_times_price_less_discount_rounded_half_up_once() -> None:
    first, second, third, fourth = MIXED_LINES
    assert (first.gross, first.discount_amount, first.amount) == (
        rub("100000.00"),
        rub("10000.00"),
        rub("90000.00"),
    )
    assert (second.gross, second.amount, second.discount_amount) == (
        rub("3703.71"),
        rub("3444.45"),
        rub("259.26"),
    )
    assert third.amount == rub("1500.00")
    assert fourth.amount == rub("9.23")


@unit
def test_vat_is_included_in_the_line_amount_and_rounded_per_line() -> None:
    assert [line.vat for line in MIXED_LINES] == [
        rub("15000.00"),
        rub("574.08"),
        None,
        rub("1.54"),
    ]


@unit
def test_mixed_document_totals_and_vat_per_rate() -> None:
    document = proposal()
    assert document.total == rub("94953.68")
    assert document.vat_subtotals == (
        VatSubtotal(Decimal(20), rub("93453.68"), rub("15575.62")),
        VatSubtotal(None, rub("1500.00"), None),
    )
    assert document.vat_total == rub("15575.62")


@unit
def test_vat_subtotals_go_from_the_highest_rate_to_lines_without_vat() -> None:
    # 110,00 at 10 %: 110 × 10/110 = 10,00; 50,00 at 0 %: 0,00; 120,00 at 20 %: 20,00.
    document = proposal(
        lines=(
            line(1, "Книга", "1", "110.00", vat_rate=Decimal(10)),
            line(2, "Услуга", "1", "70.00", vat_rate=None),
            line(3, "Экспорт", "1", "50.00", vat_rate=Decimal(0)),
            line(4, "Товар", "1", "120.00"),
        )
    )
    assert [(s.rate, s.vat) for s in document.vat_subtotals] == [
        (Decimal(20), rub("20.00")),
        (Decimal(10), rub("10.00")),
        (Decimal(0), rub("0.00")),
        (None, None),
    ]
    assert document.total == rub("350.00")
    assert document.vat_total == rub("30.00")


@unit
def test_a_document_without_vat_has_no_vat_total() -> None:
    document = proposal(lines=(line(1, "Консультация", "2", "5000", vat_rate=None),))
    assert document.total == rub("10000.00")
    assert document.vat_total is None


@unit
def test_fractional_quantity_and_full_discount() -> None:
    # 2,5 кг × 99,99 = 249,975 → 249,98; a 100 % discount leaves 0,00 and no VAT.
    weighed = line(1, "Краска", "2.5", "99.99", unit="кг")
    assert weighed.amount == rub("249.98")
    free = line(2, "Образец", "1", "500", discount_percent=Decimal(100))
    assert (free.amount, free.vat, free.discount_amount) == (rub("0"), rub("0"), rub("500"))


@unit
@pytest.mark.parametrize(
    ("changes", "error"),
    [
        ({"quantity": 1.5}, TypeError),
        ({"quantity": Decimal(0)}, ValueError),
        ({"discount_percent": Decimal("100.01")}, ValueError),
        ({"discount_percent": 5.0}, TypeError),
        ({"vat_rate": Decimal(100)}, ValueError),
        ({"unit_price": rub("-1")}, ValueError),
        ({"product": "  "}, ValueError),
        ({"number": 0}, ValueError),
    ],
)
def test_bad_lines_are_refused(changes: dict[str, Any], error: type[Exception]) -> None:
    with pytest.raises(error):
        replace(MIXED_LINES[0], **changes)


@unit
def test_a_line_in_another_currency_is_refused() -> None:
    dollars = replace(MIXED_LINES[0], unit_price=Money.of("10", "USD"))
    with pytest.raises(CurrencyMismatch):
        proposal(lines=(dollars,))


@unit
@pytest.mark.parametrize(
    "changes",
    [
        {"lines": ()},
        {"lines": (MIXED_LINES[0], MIXED_LINES[0])},
        {"valid_until": date(2026, 3, 15)},
        {"version": 0},
        {"number": ""},
    ],
)
def test_bad_documents_are_refused(changes: dict[str, Any]) -> None:
    with pytest.raises(ValueError):  # noqa: PT011 - each case has its own message
        proposal(**changes)


# --- amount in words --------------------------------------------------------------------------


@unit
@pytest.mark.parametrize(
    ("amount", "words"),
    [
        ("0.01", "Ноль рублей 01 копейка"),
        ("0.02", "Ноль рублей 02 копейки"),
        ("1", "Один рубль 00 копеек"),
        ("2", "Два рубля 00 копеек"),
        ("5", "Пять рублей 00 копеек"),
        ("11", "Одиннадцать рублей 00 копеек"),
        ("14.11", "Четырнадцать рублей 11 копеек"),
        ("21", "Двадцать один рубль 00 копеек"),
        ("22.21", "Двадцать два рубля 21 копейка"),
        ("101.05", "Сто один рубль 05 копеек"),
        ("1000", "Одна тысяча рублей 00 копеек"),
        ("1000000", "Один миллион рублей 00 копеек"),
        ("123456.78", "Сто двадцать три тысячи четыреста пятьдесят шесть рублей 78 копеек"),
        ("94953.68", "Девяносто четыре тысячи девятьсот пятьдесят три рубля 68 копеек"),
    ],
)
def test_roubles_in_words(amount: str, words: str) -> None:
    assert amount_in_words(rub(amount)) == words


@unit
def test_dollars_and_euros_in_words() -> None:
    assert amount_in_words(Money.of("1.01", "USD")) == "Один доллар США 01 цент"
    dollars = Money.of("1002.50", "USD")
    assert amount_in_words(dollars) == "Одна тысяча два доллара США 50 центов"
    assert amount_in_words(Money.of("25.03", "EUR")) == "Двадцать пять евро 03 цента"


@unit
def test_an_unknown_currency_or_a_negative_amount_is_refused() -> None:
    with pytest.raises(UnsupportedCurrency, match=r"CNY.*EUR, RUB, USD"):
        amount_in_words(Money.of("10", "CNY"))
    with pytest.raises(ValueError, match="negative"):
        amount_in_words(rub("-1"))


@unit
@pytest.mark.parametrize(
    ("count", "form"),
    [
        (1, "рубль"),
        (2, "рубля"),
        (4, "рубля"),
        (5, "рублей"),
        (11, "рублей"),
        (12, "рублей"),
        (14, "рублей"),
        (21, "рубль"),
        (101, "рубль"),
        (111, "рублей"),
        (1022, "рубля"),
    ],
)
def test_plural_forms(count: int, form: str) -> None:
    assert plural(count, ("рубль", "рубля", "рублей")) == form


# --- requisites -------------------------------------------------------------------------------


@unit
def test_a_buyer_with_a_name_alone_lacks_inn_kpp_and_address() -> None:
    document = proposal(buyer=Party(name="Ромашка", legal_form=LegalForm.OOO))
    assert document.missing_requisites() == ("buyer.inn", "buyer.kpp", "buyer.legal_address")


@unit
def test_an_individual_entrepreneur_needs_no_kpp() -> None:
    entrepreneur = Party(name="Иванов Иван Иванович", legal_form=LegalForm.IP, inn="500100732259")
    assert proposal(buyer=entrepreneur).missing_requisites() == ("buyer.legal_address",)
    assert entrepreneur.title == "ИП Иванов Иван Иванович"


@unit
def test_blank_fields_count_as_missing_and_an_unknown_form_needs_a_kpp() -> None:
    buyer = Party(name="  ", inn=" ", legal_address="г. Тверь")
    assert proposal(buyer=buyer).missing_requisites() == ("buyer.name", "buyer.inn", "buyer.kpp")


@unit
def test_complete_requisites_miss_nothing() -> None:
    assert proposal().missing_requisites() == ()
    assert invoice().missing_requisites() == ()


@unit
def test_an_invoice_also_needs_the_sellers_bank_details() -> None:
    seller = replace(SELLER, bank_account=None, correspondent_account="")
    assert invoice(seller=seller).missing_requisites() == (
        "seller.bank_account",
        "seller.correspondent_account",
    )
    assert proposal(seller=seller).missing_requisites() == ()


@unit
def test_rendering_a_document_with_missing_requisites_names_the_fields() -> None:
    document = proposal(buyer=Party(name="Ромашка", legal_form=LegalForm.AO, inn="7736050003"))
    with pytest.raises(MissingRequisites) as refused:
        render_pdf(document)
    assert refused.value.fields == ("buyer.kpp", "buyer.legal_address")
    assert "buyer.kpp, buyer.legal_address" in str(refused.value)


@unit
def test_amounts_print_with_digit_groups_and_a_decimal_comma() -> None:
    assert format_amount(rub("94953.68")) == "94\u00a0953,68"
    assert format_amount(rub("1234567.5")) == "1\u00a0234\u00a0567,50"
    assert format_amount(rub("0.05")) == "0,05"


# --- the PDF ----------------------------------------------------------------------------------


def run_poppler(tool: str, pdf: bytes, tmp_path: Path, *args: str) -> str:
    """Run a poppler-utils tool on the PDF; fail (not skip) when it is not installed."""
    if shutil.which(tool) is None:
        pytest.fail(
            f"{tool} is missing: install Debian's poppler-utils "
            "(`apt-get install poppler-utils`, or `bash deploy/local/tools.sh`)",
            pytrace=False,
        )
    path = tmp_path / "document.pdf"
    path.write_bytes(pdf)
    result = subprocess.run(
        [tool, *args, str(path), "-"] if tool == "pdftotext" else [tool, str(path)],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return result.stdout


def layout_text(pdf: bytes, tmp_path: Path) -> tuple[list[str], str]:
    """The PDF's lines (runs of spaces, non-breaking ones too, made single) and all its text."""
    text = run_poppler("pdftotext", pdf, tmp_path, "-layout", "-enc", "UTF-8")
    lines = [" ".join(row.split()) for row in text.splitlines()]
    return [row for row in lines if row], " ".join(text.split())


@pdf_test
def test_proposal_pdf_shows_the_lines_totals_vat_and_amount_in_words(tmp_path: Path) -> None:
    pdf = render_pdf(proposal())
    assert pdf.startswith(b"%PDF-")
    lines, text = layout_text(pdf, tmp_path)

    assert "Коммерческое предложение № КП-2026-017 от 16.03.2026" in lines
    assert "Версия 2" in lines
    assert "№ Товар Ед. Кол-во Цена, руб. Скидка Сумма, руб." in lines
    assert "1 Ноутбук Vector 15 шт 2 50 000,00 10% 90 000,00" in lines
    assert "арт. NB-15" in lines
    assert "2 Мышь беспроводная шт 3 1 234,57 7% 3 444,45" in lines
    assert "3 Доставка усл 1 1 500,00 — 1 500,00" in lines
    assert "4 Кабель USB-C шт 1 10,25 10% 9,23" in lines
    assert "Итого: 94 953,68" in lines
    assert "в т.ч. НДС 20%: 15 575,62" in lines
    assert "Без НДС, строки на сумму: 1 500,00" in lines
    assert (
        "Всего к оплате: 94 953,68 руб. "
        "(Девяносто четыре тысячи девятьсот пятьдесят три рубля 68 копеек)"
    ) in text
    assert "Предложение действительно до 31.03.2026." in lines
    assert "Оплата: 100 % предоплата." in lines
    assert "Поставка: 5 рабочих дней." in lines
    # Seller and buyer requisites, side by side.
    assert "Поставщик Покупатель" in lines
    assert "ООО «Вектор» ООО «Ромашка»" in lines
    assert "ИНН 7707083893, КПП 773601001 ИНН 7736050003, КПП 772801001" in lines
    assert "Адрес: 119991, г. Москва, ул. Ленина, д. 1" in text


@pdf_test
def test_invoice_pdf_carries_the_bank_details_and_the_total_in_words(tmp_path: Path) -> None:
    lines, text = layout_text(render_pdf(invoice()), tmp_path)

    assert "Счёт на оплату № С-2026-042 от 20.03.2026" in lines
    assert "Версия" not in text
    assert "ПАО Сбербанк БИК 044525225" in lines
    assert "Сч. № 30101810400000000225" in lines
    assert "ИНН 7707083893 КПП 773601001 Сч. № 40702810938000000001" in lines
    assert "Р/с 40702810938000000001 в ПАО Сбербанк" in lines
    assert "БИК 044525225, к/с 30101810400000000225" in lines
    assert "1 Сервер R-2 шт 1 123 456,78 — 123 456,78" in lines
    assert "Итого: 123 456,78" in lines
    assert "в т.ч. НДС 20%: 20 576,13" in lines
    assert "Без НДС" not in text
    assert (
        "Всего к оплате: 123 456,78 руб. "
        "(Сто двадцать три тысячи четыреста пятьдесят шесть рублей 78 копеек)"
    ) in text
    assert "Руководитель" in text
    assert "Бухгалтер" in text


@pdf_test
def test_a_document_without_vat_says_so(tmp_path: Path) -> None:
    document = proposal(
        lines=(line(1, "Консультация", "2", "5000", unit="ч", vat_rate=None),), valid_until=None
    )
    lines, text = layout_text(render_pdf(document), tmp_path)
    assert "Без НДС: —" in lines
    assert "НДС 20%" not in text
    assert "действительно до" not in text
    assert "Всего к оплате: 10 000,00 руб. (Десять тысяч рублей 00 копеек)" in text


@pdf_test
def test_user_text_is_escaped_not_interpreted(tmp_path: Path) -> None:
    buyer = replace(BUYER, name="<b>Ромашка</b> & Co")
    document = proposal(buyer=buyer, terms='<script>alert("x")</script>')
    html = document_html(document, find_fonts())
    assert "&lt;b&gt;Ромашка&lt;/b&gt; &amp; Co" in html
    assert "<script>" not in html
    _, text = layout_text(render_pdf(document), tmp_path)
    assert "ООО <b>Ромашка</b> & Co" in text
    assert '<script>alert("x")</script>' in text


@pdf_test
def test_dejavu_sans_is_embedded(tmp_path: Path) -> None:
    fonts = run_poppler("pdffonts", render_pdf(invoice()), tmp_path)
    embedded = [row.split() for row in fonts.splitlines() if "DejaVu" in row]
    assert embedded
    # Columns: name, type (two words), encoding, emb, sub, uni, object id (two numbers).
    assert all(row[-5] == "yes" and row[-3] == "yes" for row in embedded), fonts


@pdf_test
def test_a_missing_font_stops_rendering_with_what_to_install(tmp_path: Path) -> None:
    with pytest.raises(FontMissing, match="fonts-dejavu-core"):
        render_pdf(proposal(), font_dirs=[tmp_path])
