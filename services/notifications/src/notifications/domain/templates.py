"""Notification templates: a sandboxed Jinja2 renderer, locale filters and built-in texts."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Context, Decimal, InvalidOperation
from functools import lru_cache
from types import MappingProxyType, TracebackType
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from jinja2 import StrictUndefined, TemplateSyntaxError, meta
from jinja2 import Template as JinjaTemplate
from jinja2.exceptions import SecurityError, UndefinedError
from jinja2.sandbox import ImmutableSandboxedEnvironment

from notifications.domain.model import Channel, EventKind, Locale


class FilterError(ValueError):
    """A template filter got a value it cannot format; the message never quotes the value."""


class TemplateRenderError(ValueError):
    """A template could not be rendered; `problem` says why without quoting context values."""

    def __init__(self, problem: str) -> None:
        super().__init__(problem)
        self.problem = problem


@dataclass(frozen=True, slots=True)
class TemplateKey:
    """Which template to use: what happened, over which channel, in which language."""

    event_kind: str
    channel: Channel
    locale: Locale


@dataclass(frozen=True, slots=True)
class Template:
    """Jinja2 sources of a subject and a body for one channel.

    Only an e-mail body is HTML and autoescaped; the subject is always plain text (it is a
    mail header, not HTML) and is unused by SMS and messengers. Webhooks carry the event as
    signed JSON built by the service, so there are no webhook templates.
    """

    subject: str
    body: str
    channel: Channel

    def __post_init__(self) -> None:
        if self.channel is Channel.WEBHOOK:
            raise ValueError("webhooks send the event as signed JSON, not a rendered template")

    @property
    def is_html(self) -> bool:
        """Whether the body is HTML (e-mail) and its expressions are autoescaped."""
        return self.channel is Channel.EMAIL


@dataclass(frozen=True, slots=True)
class Rendered:
    """A rendered notification: a one-line subject (may be empty) and the body."""

    subject: str
    body: str


# --- locale formatting -------------------------------------------------------------------

_CURRENCY = re.compile(r"^[A-Z]{3}$")
# ISO 4217 minor units that differ from the usual two; only affects how many zeros we pad.
_MINOR_UNITS: Mapping[str, int] = MappingProxyType(
    {"JPY": 0, "KRW": 0, "VND": 0, "CLP": 0, "ISK": 0, "BHD": 3, "KWD": 3, "OMR": 3, "TND": 3}
)
_RU_SYMBOLS: Mapping[str, str] = MappingProxyType({"RUB": "₽"})
# Non-breaking space: an amount must not break across lines in an e-mail or a messenger.
NBSP = "\u00a0"
_WIDE = Context(prec=100)

_RU_MONTHS = (
    "января",
    "февраля",
    "марта",
    "апреля",
    "мая",
    "июня",
    "июля",
    "августа",
    "сентября",
    "октября",
    "ноября",
    "декабря",
)
_EN_MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


def _locale(value: object) -> Locale:
    try:
        return Locale(str(value))
    except ValueError:
        raise FilterError("unknown locale; use 'ru' or 'en'") from None


def _decimal(amount: object) -> Decimal:
    if isinstance(amount, bool | float):
        raise FilterError("money: amounts must be Decimal strings, never floats or booleans")
    if isinstance(amount, Decimal):
        value = amount
    elif isinstance(amount, int):
        value = Decimal(amount)
    elif isinstance(amount, str):
        try:
            value = Decimal(amount.strip())
        except InvalidOperation:
            raise FilterError("money: the amount is not a decimal number") from None
    else:
        raise FilterError("money: the amount must be a Decimal string")
    if not value.is_finite():
        raise FilterError("money: the amount must be finite")
    return value


def _fixed_point(value: Decimal, places: int) -> str:
    """Pad to the currency's minor units but never round digits away: money stays exact."""
    try:
        padded = value.quantize(Decimal(1).scaleb(-places), context=_WIDE)
    except InvalidOperation:
        raise FilterError("money: the amount is out of range") from None
    if padded != value:
        padded = value.normalize(_WIDE)
    return format(abs(padded), "f")


def _group(digits: str, separator: str) -> str:
    head = len(digits) % 3 or 3
    groups = [digits[:head]] + [digits[i : i + 3] for i in range(head, len(digits), 3)]
    return separator.join(groups)


