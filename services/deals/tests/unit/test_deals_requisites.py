"""Russian requisites: INN, KPP, OGRN/OGRNIP, BIK and accounts checked by checksum."""

from dataclasses import replace
from typing import Any

import pytest

from deals.domain.requisites import (
    LegalForm,
    Requisites,
    account_key_is_valid,
    correspondent_account_is_valid,
    is_individual,
    requisites_problems,
    settlement_account_is_valid,
)

pytestmark = pytest.mark.unit

# ПАО Сбербанк, as published on its own site.
SBER_INN = "7707083893"
SBER_KPP = "773601001"
SBER_OGRN = "1027700132195"
SBER_BIK = "044525225"
SBER_CORRESPONDENT = "30101810400000000225"
# A settlement account at Sberbank Moscow whose control key matches BIK 044525225.
ACCOUNT_AT_SBER = "40702810938000000001"

SBERBANK = Requisites(
    legal_form=LegalForm.PAO,
    inn=SBER_INN,
    kpp=SBER_KPP,
    ogrn=SBER_OGRN,
    bank_account=ACCOUNT_AT_SBER,
    bik=SBER_BIK,
    correspondent_account=SBER_CORRESPONDENT,
)

# The sample individual entrepreneur from the tax service's documentation.
ENTREPRENEUR = Requisites(legal_form=LegalForm.IP, inn="500100732259", ogrn="304500116000157")


def test_real_bank_requisites_are_valid() -> None:
    assert requisites_problems(SBERBANK) == ()


def test_individual_entrepreneur_with_12_digit_inn_and_ogrnip_is_valid() -> None:
    assert is_individual(LegalForm.IP)
    assert requisites_problems(ENTREPRENEUR) == ()


@pytest.mark.parametrize(
    ("bik", "correspondent"),
    [
        ("044525225", "30101810400000000225"),  # Сбербанк
        ("044525974", "30101810145250000974"),  # Т-Банк
        ("044525593", "30101810200000000593"),  # Альфа-Банк
        ("044525187", "30101810700000000187"),  # ВТБ
    ],
)
def test_real_correspondent_accounts_match_their_bik(bik: str, correspondent: str) -> None:
    assert correspondent_account_is_valid(correspondent, bik)


def test_settlement_account_key_uses_the_last_three_digits_of_the_bik() -> None:
    assert settlement_account_is_valid(ACCOUNT_AT_SBER, SBER_BIK)
    assert account_key_is_valid("225", ACCOUNT_AT_SBER)
    # Every other control digit (9th position) breaks the key.
    for digit in "012345678":
        broken = ACCOUNT_AT_SBER[:8] + digit + ACCOUNT_AT_SBER[9:]
        assert not settlement_account_is_valid(broken, SBER_BIK)
    # The same account at another bank is another number.
    assert not settlement_account_is_valid(ACCOUNT_AT_SBER, "044525974")


def test_account_key_rejects_non_digits_and_wrong_lengths() -> None:
    assert not account_key_is_valid("225", "4070281093800000000")
    assert not account_key_is_valid("22", ACCOUNT_AT_SBER)
    assert not settlement_account_is_valid(ACCOUNT_AT_SBER, "04452522")
    assert not correspondent_account_is_valid("3010181040000000022X", SBER_BIK)


def test_spaces_inside_numbers_are_ignored() -> None:
    spaced = replace(SBERBANK, inn="7707 083 893", bank_account="40702 810 9 3800 0000001")
    assert requisites_problems(spaced) == ()


