"""Notification templates: built-in texts as files, Babel formatting filters, a Jinja sandbox."""

from notifications.domain.templates.builtin import (
    BUILTIN_TEMPLATES,
    TEMPLATED_CHANNELS,
    resolve_template,
)
from notifications.domain.templates.formatting import (
    NBSP,
    FilterError,
    format_date,
    format_datetime,
    format_money,
    format_number,
    format_time,
)
from notifications.domain.templates.samples import sample_context
from notifications.domain.templates.sandbox import (
    TemplateRenderError,
    render,
    validate_template,
)
from notifications.domain.templates.template import Rendered, Template, TemplateKey

__all__ = [
    "BUILTIN_TEMPLATES",
    "NBSP",
    "TEMPLATED_CHANNELS",
    "FilterError",
    "Rendered",
    "Template",
    "TemplateKey",
    "TemplateRenderError",
    "format_date",
    "format_datetime",
    "format_money",
    "format_number",
    "format_time",
    "render",
    "resolve_template",
    "sample_context",
    "validate_template",
]