def format_money(amount: object, currency: str, locale: object) -> str:
    """Format a Decimal-string amount: ru `1 250 000,00 ₽`, en `RUB 1,250,000.00`.

    Spaces in the ru form are non-breaking. Other currencies use the ISO code after the
    number in ru (`1 250,00 USD`) and before it in en. Floats are refused, and digits beyond
    the currency's minor units are shown rather than rounded.
    """
    value = _decimal(amount)
    code = str(currency)
    if not _CURRENCY.match(code):
        raise FilterError("money: the currency must be an ISO 4217 code such as RUB")
    text = _fixed_point(value, _MINOR_UNITS.get(code, 2))
    integer, _, fraction = text.partition(".")
    sign = "-" if value < 0 and not value.is_zero() else ""
    if _locale(locale) is Locale.RU:
        number = _group(integer, NBSP) + ("," + fraction if fraction else "")
        return f"{sign}{number}{NBSP}{_RU_SYMBOLS.get(code, code)}"
    number = _group(integer, ",") + ("." + fraction if fraction else "")
    return f"{code} {sign}{number}"


def _zone(name: object) -> ZoneInfo:
    try:
        return ZoneInfo(str(name))
    except (ZoneInfoNotFoundError, ValueError):
        raise FilterError("unknown time zone") from None


def _aware(value: object) -> datetime:
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            raise FilterError("datetime: not an ISO 8601 date and time") from None
    if not isinstance(value, datetime):
        raise FilterError("datetime: expected a date and time")
    if value.tzinfo is None or value.utcoffset() is None:
        raise FilterError("datetime: naive date and time; an offset or zone is required")
    return value


def _day(value: date, locale: Locale) -> str:
    if locale is Locale.RU:
        return f"{value.day} {_RU_MONTHS[value.month - 1]} {value.year}"
    return f"{value.day} {_EN_MONTHS[value.month - 1]} {value.year}"


def format_date(value: object, locale: object, time_zone: object = None) -> str:
    """Format a date (or ISO date string): ru `15 апреля 2026`, en `15 April 2026`.

    An aware datetime is shown as its date in `time_zone` (its own offset if None).
    """
    if isinstance(value, datetime) or (isinstance(value, str) and "T" in value):
        moment = _aware(value)
        day = (moment.astimezone(_zone(time_zone)) if time_zone else moment).date()
    elif isinstance(value, date):
        day = value
    elif isinstance(value, str):
        try:
            day = date.fromisoformat(value)
        except ValueError:
            raise FilterError("date: not an ISO 8601 date") from None
    else:
        raise FilterError("date: expected a date")
    return _day(day, _locale(locale))


def format_datetime(value: object, locale: object, time_zone: object) -> str:
    """Format an aware datetime in `time_zone`: ru `3 марта 2026, 10:00`, en `3 March 2026, 10:00`.

    The time is shown on the 24-hour clock without a zone name: it is the recipient's own zone.
    """
    local = _aware(value).astimezone(_zone(time_zone))
    return f"{_day(local.date(), _locale(locale))}, {local:%H:%M}"


# --- rendering ---------------------------------------------------------------------------


def _environment(*, autoescape: bool) -> ImmutableSandboxedEnvironment:
    # The immutable sandbox also refuses list.append and dict.update: templates only read.
    env = ImmutableSandboxedEnvironment(undefined=StrictUndefined, autoescape=autoescape)
    env.filters.update(money=format_money, date=format_date, datetime=format_datetime)
    return env


_TEXT = _environment(autoescape=False)
_HTML = _environment(autoescape=True)
_TEMPLATE_FILE = "<template>"
# Jinja messages of these shapes quote a name and a type. The name is repeated in a problem
# only when it is written in the template itself: `{{ x | attr(name) }}` would otherwise
# quote a context value, which may be personal data.
_NAMED_MESSAGES = (
    re.compile(r"^'(?P<name>\w+)' is undefined$"),
    re.compile(r"^'[\w ]+' has no attribute '(?P<name>\w+)'$"),
    re.compile(r"^access to attribute '(?P<name>\w+)' of '[\w ]+' object is unsafe\.$"),
)


@lru_cache(maxsize=512)
def _compile(source: str, html: bool) -> JinjaTemplate:
    return (_HTML if html else _TEXT).from_string(source)


def _template_line(tb: TracebackType | None) -> int | None:
    line = None
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == _TEMPLATE_FILE:
            line = tb.tb_lineno
        tb = tb.tb_next
    return line