@pytest.mark.parametrize(
    ("overrides", "problem"),
    [
        ({"inn": "7707083894"}, "requisites.inn: checksum mismatch"),
        ({"inn": "770708389"}, "requisites.inn: must be 10 digits for ПАО"),
        ({"inn": "500100732259"}, "requisites.inn: must be 10 digits for ПАО"),
        ({"inn": None}, "requisites.inn: required"),
        ({"kpp": None}, "requisites.kpp: required"),
        ({"kpp": "77360100"}, "requisites.kpp: must be 9 characters"),
        ({"kpp": "7736ab001"}, "requisites.kpp: must be 9 characters"),
        ({"ogrn": "1027700132196"}, "requisites.ogrn: checksum mismatch"),
        ({"ogrn": "304500116000157"}, "requisites.ogrn: must be a 13-digit OGRN for ПАО"),
        ({"ogrn": "2027700132194"}, "requisites.ogrn: an OGRN starts with 1 or 5"),
        ({"ogrn": ""}, "requisites.ogrn: required"),
        ({"bik": "04452522"}, "requisites.bik: must be 9 digits"),
        ({"bik": "144525225"}, "requisites.bik: a Russian BIK starts with 04"),
        ({"bik": None}, "requisites.bik: required with a bank account"),
        ({"bank_account": "40702810938000000002"}, "requisites.bank_account: checksum mismatch"),
        ({"bank_account": "4070281093800000000"}, "requisites.bank_account: must be 20 digits"),
        (
            {"bank_account": None, "correspondent_account": None},
            "requisites.bank_account: required with a BIK",
        ),
        (
            {"correspondent_account": "30101810400000000226"},
            "requisites.correspondent_account: checksum mismatch",
        ),
        (
            {"correspondent_account": "40702810938000000001"},
            "requisites.correspondent_account: must start with 30101",
        ),
    ],
)
def test_each_problem_names_the_field(overrides: dict[str, Any], problem: str) -> None:
    problems = requisites_problems(replace(SBERBANK, **overrides))
    assert len(problems) == 1
    assert problems[0].startswith(problem)


def test_kpp_may_carry_latin_capitals_in_the_reason_code() -> None:
    assert requisites_problems(replace(SBERBANK, kpp="7736AB001")) == ()


def test_all_problems_are_reported_at_once_without_the_values() -> None:
    broken = Requisites(
        legal_form=LegalForm.OOO,
        inn="7707083894",
        kpp="12",
        ogrn="1027700132196",
        bank_account="40702810938000000002",
        bik=SBER_BIK,
    )
    problems = requisites_problems(broken)
    assert [p.split(":")[0] for p in problems] == [
        "requisites.inn",
        "requisites.kpp",
        "requisites.ogrn",
        "requisites.bank_account",
    ]
    values = ("7707083894", "1027700132196", "40702810938000000002", SBER_BIK)
    assert not any(value in problem for problem in problems for value in values)


def test_entrepreneur_rules_differ_from_a_company() -> None:
    wrong = replace(ENTREPRENEUR, inn=SBER_INN, kpp=SBER_KPP, ogrn=SBER_OGRN)
    assert requisites_problems(wrong, path="client.requisites") == (
        "client.requisites.inn: must be 12 digits for ИП",
        "client.requisites.kpp: must be empty for ИП",
        "client.requisites.ogrn: must be a 15-digit OGRNIP for ИП",
    )


def test_entrepreneur_checksums_and_record_kind() -> None:
    assert requisites_problems(replace(ENTREPRENEUR, inn="500100732258")) == (
        "requisites.inn: checksum mismatch",
    )
    assert requisites_problems(replace(ENTREPRENEUR, ogrn="304500116000158")) == (
        "requisites.ogrn: checksum mismatch",
    )
    # 4… is a later registry record of an entrepreneur (ГРНИП), not the OGRNIP itself.
    assert requisites_problems(replace(ENTREPRENEUR, ogrn="404500116000155")) == (
        "requisites.ogrn: an OGRNIP starts with 3",
    )


def test_company_forms_all_need_kpp_and_13_digit_ogrn() -> None:
    for form in LegalForm:
        if is_individual(form):
            continue
        assert requisites_problems(replace(SBERBANK, legal_form=form)) == ()
        assert "requisites.kpp: required" in requisites_problems(
            replace(SBERBANK, legal_form=form, kpp=None)
        )
