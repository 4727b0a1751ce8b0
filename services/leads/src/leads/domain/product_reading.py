"""What a free-text request asks for: a product named in Russian or English words.

There is no product catalogue yet. A product is read in this order, the first that finds one:

1. A term of the team's own list (`ProductTerms`, the `LEADS_PRODUCT_TERMS` setting), matched
   anywhere on its lemmas: the term "насос" finds "насосы", "насосов", "насосом".
2. What follows a quantity: "40 стульев", "150 шт. болтов М12", "30 тонн арматуры",
   "need 40 office chairs". Units (шт, тонн, пар, паллет, units…) are stepped over.
3. What follows a buy verb or an offer: "нужен кран", "хотим купить компрессор", "прошу КП на
   станок ЧПУ X200", "we need a forklift", "quote for steel pipes".

What is read is a noun group: up to two adjectives, a noun, and the brand or model code after
it ("ЧПУ", "Grundfos CR 10", "Н-50"). Russian words are given in the nominative singular
("офисное кресло", "станок ЧПУ X200"); English ones as written ("office chairs").
Generic words ("товар", "продукция", "что-нибудь", "оборудование", "items") and words about
the sale itself ("консультация", "цена", "счёт", "help") name no product, so they earn no
product points. A bare price question ("Сколько стоит насос Н-50?") names nothing by the second
and third rules: only a team's own term makes it a product.

Russian words are lemmatized by `pymorphy3` (OpenCorpora's dictionary: ~0.1 s and ~20 MB to
load, once per process, when the terms are read at start); English words lose a plural
ending, which is enough to match a term. Parses are cached per word.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import Any, cast

import pymorphy3  # type: ignore[import-untyped]


def _words(*lines: str) -> frozenset[str]:
    return frozenset(" ".join(lines).split())


_TOKEN = re.compile(r"[^\W_]+(?:[-./][^\W_]+)*")
_CYRILLIC = re.compile(r"[а-яё]", re.IGNORECASE)
_LATIN_WORD = re.compile(r"^[a-z]+$", re.IGNORECASE)
_SPACE = re.compile(r"^\s+$")
_UNIT_GAP = re.compile(r"^\s*\.?\s+$")

GENERIC_WORDS = _words(
    # Russian: what names no particular goods.
    "товар продукция продукт изделие позиция вещь штука единица ассортимент номенклатура",
    "оборудование материал техника что-нибудь что-то что-либо нечто всё все это",
    # English.
    "good goods product item thing stuff something anything equipment material",
)
"""Lemmas that name no product: a request for "товар" earns no product points."""

NOT_GOODS_WORDS = _words(
    "консультация информация помощь цена стоимость прайс прайс-лист предложение кп счёт счет",
    "расчёт расчет смета ответ звонок встреча скидка каталог менеджер специалист подрядчик",
    "совет оплата бюджет срок день неделя месяц квартал год час минута раз процент рубль доллар",
    "евро юань тысяча тыс млн миллион млрд help info information price quote quotation offer",
    "invoice call discount catalog catalogue advice consultation budget day week month quarter",
    "year hour minute time percent dollar euro ruble rouble usd eur rub january february march",
    "april may june july august september october november december январь февраль март апрель",
    "май июнь июль август сентябрь октябрь ноябрь декабрь",
)
"""Lemmas about the sale, money or time: what is asked about, not what is bought."""

_UNITS = _words(
    "шт штука ед единица т тонна кг килограмм г грамм м метр м2 м² м3 км л литр пара комплект",
    "набор паллета паллет палета поддон упаковка коробка ящик мешок рулон лист бухта куб",
    "кубометр партия позиция экземпляр pc pcs piece unit set pair box pallet ton tonne kg m",
    "meter metre liter litre roll bag sheet lot of",
)
"""Lemmas of the units after a number: stepped over to reach the goods ("30 тонн арматуры")."""

_BUY_WORDS = _words(
    "нужный нужно требоваться купить покупать закупить закупать заказать заказывать приобрести",
    "приобретать хотеть поставить нуждаться need needed want buy order purchase require",
    "required",
)
"""Lemmas after which the thing wanted is named: "нужен кран", "we need a forklift"."""

_OFFER_WORDS = frozenset(
    {"кп", "предложение", "счёт", "счет", "смета", "quote", "quotation", "offer", "invoice"}
)
"""An offer or an invoice "на"/"for" something: "прошу КП на станок ЧПУ X200"."""

_OFFER_LINKS = frozenset({"на", "for"})
_FILLERS = _words(
    "бы ещё еще срочно очень также тоже в to also urgently please really a an the some new more",
    "additional",
)
"""Words stepped over between a buy verb and the goods: "нужен бы ещё", "need to buy a"."""

_FILLER_POS = frozenset({"ADVB", "NPRO", "PRCL", "PRED"})
_NOT_NOUN_POS = frozenset({"PREP", "CONJ", "PRCL", "NPRO", "INFN", "ADVB", "INTJ", "PRED"})
_ADJECTIVE_POS = frozenset({"ADJF", "PRTF"})
_ENGLISH_STOP = _words(
    "a an the to by for before until within in on at and or with per each please pls asap",
    "urgent urgently today tomorrow next this that it them us we our you your is are be as soon",
    "possible end from not no about how much what",
)
_MAX_ADJECTIVES = 2
_MAX_CODES = 4
_MAX_ENGLISH_WORDS = 3
_MAX_FILLERS = 4
_NEGATIONS = frozenset({"не", "not", "no", "t", "dont"})
"""Words that deny what follows ("t" is what is left of "don't" after splitting)."""


@dataclass(frozen=True, slots=True)
class _Token:
    text: str
    gap: str
    """The text between the previous token and this one."""

    @property
    def folded(self) -> str:
        return self.text.lower().replace("ё", "е")

    @property
    def is_number(self) -> bool:
        return self.text.isdigit()

    @property
    def is_cyrillic(self) -> bool:
        return bool(_CYRILLIC.search(self.text))

    @property
    def is_latin_word(self) -> bool:
        return bool(_LATIN_WORD.match(self.text))

    @property
    def joined(self) -> bool:
        """Only spaces part it from the token before: no comma, dash or full stop."""
        return bool(_SPACE.match(self.gap))


@dataclass(frozen=True, slots=True)
class ProductTerms:
    """The team's product words and names, each kept as the lemmas of its words."""

    terms: tuple[tuple[str, ...], ...] = ()

    @classmethod
    def of(cls, terms: Iterable[str]) -> ProductTerms:
        """The terms as configured ("насос", "станок ЧПУ", "Grundfos"), lemmatized once.

        Loads the dictionary now, even for no terms: at start, not at the first request.
        """
        _morph()
        lemmas = (tuple(_lemma(token) for token in _tokens(term)) for term in terms)
        return cls(tuple(sorted({term for term in lemmas if term}, key=len, reverse=True)))