def _detail(message: str | None, source: str) -> str:
    for pattern in _NAMED_MESSAGES:
        match = pattern.match(message or "")
        if match is not None and match["name"] in source:
            return f": {message}"
    return ""


def _describe(exc: Exception, source: str) -> str:
    """Say what went wrong without quoting values from the context (they may be personal)."""
    if isinstance(exc, TemplateSyntaxError):
        return f"line {exc.lineno}: syntax error: {exc.message or 'invalid syntax'}"
    line = _template_line(exc.__traceback__)
    where = f"line {line}: " if line is not None else ""
    if isinstance(exc, SecurityError):
        return f"{where}blocked by the sandbox{_detail(exc.message, source)}"
    if isinstance(exc, UndefinedError):
        return f"{where}undefined value{_detail(exc.message, source)}"
    if isinstance(exc, FilterError):
        return f"{where}{exc}"
    return f"{where}rendering failed ({type(exc).__name__})"


def _parts(template: Template) -> tuple[tuple[str, str, bool], ...]:
    return (("subject", template.subject, False), ("body", template.body, template.is_html))


def _render_part(source: str, html: bool, context: Mapping[str, object]) -> str:
    return _compile(source, html).render(dict(context))


def validate_template(template: Template, sample_context: Mapping[str, object]) -> list[str]:
    """List what is wrong with a template; an empty list means it renders with the sample.

    Checks syntax (with the line number), variables the sample does not define (in every
    branch, not only the one the sample takes) and a trial render in the sandbox. Messages
    name lines, variables and types but never quote values from the context.
    """
    problems: list[str] = []
    for part, source, html in _parts(template):
        env = _HTML if html else _TEXT
        try:
            tree = env.parse(source)
        except TemplateSyntaxError as exc:
            problems.append(f"{part}: {_describe(exc, source)}")
            continue
        known = sample_context.keys() | env.globals.keys()
        missing = sorted(meta.find_undeclared_variables(tree) - known)
        problems.extend(f"{part}: undefined variable '{name}'" for name in missing)
        if missing:
            continue
        try:
            _render_part(source, html, sample_context)
        except Exception as exc:
            # Anything a template or a filter raises is a property of the template here.
            problems.append(f"{part}: {_describe(exc, source)}")
    return problems


def render(template: Template, context: Mapping[str, object]) -> Rendered:
    """Render subject and body in the sandbox; raise TemplateRenderError on any problem.

    The subject is collapsed to one line so a value cannot inject mail headers.
    """
    rendered: dict[str, str] = {}
    for part, source, html in _parts(template):
        try:
            rendered[part] = _render_part(source, html, context)
        except Exception as exc:
            # `from None`: the original message may quote context values (personal data).
            raise TemplateRenderError(f"{part}: {_describe(exc, source)}") from None
    return Rendered(subject=" ".join(rendered["subject"].split()), body=rendered["body"].strip())


# --- built-in texts ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Text:
    """One message in one language: `short` alone is the SMS; e-mail and messenger add more.

    Texts are Jinja with three shorthands expanded per locale when the defaults are built:
    `$money(x)` (x with `currency`), `$date(x)` and `$moment(x)` (in the `time_zone` variable).
    """

    subject: str
    short: str
    details: str = ""


_SHORTHAND = re.compile(r"\$(money|date|moment)\((\w+)\)")
_GREETING = {
    Locale.RU: "Здравствуйте, {{ recipient_name }}!",
    Locale.EN: "Hello {{ recipient_name }},",
}
_SIGN_OFF = {
    Locale.RU: "С уважением,<br>{{ sender_name }}",
    Locale.EN: "Kind regards,<br>{{ sender_name }}",
}


_SHORTHAND_FILTERS = {
    "money": ("money", 'currency, "{locale}"'),
    "date": ("date", '"{locale}"'),
    "moment": ("datetime", '"{locale}", time_zone'),
}


def _expand(text: str, locale: Locale) -> str:
    def jinja(match: re.Match[str]) -> str:
        shorthand, name = match.groups()
        filter_name, arguments = _SHORTHAND_FILTERS[shorthand]
        return "{{ " + f"{name} | {filter_name}({arguments.format(locale=locale)})" + " }}"

    return _SHORTHAND.sub(jinja, text)


_RU, _EN = Locale.RU, Locale.EN
_LEAD_NUMBER = {
    _RU: "Номер лида в CRM: {{ lead_id }}.",
    _EN: "Lead number in the CRM: {{ lead_id }}.",
}

