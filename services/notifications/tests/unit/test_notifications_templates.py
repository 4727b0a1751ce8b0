"""Templates: built-in texts in both locales, validation and the sandbox."""

import re

import pytest

from notifications.domain.model import Channel, EventKind, Locale
from notifications.domain.templates import (
    BUILTIN_TEMPLATES,
    NBSP,
    Template,
    TemplateKey,
    TemplateRenderError,
    render,
    resolve_template,
    sample_context,
    validate_template,
)

pytestmark = pytest.mark.unit

PERSONAL = "Иван Секретов +79123456789"
PUSHY = re.compile(
    r"\b(немедленно|обязаны|штраф\w*|пени|суд\w*|долг\w*|immediately|must|penalt\w+|court|debt)\b"
)


def sms(body: str) -> Template:
    return Template(subject="", body=body, channel=Channel.SMS)


def email(subject: str, body: str) -> Template:
    return Template(subject=subject, body=body, channel=Channel.EMAIL)


@pytest.mark.parametrize("key", list(BUILTIN_TEMPLATES), ids=str)
def test_every_builtin_template_renders_with_its_sample(key: TemplateKey) -> None:
    template = BUILTIN_TEMPLATES[key]
    context = sample_context(key.event_kind)

    assert validate_template(template, context) == []
    rendered = render(template, context)
    assert rendered.body
    assert "{{" not in rendered.body and "{{" not in rendered.subject
    assert bool(rendered.subject) is (key.channel is Channel.EMAIL)


def test_builtins_cover_every_kind_in_both_locales_and_three_channels() -> None:
    expected = {
        TemplateKey(kind, channel, locale)
        for kind in EventKind
        for channel in (Channel.EMAIL, Channel.MESSENGER, Channel.SMS)
        for locale in Locale
    }
    assert set(BUILTIN_TEMPLATES) == expected


def test_russian_reminder_reads_as_expected() -> None:
    key = TemplateKey(EventKind.PAYMENT_DAY_BEFORE, Channel.SMS, Locale.RU)
    rendered = render(BUILTIN_TEMPLATES[key], sample_context(key.event_kind))
    amount = f"1{NBSP}250{NBSP}000,00{NBSP}₽"
    assert rendered.body == f"Срок оплаты {amount} по счёту № 2026-0042: 15 апреля 2026."


def test_english_lead_message_shows_the_deadline_in_the_recipients_zone() -> None:
    key = TemplateKey(EventKind.LEAD_ASSIGNED, Channel.MESSENGER, Locale.EN)
    context = {**sample_context(key.event_kind), "time_zone": "Asia/Yekaterinburg"}
    rendered = render(BUILTIN_TEMPLATES[key], context)
    assert "Please get in touch by 3 March 2026, 12:00." in rendered.body


def test_english_reminder_reads_as_expected() -> None:
    key = TemplateKey(EventKind.PAYMENT_DAY_BEFORE, Channel.SMS, Locale.EN)
    rendered = render(BUILTIN_TEMPLATES[key], sample_context(key.event_kind))
    amount = f"RUB{NBSP}1,250,000.00"
    assert rendered.body == f"{amount} on invoice No. 2026-0042 is due on 15 April 2026."


def test_an_overdue_task_tells_the_assignee_its_title_and_due_time_in_their_zone() -> None:
    key = TemplateKey(EventKind.TASK_OVERDUE, Channel.SMS, Locale.RU)
    # Due 07:00 UTC: 12:00 in Yekaterinburg (UTC+5), not the 10:00 of Moscow.
    context = {**sample_context(key.event_kind), "time_zone": "Asia/Yekaterinburg"}
    rendered = render(BUILTIN_TEMPLATES[key], context)
    assert rendered.body == (
        "Задача просрочена: Перезвонить по коммерческому предложению, срок 3 марта 2026, 12:00."
    )
    email = TemplateKey(EventKind.TASK_OVERDUE, Channel.EMAIL, Locale.EN)
    rendered = render(BUILTIN_TEMPLATES[email], sample_context(email.event_kind))
    assert rendered.subject == "Task overdue: Перезвонить по коммерческому предложению"
    assert "due 3 March 2026, 10:00." in rendered.body


def test_an_overdue_task_tells_the_team_lead_whose_task_it_is() -> None:
    for locale, text in [
        (
            Locale.RU,
            "Задача «Перезвонить по коммерческому предложению» просрочена: срок был "
            "3 марта 2026, 10:00. Ответственный менеджер: Иван Петров.",
        ),
        (
            Locale.EN,
            "The task “Перезвонить по коммерческому предложению” is overdue: it was due "
            "3 March 2026, 10:00. Responsible manager: Иван Петров.",
        ),
    ]:
        key = TemplateKey(EventKind.TASK_OVERDUE_TEAM_LEAD, Channel.MESSENGER, locale)
        rendered = render(BUILTIN_TEMPLATES[key], sample_context(key.event_kind))
        assert text in rendered.body
    subject = TemplateKey(EventKind.TASK_OVERDUE_TEAM_LEAD, Channel.EMAIL, Locale.RU)
    rendered = render(BUILTIN_TEMPLATES[subject], sample_context(subject.event_kind))
    assert rendered.subject == (
        "Задача просрочена: Перезвонить по коммерческому предложению (Иван Петров)"
    )