NO_PRODUCT_TERMS = ProductTerms()


def read_product(text: str | None, terms: ProductTerms = NO_PRODUCT_TERMS) -> str | None:
    """The product `text` asks for, in the nominative singular; None when it names none."""
    if not text or not text.strip():
        return None
    tokens = _tokens(text)
    return _by_term(tokens, terms) or _after_quantity(tokens) or _after_buy_word(tokens)


def _tokens(text: str) -> list[_Token]:
    tokens: list[_Token] = []
    end = 0
    for match in _TOKEN.finditer(text):
        tokens.append(_Token(match.group(0), text[end : match.start()]))
        end = match.end()
    return tokens


@cache
def _morph() -> pymorphy3.MorphAnalyzer:
    return pymorphy3.MorphAnalyzer()


@lru_cache(maxsize=65536)
def _parses(word: str) -> tuple[Any, ...]:
    """pymorphy3's parses of a lower-case word, likeliest first (cached: intake repeats words)."""
    return tuple(_morph().parse(word))


@lru_cache(maxsize=65536)
def _is_known(word: str) -> bool:
    return bool(_morph().word_is_known(word))


def _english_lemma(word: str) -> str:
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 4 and word.endswith(("ses", "xes", "ches", "shes")):
        return word[:-2]
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us")):
        return word[:-1]
    return word