_LEAD_TEXTS: dict[EventKind, dict[Locale, _Text]] = {
    EventKind.LEAD_ASSIGNED: {
        _RU: _Text(
            "Новый лид: {{ lead_name }}",
            "Вам назначен лид «{{ lead_name }}». Пожалуйста, свяжитесь с клиентом "
            "до $moment(respond_by).",
            _LEAD_NUMBER[_RU],
        ),
        _EN: _Text(
            "New lead: {{ lead_name }}",
            "The lead “{{ lead_name }}” has been assigned to you. Please get in touch "
            "by $moment(respond_by).",
            _LEAD_NUMBER[_EN],
        ),
    },
    EventKind.LEAD_REASSIGNED: {
        _RU: _Text(
            "Вам передан лид: {{ lead_name }}",
            "Вам передан лид «{{ lead_name }}». Пожалуйста, свяжитесь с клиентом "
            "до $moment(respond_by).",
            _LEAD_NUMBER[_RU],
        ),
        _EN: _Text(
            "Lead passed to you: {{ lead_name }}",
            "The lead “{{ lead_name }}” has been passed to you. Please get in touch "
            "by $moment(respond_by).",
            _LEAD_NUMBER[_EN],
        ),
    },
    EventKind.LEAD_SLA_BREACHED: {
        _RU: _Text(
            "Истёк срок первого контакта: {{ lead_name }}",
            "Срок первого контакта с лидом «{{ lead_name }}» истёк $moment(deadline_at).",
            "Если вы уже связались с клиентом, пожалуйста, отметьте контакт в CRM; "
            "иначе лид может перейти к другому менеджеру.",
        ),
        _EN: _Text(
            "First-contact deadline passed: {{ lead_name }}",
            "The first-contact deadline for the lead “{{ lead_name }}” passed "
            "on $moment(deadline_at).",
            "If you have already been in touch, please log the contact in the CRM; "
            "otherwise the lead may move to another manager.",
        ),
    },
    EventKind.LEAD_SLA_ESCALATED: {
        _RU: _Text(
            "Лид без первого контакта: {{ lead_name }}",
            "Лид «{{ lead_name }}» остался без первого контакта к сроку $moment(deadline_at). "
            "Ответственный менеджер: {{ manager_name }}.",
            _LEAD_NUMBER[_RU],
        ),
        _EN: _Text(
            "Lead not contacted in time: {{ lead_name }}",
            "The lead “{{ lead_name }}” was not contacted by $moment(deadline_at). "
            "Responsible manager: {{ manager_name }}.",
            _LEAD_NUMBER[_EN],
        ),
    },
}

# Client reminders thank, offer help and allow for a payment already on its way: the
# documents warn against sounding like a debt collector.
_CLIENT_PAYMENT_TEXTS: dict[EventKind, dict[Locale, _Text]] = {
    EventKind.PAYMENT_ON_ISSUE: {
        _RU: _Text(
            "Счёт № {{ invoice_number }}: срок оплаты $date(due_date)",
            "По счёту № {{ invoice_number }} к оплате $money(amount) до $date(due_date). "
            "Пожалуйста, отметьте эту дату в календаре.",
            "Если появятся вопросы по счёту, ваш менеджер {{ manager_name }} "
            "с удовольствием поможет.",
        ),
        _EN: _Text(
            "Invoice No. {{ invoice_number }}: due on $date(due_date)",
            "$money(amount) on invoice No. {{ invoice_number }} is due by $date(due_date). "
            "Please note this date in your calendar.",
            "If you have any questions about the invoice, your manager {{ manager_name }} "
            "will be glad to help.",
        ),
    },
    EventKind.PAYMENT_MID_TERM: {
        _RU: _Text(
            "Напоминание об оплате по счёту № {{ invoice_number }}",
            "Напоминаем, что по счёту № {{ invoice_number }} ожидается оплата $money(amount) "
            "до $date(due_date).",
            "Если платёж уже отправлен, пожалуйста, не обращайте внимания на это сообщение. "
            "Спасибо!",
        ),
        _EN: _Text(
            "Payment reminder: invoice No. {{ invoice_number }}",
            "A friendly reminder that $money(amount) on invoice No. {{ invoice_number }} "
            "is due by $date(due_date).",
            "If you have already sent the payment, please disregard this message. Thank you!",
        ),
    },
    EventKind.PAYMENT_DAY_BEFORE: {
        _RU: _Text(
            "Срок оплаты по счёту № {{ invoice_number }}: $date(due_date)",
            "Срок оплаты $money(amount) по счёту № {{ invoice_number }}: $date(due_date).",
            "Если платёж уже отправлен, спасибо, больше ничего делать не нужно. "
            "Если нужна помощь, ваш менеджер {{ manager_name }} всегда на связи.",
        ),
        _EN: _Text(
            "Invoice No. {{ invoice_number }} is due on $date(due_date)",
            "$money(amount) on invoice No. {{ invoice_number }} is due on $date(due_date).",
            "If the payment is already on its way, thank you: there is nothing else to do. "
            "If you need any help, please contact your manager {{ manager_name }}.",
        ),
    },
    EventKind.PAYMENT_OVERDUE: {
        _RU: _Text(
            "Оплата по счёту № {{ invoice_number }}",
            "Мы пока не получили оплату $money(amount) по счёту № {{ invoice_number }} "
            "со сроком $date(due_date).",
            "Возможно, платёж уже в пути: тогда просим не обращать внимания на это сообщение. "
            "Если вам удобнее другой срок, ваш менеджер {{ manager_name }} с радостью "
            "это обсудит.",
        ),
        _EN: _Text(
            "Payment on invoice No. {{ invoice_number }}",
            "We have not yet received $money(amount) on invoice No. {{ invoice_number }}, "
            "which was due on $date(due_date).",
            "The payment may already be on its way; if so, please disregard this message. "
            "If another date would suit you better, your manager {{ manager_name }} will be "
            "happy to discuss it.",
        ),
    },
}

