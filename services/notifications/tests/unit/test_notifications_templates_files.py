"""The shipped template files: each one renders in its locale with the sample context."""

import re
from importlib.resources import files
from importlib.resources.abc import Traversable
from typing import Literal

import pytest

from notifications.domain.model import Channel, EventKind, Locale
from notifications.domain.templates import (
    BUILTIN_TEMPLATES,
    NBSP,
    TEMPLATED_CHANNELS,
    Template,
    TemplateKey,
    render,
    sample_context,
    validate_template,
)
from notifications.domain.templates.builtin import text_file

pytestmark = pytest.mark.unit

TEXTS = files("notifications.domain.templates") / "texts"
# The sample's figures as each locale writes them (amount 1250000.00 RUB, due 2026-04-15,
# instant 2026-03-03T07:00Z shown in Europe/Moscow, UTC+3; a meeting's start as its time;
# a proposal valid until 2026-03-16).
FIGURES = {
    Locale.RU: {
        "amount": f"1{NBSP}250{NBSP}000,00{NBSP}₽",
        "due_date": "15 апреля 2026",
        "respond_by": "3 марта 2026, 10:00",
        "deadline_at": "3 марта 2026, 10:00",
        "renewal_date": "30 июня 2026",
        "last_purchase_date": "20 февраля 2026",
        "due_at": "3 марта 2026, 10:00",
        "starts_at": "в 10:00",
        "valid_until": "16 марта 2026",
    },
    Locale.EN: {
        "amount": f"RUB{NBSP}1,250,000.00",
        "due_date": "15 April 2026",
        "respond_by": "3 March 2026, 10:00",
        "deadline_at": "3 March 2026, 10:00",
        "renewal_date": "30 June 2026",
        "last_purchase_date": "20 February 2026",
        "due_at": "3 March 2026, 10:00",
        "starts_at": "at 10:00",
        "valid_until": "16 March 2026",
    },
}
FILTER_LOCALE = re.compile(
    r"\|\s*(?:money|number|date|datetime|time)\((?:[^)]*?,\s*)?[\"'](\w+)[\"']"
)


def shipped(folder: Traversable = TEXTS, prefix: str = "") -> set[str]:
    """Every file under `texts/`, as a `/`-separated path."""
    found: set[str] = set()
    for entry in folder.iterdir():
        if entry.is_dir():
            found |= shipped(entry, f"{prefix}{entry.name}/")
        else:
            found.add(prefix + entry.name)
    return found


def read(key: TemplateKey, part: Literal["subject", "body"]) -> str:
    return TEXTS.joinpath(*text_file(key, part).split("/")).read_text(encoding="utf-8")


def test_every_shipped_file_is_a_built_in_template_and_every_built_in_has_its_files() -> None:
    bodies = {text_file(key, "body") for key in BUILTIN_TEMPLATES}
    subjects = {
        text_file(key, "subject") for key in BUILTIN_TEMPLATES if key.channel is Channel.EMAIL
    }
    expected = bodies | subjects
    assert shipped() == expected
    # 25 kinds x 2 locales x (e-mail subject and body, messenger, SMS).
    assert len(expected) == len(EventKind) * len(Locale) * 4 == 200


@pytest.mark.parametrize(
    ("kind", "channel", "locale"),
    [(k, c, loc) for k in EventKind for c in TEMPLATED_CHANNELS for loc in Locale],
    ids=str,
)
def test_each_shipped_file_renders_in_its_locale_with_the_sample(
    kind: EventKind, channel: Channel, locale: Locale
) -> None:
    key = TemplateKey(kind.value, channel, locale)
    body = read(key, "body")
    subject = read(key, "subject") if channel is Channel.EMAIL else ""
    template = Template(subject=subject, body=body, channel=channel)
    context = sample_context(kind)

    assert validate_template(template, context) == []
    rendered = render(template, context)
    assert rendered.body and "{{" not in rendered.body and "{%" not in rendered.body
    assert bool(rendered.subject) is (channel is Channel.EMAIL)
    # Each figure the file shows is written the way its own locale writes it.
    for variable, figure in FIGURES[locale].items():
        if re.search(rf"{{{{\s*{variable}\s*\|", body):
            assert figure in rendered.body, variable
    # Filters are called with the file's own locale, never the other one.
    assert set(FILTER_LOCALE.findall(subject + body)) <= {locale.value}


def test_built_ins_are_the_shipped_files_without_the_final_newline() -> None:
    key = TemplateKey(EventKind.PAYMENT_OVERDUE, Channel.SMS, Locale.RU)
    text = read(key, "body")
    assert text.endswith(".\n")
    assert BUILTIN_TEMPLATES[key].body == text[:-1]
    assert BUILTIN_TEMPLATES[key].body == (
        'Мы пока не получили оплату {{ amount | money(currency, "ru") }} по счёту '
        '№ {{ invoice_number }} со сроком {{ due_date | date("ru") }}.'
    )


def test_kind_parts_are_folders() -> None:
    key = TemplateKey(EventKind.PAYMENT_OVERDUE_MANAGER, Channel.EMAIL, Locale.EN)
    assert text_file(key, "subject") == "payment.due/overdue/manager/email.subject.en.j2"
    assert text_file(key, "body") == "payment.due/overdue/manager/email.en.j2"