def test_a_task_title_is_escaped_in_the_email_body() -> None:
    key = TemplateKey(EventKind.TASK_OVERDUE, Channel.EMAIL, Locale.RU)
    context = {**sample_context(key.event_kind), "task_title": "<b>Счёт & договор</b>"}
    rendered = render(BUILTIN_TEMPLATES[key], context)
    assert "&lt;b&gt;Счёт &amp; договор&lt;/b&gt;" in rendered.body
    assert rendered.subject == "Задача просрочена: <b>Счёт & договор</b>"


def test_a_meeting_reminder_reads_title_local_time_and_place_in_both_languages() -> None:
    # Starts 07:00 UTC: 10:00 in Moscow (the sample's zone), 12:00 in Yekaterinburg (UTC+5).
    title, place = "Демонстрация оборудования", "Офис клиента, ул. Ленина, 5"
    ru = TemplateKey(EventKind.MEETING_REMINDER_DUE, Channel.SMS, Locale.RU)
    rendered = render(BUILTIN_TEMPLATES[ru], sample_context(ru.event_kind))
    assert rendered.body == f"Встреча «{title}» в 10:00, {place}"
    en = TemplateKey(EventKind.MEETING_REMINDER_DUE, Channel.MESSENGER, Locale.EN)
    context = {**sample_context(en.event_kind), "time_zone": "Asia/Yekaterinburg"}
    rendered = render(BUILTIN_TEMPLATES[en], context)
    assert rendered.body == f"Hello Анна Смирнова,\n\nMeeting “{title}” at 12:00, {place}"
    email = TemplateKey(EventKind.MEETING_REMINDER_DUE, Channel.EMAIL, Locale.RU)
    rendered = render(BUILTIN_TEMPLATES[email], sample_context(email.event_kind))
    assert rendered.subject == f"Встреча «{title}» в 10:00"
    assert f"<p>Встреча «{title}» в 10:00, {place}</p>" in rendered.body
    assert "Организатор: Иван Петров." in rendered.body


def test_a_meeting_online_shows_its_link_and_one_with_neither_stops_after_the_time() -> None:
    key = TemplateKey(EventKind.MEETING_REMINDER_DUE, Channel.SMS, Locale.EN)
    link = "https://meet.example.com/x?a=1&b=2"
    context = {**sample_context(key.event_kind), "where": link}
    rendered = render(BUILTIN_TEMPLATES[key], context)
    assert rendered.body == f"Meeting “Демонстрация оборудования” at 10:00, {link}"
    nowhere = {**sample_context(key.event_kind), "where": None}
    rendered = render(BUILTIN_TEMPLATES[key], nowhere)
    assert rendered.body == "Meeting “Демонстрация оборудования” at 10:00"


def test_a_meeting_title_and_link_are_escaped_in_the_email_body() -> None:
    key = TemplateKey(EventKind.MEETING_REMINDER_DUE, Channel.EMAIL, Locale.EN)
    context = {
        **sample_context(key.event_kind),
        "meeting_title": "<b>Q&A</b>",
        "where": "https://meet.example.com/x?a=1&b=2",
    }
    rendered = render(BUILTIN_TEMPLATES[key], context)
    assert "Meeting “&lt;b&gt;Q&amp;A&lt;/b&gt;” at 10:00" in rendered.body
    assert "https://meet.example.com/x?a=1&amp;b=2" in rendered.body
    assert rendered.subject == "Meeting “<b>Q&A</b>” at 10:00"


@pytest.mark.parametrize("kind", [k for k in EventKind if k.startswith("payment.due:")])
def test_client_and_staff_payment_texts_are_polite_not_pushy(kind: EventKind) -> None:
    for locale in Locale:
        text = render(
            BUILTIN_TEMPLATES[TemplateKey(kind, Channel.EMAIL, locale)], sample_context(kind)
        ).body.lower()
        assert not PUSHY.search(text)


def test_email_body_escapes_html_but_subject_stays_plain_text() -> None:
    key = TemplateKey(EventKind.LEAD_ASSIGNED, Channel.EMAIL, Locale.RU)
    context = {**sample_context(key.event_kind), "lead_name": "<b>Tom & Jerry</b>"}
    rendered = render(BUILTIN_TEMPLATES[key], context)
    assert "&lt;b&gt;Tom &amp; Jerry&lt;/b&gt;" in rendered.body
    assert rendered.subject == "Новый лид: <b>Tom & Jerry</b>"