_INVOICE_OF = {
    _RU: "Счёт № {{ invoice_number }} ({{ client_name }}): ",
    _EN: "Invoice No. {{ invoice_number }} ({{ client_name }}): ",
}
_DUE_FACTS = {
    _RU: "Счёт № {{ invoice_number }}, клиент {{ client_name }}: к оплате $money(amount) "
    "до $date(due_date).",
    _EN: "Invoice No. {{ invoice_number }}, client {{ client_name }}: $money(amount) "
    "due by $date(due_date).",
}
_OVERDUE_FACTS = {
    _RU: "Не поступила оплата $money(amount) по счёту № {{ invoice_number }} клиента "
    "{{ client_name }}, срок оплаты был $date(due_date).",
    _EN: "$money(amount) on invoice No. {{ invoice_number }} from {{ client_name }} was due "
    "on $date(due_date) and has not been received.",
}


def _fyi(ru: tuple[str, str], en: tuple[str, str]) -> dict[Locale, _Text]:
    """A manager's copy of a client reminder: (what happened, what the client gets)."""
    return {
        _RU: _Text(_INVOICE_OF[_RU] + ru[0], _DUE_FACTS[_RU], ru[1]),
        _EN: _Text(_INVOICE_OF[_EN] + en[0], _DUE_FACTS[_EN], en[1]),
    }


_STAFF_PAYMENT_TEXTS: dict[EventKind, dict[Locale, _Text]] = {
    EventKind.PAYMENT_ON_ISSUE_MANAGER: _fyi(
        ("выставлен платёж", "Клиент получает уведомление о сроке оплаты."),
        ("payment scheduled", "The client is being told the due date."),
    ),
    EventKind.PAYMENT_MID_TERM_MANAGER: _fyi(
        ("половина срока оплаты", "Клиент получает вежливое напоминание."),
        ("halfway to the due date", "The client is getting a polite reminder."),
    ),
    EventKind.PAYMENT_DAY_BEFORE_MANAGER: _fyi(
        ("подходит срок оплаты", "Клиент получает последнее напоминание о сроке."),
        ("due date is near", "The client is getting the last reminder before the due date."),
    ),
    EventKind.PAYMENT_OVERDUE_MANAGER: {
        _RU: _Text(
            _INVOICE_OF[_RU] + "оплата просрочена",
            _OVERDUE_FACTS[_RU],
            "Возможно, стоит лично связаться с клиентом и узнать, всё ли в порядке.",
        ),
        _EN: _Text(
            _INVOICE_OF[_EN] + "payment overdue",
            _OVERDUE_FACTS[_EN],
            "It may be worth a personal call to check that everything is all right.",
        ),
    },
    EventKind.PAYMENT_OVERDUE_HEAD: {
        _RU: _Text(
            "Просроченный платёж: {{ client_name }}, счёт № {{ invoice_number }}",
            _OVERDUE_FACTS[_RU],
            "Ответственный менеджер: {{ manager_name }}.",
        ),
        _EN: _Text(
            "Overdue payment: {{ client_name }}, invoice No. {{ invoice_number }}",
            _OVERDUE_FACTS[_EN],
            "Responsible manager: {{ manager_name }}.",
        ),
    },
}