def _lemma(token: _Token) -> str:
    if token.is_cyrillic:
        return str(_parses(token.folded)[0].normal_form).replace("ё", "е")
    if token.is_latin_word:
        return _english_lemma(token.folded)
    return token.folded


def _is_abbreviation(token: _Token) -> bool:
    """An upper-case Cyrillic name the dictionary does not know as a word: "ЧПУ", "КП"."""
    if not (token.is_cyrillic and len(token.text) > 1 and token.text.isupper()):
        return False
    return not _is_known(token.folded) or "Abbr" in _parses(token.folded)[0].tag


def _pos(token: _Token) -> str | None:
    if not token.is_cyrillic or _is_abbreviation(token):
        return None
    return cast(str | None, _parses(token.folded)[0].tag.POS)


def _noun(token: _Token) -> Any | None:
    """The token's parse as a noun, when it reads as one."""
    if not token.is_cyrillic or _is_abbreviation(token) or _pos(token) in _NOT_NOUN_POS:
        return None
    return next((parse for parse in _parses(token.folded) if parse.tag.POS == "NOUN"), None)


def _is_code(token: _Token, previous: _Token | None) -> bool:
    """A brand or a model: "ЧПУ", "X200", "Grundfos", "Н-50", or the "10" after "CR"."""
    text = token.text
    if text.isdigit():
        return previous is not None and previous.text.isalpha() and not previous.is_cyrillic
    if any(ch.isdigit() for ch in text) or _is_abbreviation(token):
        return True
    return token.is_latin_word and token.folded not in _ENGLISH_STOP


def _is_unit(token: _Token) -> bool:
    return token.folded in _UNITS or _lemma(token) in _UNITS


def _names_goods(lemma: str) -> bool:
    return lemma not in GENERIC_WORDS and lemma not in NOT_GOODS_WORDS


def _by_term(tokens: Sequence[_Token], terms: ProductTerms) -> str | None:
    if not terms.terms:
        return None
    lemmas = [_lemma(token) for token in tokens]
    for start in range(len(tokens)):
        for term in terms.terms:
            if tuple(lemmas[start : start + len(term)]) == term and not _negated(tokens, start):
                words = tokens[start : start + len(term)]
                return (
                    _noun_before(tokens, start)
                    or _noun_group(tokens, start)
                    or " ".join(token.text for token in words)
                )
    return None


def _noun_before(tokens: Sequence[_Token], at: int) -> str | None:
    """The goods a brand term stands after: "насосы Grundfos" for the term "Grundfos"."""
    if at == 0 or not tokens[at].joined or not _is_code(tokens[at], None):
        return None
    noun = _noun(tokens[at - 1])
    return _noun_group(tokens, at - 1) if noun is not None else None


def _negated(tokens: Sequence[_Token], at: int) -> bool:
    """ "не насосы", "не нужны насосы", "don't need pumps"."""
    before = [token.folded for token in tokens[max(0, at - 2) : at]]
    if before[-1:] and before[-1] in _NEGATIONS:
        return True
    return len(before) == 2 and before[0] in _NEGATIONS and _lemma(tokens[at - 1]) in _BUY_WORDS


def _after_quantity(tokens: Sequence[_Token]) -> str | None:
    for index, token in enumerate(tokens):
        if not token.is_number:
            continue
        at, gap = index + 1, _SPACE
        while at < len(tokens) and gap.match(tokens[at].gap) and _is_unit(tokens[at]):
            at, gap = at + 1, _UNIT_GAP
        group = _noun_group(tokens, at) if at < len(tokens) and gap.match(tokens[at].gap) else None
        if group is not None:
            return group
    return None


