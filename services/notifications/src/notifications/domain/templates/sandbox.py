"""Rendering and validating templates in Jinja's immutable sandbox, without leaking values."""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import lru_cache
from types import TracebackType

from jinja2 import StrictUndefined, TemplateSyntaxError, meta
from jinja2 import Template as JinjaTemplate
from jinja2.exceptions import SecurityError, UndefinedError
from jinja2.sandbox import ImmutableSandboxedEnvironment

from notifications.domain.templates.formatting import FILTERS, FilterError
from notifications.domain.templates.template import Rendered, Template


class TemplateRenderError(ValueError):
    """A template could not be rendered; `problem` says why without quoting context values."""

    def __init__(self, problem: str) -> None:
        super().__init__(problem)
        self.problem = problem


MAX_OUTPUT_CHARS = 100_000
"""The longest subject or body a template may produce (a message, not a document)."""
MAX_RANGE = 1_000
"""The most numbers one `range()` in a template may yield (Jinja allows 100,000)."""


def _small_range(*args: int) -> range:
    numbers = range(*args)
    if len(numbers) > MAX_RANGE:
        raise OverflowError(f"range() longer than {MAX_RANGE}")
    return numbers


def _environment(*, autoescape: bool) -> ImmutableSandboxedEnvironment:
    # The immutable sandbox also refuses list.append and dict.update: templates only read.
    env = ImmutableSandboxedEnvironment(undefined=StrictUndefined, autoescape=autoescape)
    env.filters.update(FILTERS)
    env.globals["range"] = _small_range
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
    if isinstance(exc, FilterError | OutputTooLong | OverflowError):
        return f"{where}{exc}"
    return f"{where}rendering failed ({type(exc).__name__})"


def _parts(template: Template) -> tuple[tuple[str, str, bool], ...]:
    return (("subject", template.subject, False), ("body", template.body, template.is_html))


class OutputTooLong(Exception):
    """A template produced more than MAX_OUTPUT_CHARS."""


def _render_part(source: str, html: bool, context: Mapping[str, object]) -> str:
    """Render chunk by chunk, stopping as soon as the output passes MAX_OUTPUT_CHARS."""
    chunks: list[str] = []
    size = 0
    for chunk in _compile(source, html).generate(dict(context)):
        size += len(chunk)
        if size > MAX_OUTPUT_CHARS:
            raise OutputTooLong(f"output longer than {MAX_OUTPUT_CHARS} characters")
        chunks.append(chunk)
    return "".join(chunks)


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