_DEAL = {
    _RU: "Сделка «{{ deal_name }}» с клиентом {{ client_name }} на сумму $money(amount)",
    _EN: "The deal “{{ deal_name }}” with {{ client_name }} for $money(amount)",
}


def _segment(ru_name: str, en_name: str) -> dict[Locale, str]:
    return {
        _RU: "Клиент {{ client_name }} перешёл в сегмент "
        f"«{ru_name}» (последняя покупка $date(last_purchase_date)).",
        _EN: "{{ client_name }} has moved to the "
        f"“{en_name}” segment (last purchase on $date(last_purchase_date)).",
    }


_HOT = _segment("горячие", "hot")
_WARM = _segment("тёплые", "warm")
_SLEEPING = _segment("спящие", "sleeping")

_DEAL_AND_CLIENT_TEXTS: dict[EventKind, dict[Locale, _Text]] = {
    EventKind.DEAL_WON: {
        _RU: _Text(
            "Сделка выиграна: {{ deal_name }}",
            _DEAL[_RU] + " выиграна. Менеджер: {{ manager_name }}.",
        ),
        _EN: _Text(
            "Deal won: {{ deal_name }}",
            _DEAL[_EN] + " has been won. Manager: {{ manager_name }}.",
        ),
    },
    EventKind.DEAL_LOST: {
        _RU: _Text(
            "Сделка проиграна: {{ deal_name }}",
            _DEAL[_RU] + " проиграна. Менеджер: {{ manager_name }}.",
            "Причина: {{ lost_reason }}",
        ),
        _EN: _Text(
            "Deal lost: {{ deal_name }}",
            _DEAL[_EN] + " has been lost. Manager: {{ manager_name }}.",
            "Reason: {{ lost_reason }}",
        ),
    },
    EventKind.CONTRACT_RENEWAL_DUE: {
        _RU: _Text(
            "Продление договора № {{ contract_number }} ({{ client_name }})",
            "Подходит срок продления договора № {{ contract_number }} с клиентом "
            "{{ client_name }}: $date(renewal_date).",
            "Хороший повод связаться с клиентом заранее и обсудить условия на следующий период.",
        ),
        _EN: _Text(
            "Contract No. {{ contract_number }} renewal ({{ client_name }})",
            "Contract No. {{ contract_number }} with {{ client_name }} is due for renewal "
            "on $date(renewal_date).",
            "A good moment to get in touch early and talk over the terms for the next period.",
        ),
    },
    EventKind.CADENCE_HOT: {
        _RU: _Text(
            "Горячий клиент: {{ client_name }}",
            _HOT[_RU],
            "Рекомендуемый ритм: раз в неделю сообщение об актуальных предложениях "
            "и полезные письма.",
        ),
        _EN: _Text(
            "Hot client: {{ client_name }}",
            _HOT[_EN],
            "Suggested cadence: a weekly message about current offers, plus useful e-mails.",
        ),
    },
    EventKind.CADENCE_WARM: {
        _RU: _Text(
            "Тёплый клиент: {{ client_name }}",
            _WARM[_RU],
            "Рекомендуемый ритм: звонок раз в две недели; предложите сопутствующие товары.",
        ),
        _EN: _Text(
            "Warm client: {{ client_name }}",
            _WARM[_EN],
            "Suggested cadence: a call every two weeks; offer related products.",
        ),
    },
    EventKind.CADENCE_SLEEPING: {
        _RU: _Text(
            "Спящий клиент: {{ client_name }}",
            _SLEEPING[_RU],
            "Рекомендуем позвонить и узнать причину паузы; можно предложить скидку или подарок.",
        ),
        _EN: _Text(
            "Sleeping client: {{ client_name }}",
            _SLEEPING[_EN],
            "Suggested step: call to learn why they paused; consider offering a discount "
            "or a gift.",
        ),
    },
}