def _after_buy_word(tokens: Sequence[_Token]) -> str | None:
    for index, token in enumerate(tokens):
        lemma = _lemma(token)
        if _negated(tokens, index):
            continue  # "не нужны", "don't need"
        at = index + 1
        if lemma in _OFFER_WORDS:
            if at >= len(tokens) or tokens[at].folded not in _OFFER_LINKS:
                continue
            at += 1
        elif lemma not in _BUY_WORDS:
            continue
        skipped = 0
        while at < len(tokens) and skipped < _MAX_FILLERS and tokens[at].joined:
            if not _is_filler(tokens[at]):
                break
            at, skipped = at + 1, skipped + 1
        group = _noun_group(tokens, at) if at < len(tokens) and tokens[at].joined else None
        if group is not None:
            return group
    return None


def _is_filler(token: _Token) -> bool:
    pos = _pos(token)
    return (
        token.folded in _FILLERS
        or pos in _FILLER_POS
        or ((pos == "INFN" or token.is_latin_word) and _lemma(token) in _BUY_WORDS)
    )


def _noun_group(tokens: Sequence[_Token], start: int) -> str | None:
    """The goods named from `start` on: adjectives, a noun and its codes; or a brand alone."""
    if tokens[start].is_latin_word and tokens[start].text.islower():
        return _english_group(tokens, start)
    at = start
    adjectives: list[_Token] = []
    while (
        at < len(tokens)
        and len(adjectives) < _MAX_ADJECTIVES
        and (at == start or tokens[at].joined)
        and _pos(tokens[at]) in _ADJECTIVE_POS
    ):
        adjectives.append(tokens[at])
        at += 1
    noun = _noun(tokens[at]) if at < len(tokens) and (at == start or tokens[at].joined) else None
    if noun is not None:
        lemma = str(noun.normal_form).replace("ё", "е")
        if not _names_goods(lemma):
            return None
        return " ".join([*_agreeing(adjectives, noun), lemma, *_codes(tokens, at + 1)])
    if adjectives:
        return None
    return " ".join(_codes(tokens, start, first=True)) or None


def _codes(tokens: Sequence[_Token], at: int, *, first: bool = False) -> list[str]:
    """The brand and model words from `at` on, each parted from the one before by spaces."""
    codes: list[str] = []
    previous: _Token | None = None
    while at < len(tokens) and len(codes) < _MAX_CODES:
        token = tokens[at]
        if not (first and not codes) and not token.joined:
            break
        if not _is_code(token, previous):
            break
        if token.is_number and at + 1 < len(tokens) and _is_unit(tokens[at + 1]):
            break  # "CR 10 шт": the number is a quantity
        codes.append(token.text)
        previous, at = token, at + 1
    return codes


def _agreeing(adjectives: Sequence[_Token], noun: Any) -> list[str]:
    """The adjectives in the nominative, agreeing with the noun's normal form."""
    normal = noun.normalized
    plural = "Pltm" in normal.tag or normal.tag.number == "plur"
    wanted = {"nomn", "plur"} if plural else {"nomn", "sing", normal.tag.gender}
    words = []
    for adjective in adjectives:
        parse = next(p for p in _parses(adjective.folded) if p.tag.POS in _ADJECTIVE_POS)
        inflected = parse.inflect({tag for tag in wanted if tag})
        words.append(str(inflected.word if inflected else parse.normal_form))
    return words


def _english_group(tokens: Sequence[_Token], start: int) -> str | None:
    """Up to three English words up to a stop word: "office chairs", "steel pipe"."""
    words: list[str] = []
    at = start
    while at < len(tokens) and len(words) < _MAX_ENGLISH_WORDS:
        token = tokens[at]
        if words and not token.joined:
            break
        if not (token.is_latin_word or _is_code(token, None)) or token.folded in _ENGLISH_STOP:
            break
        words.append(token.text)
        at += 1
    lemmas = [_english_lemma(word.lower()) for word in words if word.isalpha()]
    if not lemmas or lemmas[-1] in GENERIC_WORDS or NOT_GOODS_WORDS.intersection(lemmas):
        return None
    return " ".join(words)