def test_sms_and_messenger_bodies_are_not_escaped() -> None:
    assert render(sms("{{ x }}"), {"x": "A & B <c>"}).body == "A & B <c>"


def test_subject_is_collapsed_to_one_line() -> None:
    rendered = render(email("Re: {{ x }}", "ok"), {"x": "a\r\nBcc: victim@example.com"})
    assert rendered.subject == "Re: a Bcc: victim@example.com"


def test_syntax_error_is_refused_with_its_line_number() -> None:
    problems = validate_template(sms("Hello\n{{ name }\nbye"), {"name": "x"})
    assert len(problems) == 1
    assert problems[0].startswith("body: line 2: syntax error")


def test_undefined_variable_is_refused_even_in_a_branch_the_sample_skips() -> None:
    template = email("{{ subjct }}", "{% if paid %}{{ thanks }}{% endif %}")
    assert validate_template(template, {"paid": False}) == [
        "subject: undefined variable 'subjct'",
        "body: undefined variable 'thanks'",
    ]


def test_undefined_attribute_is_refused_at_trial_render() -> None:
    problems = validate_template(sms("{{ client.nmae }}"), {"client": {"name": PERSONAL}})
    assert problems == ["body: line 1: undefined value: 'dict object' has no attribute 'nmae'"]


@pytest.mark.parametrize(
    "source",
    [
        "{{ ''.__class__.__mro__ }}",
        "{{ name.__class__.__base__.__subclasses__() }}",
        "{{ cycler.__init__.__globals__ }}",
        "{{ items.append(1) }}",
    ],
)
def test_sandbox_blocks_reaching_into_python(source: str) -> None:
    problems = validate_template(sms(source), {"name": PERSONAL, "items": [1]})
    assert len(problems) == 1
    assert "blocked by the sandbox" in problems[0]
    with pytest.raises(TemplateRenderError, match="sandbox"):
        render(sms(source), {"name": PERSONAL, "items": [1]})


def test_problems_never_quote_personal_data_from_the_context() -> None:
    context = {"name": PERSONAL, "first": "Ivan"}
    sources = [
        "{{ name | attr(first) }}",
        "{{ name | attr(name) }}",
        "{{ name | attr('_' ~ name) }}",
        "{{ name | money('RUB', 'ru') }}",
        "{{ {}[name] }}",
        "{{ name / 0 }}",
        "{{ name | date('ru') }}",
    ]
    for source in sources:
        problems = validate_template(sms(source), context)
        assert problems, source
        assert all("Иван" not in p and "7912" not in p and "'Ivan" not in p for p in problems)
        with pytest.raises(TemplateRenderError) as caught:
            render(sms(source), context)
        assert "Иван" not in str(caught.value)
        assert caught.value.__cause__ is None
        assert caught.value.__suppress_context__


def test_names_written_in_the_template_are_quoted_in_problems() -> None:
    problems = validate_template(sms("{{ name | attr('nmae') }}"), {"name": "x"})
    assert problems == ["body: line 1: undefined value: 'str object' has no attribute 'nmae'"]


def test_render_reports_a_missing_variable_without_its_neighbours_values() -> None:
    with pytest.raises(TemplateRenderError, match=r"body: line 1: undefined value: 'lead' is"):
        render(sms("{{ name }} {{ lead }}"), {"name": PERSONAL})


def test_webhook_templates_do_not_exist() -> None:
    with pytest.raises(ValueError, match="webhook"):
        Template(subject="", body="{}", channel=Channel.WEBHOOK)


def test_team_override_wins_over_builtin_and_unknown_key_is_none() -> None:
    key = TemplateKey(EventKind.CADENCE_HOT, Channel.SMS, Locale.EN)
    own = sms("Hot: {{ client_name }}")
    assert resolve_template(key, {key: own}) is own
    assert resolve_template(key) is BUILTIN_TEMPLATES[key]
    assert resolve_template(TemplateKey("custom.kind", Channel.SMS, Locale.EN)) is None


def test_sample_context_is_a_fresh_copy_and_unknown_kinds_have_none() -> None:
    sample = sample_context(EventKind.DEAL_LOST)
    sample["amount"] = "0"
    assert sample_context(EventKind.DEAL_LOST)["amount"] == "1250000.00"
    with pytest.raises(KeyError):
        sample_context("custom.kind")


def test_a_template_that_writes_too_much_stops_at_the_limit() -> None:
    endless = sms("{% for i in range(1000) %}{% for j in range(1000) %}xx{% endfor %}{% endfor %}")
    with pytest.raises(TemplateRenderError, match="longer than 100000 characters"):
        render(endless, {})


def test_a_range_longer_than_the_sandbox_allows_is_refused() -> None:
    with pytest.raises(TemplateRenderError, match=r"range\(\) longer than 1000"):
        render(sms("{% for i in range(10**6) %}{% endfor %}"), {})
    assert render(sms("{{ range(3) | list | length }}"), {}).body == "3"