def _for_channel(text: _Text, locale: Locale, channel: Channel) -> Template:
    short, details = _expand(text.short, locale), _expand(text.details, locale)
    if channel is Channel.SMS:
        return Template(subject="", body=short, channel=channel)
    paragraphs = [_GREETING[locale], short] + ([details] if details else [])
    if channel is Channel.MESSENGER:
        return Template(subject="", body="\n\n".join(paragraphs), channel=channel)
    html = "\n".join(f"<p>{p}</p>" for p in [*paragraphs, _SIGN_OFF[locale]])
    return Template(subject=_expand(text.subject, locale), body=html, channel=channel)


_TEMPLATED_CHANNELS = (Channel.EMAIL, Channel.MESSENGER, Channel.SMS)


def _builtins() -> Mapping[TemplateKey, Template]:
    texts = {
        **_LEAD_TEXTS,
        **_CLIENT_PAYMENT_TEXTS,
        **_STAFF_PAYMENT_TEXTS,
        **_DEAL_AND_CLIENT_TEXTS,
    }
    return MappingProxyType(
        {
            TemplateKey(str(kind), channel, locale): _for_channel(text, locale, channel)
            for kind, by_locale in texts.items()
            for locale, text in by_locale.items()
            for channel in _TEMPLATED_CHANNELS
        }
    )


BUILTIN_TEMPLATES: Mapping[TemplateKey, Template] = _builtins()
"""Default texts for every built-in event kind, in ru and en, for e-mail, messenger and SMS."""


def resolve_template(
    key: TemplateKey, overrides: Mapping[TemplateKey, Template] | None = None
) -> Template | None:
    """A team's own template for `key` if it has one, else the built-in default, else None."""
    if overrides is not None and key in overrides:
        return overrides[key]
    return BUILTIN_TEMPLATES.get(key)


# --- what the built-in templates read ------------------------------------------------------

_SAMPLE_COMMON: Mapping[str, object] = {
    "recipient_name": "Анна Смирнова",
    "sender_name": "ООО «Пример»",
    "time_zone": "Europe/Moscow",
}
_SAMPLE_LEAD: Mapping[str, object] = {
    "lead_id": "lead-0001",
    "lead_name": "ООО «Ромашка»",
    "respond_by": "2026-03-03T07:00:00+00:00",
    "deadline_at": "2026-03-03T07:00:00+00:00",
    "manager_name": "Иван Петров",
}
_SAMPLE_PAYMENT: Mapping[str, object] = {
    "invoice_number": "2026-0042",
    "amount": "1250000.00",
    "currency": "RUB",
    "due_date": "2026-04-15",
    "client_name": "ООО «Ромашка»",
    "manager_name": "Иван Петров",
}
_SAMPLE_DEAL: Mapping[str, object] = {
    "deal_name": "Поставка насосов",
    "client_name": "ООО «Ромашка»",
    "manager_name": "Иван Петров",
    "amount": "1250000.00",
    "currency": "RUB",
    "lost_reason": "Выбрали поставщика с более коротким сроком поставки",
}
_SAMPLE_CLIENT: Mapping[str, object] = {
    "client_name": "ООО «Ромашка»",
    "contract_number": "Д-17/2025",
    "renewal_date": "2026-06-30",
    "last_purchase_date": "2026-02-20",
}


_SAMPLES_BY_EVENT_TYPE: Mapping[str, Mapping[str, object]] = {
    "lead.assigned": _SAMPLE_LEAD,
    "lead.reassigned": _SAMPLE_LEAD,
    "lead.sla_breached": _SAMPLE_LEAD,
    "payment.due": _SAMPLE_PAYMENT,
    "deal.stage_changed": _SAMPLE_DEAL,
    "contract.renewal_due": _SAMPLE_CLIENT,
    "client.segment_changed": _SAMPLE_CLIENT,
}


def sample_context(event_kind: str) -> dict[str, object]:
    """Made-up context a built-in kind's templates read: every key a template may use.

    The service layer must supply all of these keys (None for an absent optional value);
    admin tools validate a team's custom template against this sample. Amounts are Decimal
    strings with a `currency`, dates ISO strings, instants aware ISO strings.
    """
    try:
        kind = EventKind(event_kind)
    except ValueError:
        raise KeyError(f"no built-in sample for event kind {event_kind!r}") from None
    return {**_SAMPLE_COMMON, **_SAMPLES_BY_EVENT_TYPE[kind.value.partition(":")[0]]}
