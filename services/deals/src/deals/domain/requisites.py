"""Russian company requisites (INN, KPP, OGRN/OGRNIP, bank account, BIK) checked by checksum."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from stdnum.ru import inn as stdnum_inn
from stdnum.ru import ogrn as stdnum_ogrn

CHECKSUM_MISMATCH = "checksum mismatch"
REQUIRED = "required"

_KPP = re.compile(r"[0-9]{4}[0-9A-Z]{2}[0-9]{3}")
_DIGITS = re.compile(r"[0-9]+")
_SPACES = re.compile(r"\s+")
# Central Bank of Russia control key: weights 7, 1, 3 repeated over 3 + 20 digits.
_ACCOUNT_WEIGHTS = ((7, 1, 3) * 8)[:23]


class LegalForm(StrEnum):
    """Organisational and legal form of a client, spelled as in Russian documents."""

    OOO = "ООО"
    AO = "АО"
    PAO = "ПАО"
    ZAO = "ЗАО"
    OAO = "ОАО"
    GUP = "ГУП"
    MUP = "МУП"
    PK = "ПК"
    ANO = "АНО"
    IP = "ИП"


INDIVIDUAL_FORMS: frozenset[LegalForm] = frozenset({LegalForm.IP})
"""Forms registered as a person: 12-digit INN, 15-digit OGRNIP and no KPP."""


@dataclass(frozen=True, slots=True)
class Requisites:
    """Requisites as typed; `ogrn` holds the OGRNIP for an individual entrepreneur."""

    legal_form: LegalForm
    inn: str | None = None
    kpp: str | None = None
    ogrn: str | None = None
    bank_account: str | None = None
    bik: str | None = None
    correspondent_account: str | None = None


def is_individual(form: LegalForm) -> bool:
    """Whether the form is a person in business (ИП) rather than a legal entity."""
    return form in INDIVIDUAL_FORMS


def _compact(value: str | None) -> str:
    return _SPACES.sub("", value or "")


def _is_digits(value: str, length: int) -> bool:
    return len(value) == length and _DIGITS.fullmatch(value) is not None


def account_key_is_valid(prefix: str, account: str) -> bool:
    """Central Bank control key: sum of (3-digit prefix + 20-digit account) × 7,1,3… ≡ 0 (mod 10).

    For a settlement account the prefix is the BIK's last three digits; for a correspondent
    account it is "0" followed by the BIK's fifth and sixth digits.
    """
    digits = prefix + account
    if not _is_digits(digits, len(_ACCOUNT_WEIGHTS)):
        return False
    return sum(int(d) * w for d, w in zip(digits, _ACCOUNT_WEIGHTS, strict=True)) % 10 == 0


def settlement_account_is_valid(account: str, bik: str) -> bool:
    """Whether a 20-digit account at a regular bank matches the bank's BIK.

    Not covered: accounts held directly at a Bank of Russia settlement centre (their BIK
    ends in 000 and uses the correspondent-account prefix); clients do not bank there.
    """
    return _is_digits(bik, 9) and account_key_is_valid(bik[-3:], account)


def correspondent_account_is_valid(account: str, bik: str) -> bool:
    """Whether a bank's 20-digit correspondent account matches its BIK."""
    return _is_digits(bik, 9) and account_key_is_valid("0" + bik[4:6], account)


def _inn(req: Requisites, path: str) -> list[str]:
    value = _compact(req.inn)
    if not value:
        return [f"{path}.inn: {REQUIRED}"]
    length = 12 if is_individual(req.legal_form) else 10
    if not _is_digits(value, length):
        return [f"{path}.inn: must be {length} digits for {req.legal_form}"]
    if not stdnum_inn.is_valid(value):
        return [f"{path}.inn: {CHECKSUM_MISMATCH}"]
    return []


def _kpp(req: Requisites, path: str) -> list[str]:
    value = _compact(req.kpp)
    if is_individual(req.legal_form):
        return [f"{path}.kpp: must be empty for {req.legal_form}"] if value else []
    if not value:
        return [f"{path}.kpp: {REQUIRED}"]
    if _KPP.fullmatch(value) is None:
        return [
            f"{path}.kpp: must be 9 characters: 4 digits, 2 digits or capital Latin letters, "
            "3 digits"
        ]
    return []


def _ogrn(req: Requisites, path: str) -> list[str]:
    value = _compact(req.ogrn)
    if not value:
        return [f"{path}.ogrn: {REQUIRED}"]
    # The first digit tells the record kind: 1/5 an OGRN, 3 an OGRNIP; the others are numbers
    # of later registry records (ГРН), which people paste by mistake.
    if is_individual(req.legal_form):
        length, leading, name = 15, "3", "OGRNIP"
    else:
        length, leading, name = 13, "15", "OGRN"
    if not _is_digits(value, length):
        return [f"{path}.ogrn: must be a {length}-digit {name} for {req.legal_form}"]
    if value[0] not in leading:
        return [f"{path}.ogrn: an {name} starts with {' or '.join(leading)}"]
    if not stdnum_ogrn.is_valid(value):
        return [f"{path}.ogrn: {CHECKSUM_MISMATCH}"]
    return []


def _bank(req: Requisites, path: str) -> list[str]:
    account = _compact(req.bank_account)
    bik = _compact(req.bik)
    correspondent = _compact(req.correspondent_account)
    problems: list[str] = []
    bik_ok = False
    if bik:
        if not _is_digits(bik, 9):
            problems.append(f"{path}.bik: must be 9 digits")
        elif not bik.startswith("04"):
            problems.append(f"{path}.bik: a Russian BIK starts with 04")
        else:
            bik_ok = True
    elif account or correspondent:
        problems.append(f"{path}.bik: {REQUIRED} with a bank account")
    if account:
        if not _is_digits(account, 20):
            problems.append(f"{path}.bank_account: must be 20 digits")
        elif bik_ok and not settlement_account_is_valid(account, bik):
            problems.append(f"{path}.bank_account: {CHECKSUM_MISMATCH} with the BIK")
    elif bik:
        problems.append(f"{path}.bank_account: {REQUIRED} with a BIK")
    if correspondent:
        if not _is_digits(correspondent, 20):
            problems.append(f"{path}.correspondent_account: must be 20 digits")
        elif not correspondent.startswith("30101"):
            problems.append(f"{path}.correspondent_account: must start with 30101")
        elif bik_ok and not correspondent_account_is_valid(correspondent, bik):
            problems.append(f"{path}.correspondent_account: {CHECKSUM_MISMATCH} with the BIK")
    return problems


def requisites_problems(req: Requisites, path: str = "requisites") -> tuple[str, ...]:
    """Every problem found, as "<path>.<field>: <what is wrong>"; empty means valid.

    Messages never repeat the value, so they are safe to log. Spaces inside numbers are
    ignored. Bank details are optional, but an account and a BIK only come together.
    """
    return (
        *_inn(req, path),
        *_kpp(req, path),
        *_ogrn(req, path),
        *_bank(req, path),
    )
