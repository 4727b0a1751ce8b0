"""Proposals and invoices as PDF: HTML from Jinja2 templates, laid out by WeasyPrint.

The text is set in DejaVu Sans, embedded from the file Debian's fonts-dejavu-core installs,
so Cyrillic prints the same on any machine; without the file rendering stops with a message
saying what to install rather than falling back to a font without Cyrillic. WeasyPrint needs
Pango (Debian's libpango-1.0-0 and libpangoft2-1.0-0); `bash deploy/local/tools.sh` installs
both. Every value from a document is HTML-escaped by the templates (autoescape).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

import jinja2

from deals.domain.amount_words import amount_in_words
from deals.domain.documents import CommercialDocument, DocumentKind
from deals.domain.money import Money

TEMPLATES = Path(__file__).with_name("document_templates")

FONT_FILE = "DejaVuSans.ttf"
BOLD_FONT_FILE = "DejaVuSans-Bold.ttf"
FONT_DIRS: tuple[Path, ...] = (
    Path("/usr/share/fonts/truetype/dejavu"),  # Debian, Ubuntu (fonts-dejavu-core)
    Path("/usr/share/fonts/dejavu"),  # Fedora, Alpine
    Path("/usr/share/fonts/TTF"),  # Arch
)

NBSP = "\u00a0"

CURRENCY_LABELS = {"RUB": "руб.", "USD": "долл. США", "EUR": "евро"}
"""How a column heading or total names the currency; other currencies print their code."""


class FontMissing(RuntimeError):
    """DejaVu Sans is not installed where we look for it."""


class PdfUnavailable(RuntimeError):
    """WeasyPrint cannot run here: its system libraries (Pango) are missing."""


@dataclass(frozen=True, slots=True)
class Fonts:
    """The font files embedded in documents: regular, and bold if installed."""

    regular: Path
    bold: Path | None = None

    @property
    def regular_url(self) -> str:
        """The regular face as a file URL for @font-face."""
        return self.regular.as_uri()

    @property
    def bold_url(self) -> str | None:
        """The bold face as a file URL, or None to let Pango embolden the regular one."""
        return self.bold.as_uri() if self.bold is not None else None


def find_fonts(dirs: Sequence[Path] = FONT_DIRS) -> Fonts:
    """DejaVu Sans from the first folder that holds it; FontMissing names what to install."""
    for folder in dirs:
        regular = folder / FONT_FILE
        if regular.is_file():
            bold = folder / BOLD_FONT_FILE
            return Fonts(regular.resolve(), bold.resolve() if bold.is_file() else None)
    looked = ", ".join(str(folder) for folder in dirs)
    raise FontMissing(
        f"{FONT_FILE} (DejaVu Sans, a font with Cyrillic) was not found in {looked}; install "
        "Debian's fonts-dejavu-core (`apt-get install fonts-dejavu-core`, or run "
        "`bash deploy/local/tools.sh`)"
    )


def format_amount(value: Money | Decimal) -> str:
    """`123 456,78`: Russian digit groups (non-breaking spaces) and a decimal comma."""
    amount = value.amount if isinstance(value, Money) else value
    text = f"{amount:,f}"
    return text.replace(",", NBSP).replace(".", ",")


def format_number(value: Decimal) -> str:
    """A quantity or percent without trailing zeros: `2`, `1,5`, `12,25`."""
    text = f"{value.normalize():f}"
    whole, _, fraction = text.partition(".")
    whole = f"{int(whole):,}".replace(",", NBSP) if whole.lstrip("-").isdigit() else whole
    return f"{whole},{fraction}" if fraction else whole


def format_percent(value: Decimal | None) -> str:
    """`20%`, `12,5%`; an empty dash for None or zero."""
    if value is None or value.is_zero():
        return "—"
    return f"{format_number(value)}%"


def format_date(value: date) -> str:
    """`05.03.2026`, as Russian documents date themselves."""
    return value.strftime("%d.%m.%Y")


def currency_label(currency: str) -> str:
    """`руб.` for RUB, the ISO code for a currency without a Russian label here."""
    return CURRENCY_LABELS.get(currency, currency)


@cache
def _environment() -> jinja2.Environment:
    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.filters.update(
        amount=format_amount,
        number=format_number,
        percent=format_percent,
        date=format_date,
        currency=currency_label,
    )
    return environment


def document_html(document: CommercialDocument, fonts: Fonts) -> str:
    """The document as HTML (the template for its kind), every value escaped."""
    template = _environment().get_template(f"{document.kind.value}.html")
    context: dict[str, Any] = {
        "doc": document,
        "fonts": fonts,
        "total_in_words": amount_in_words(document.total),
        "is_proposal": document.kind is DocumentKind.PROPOSAL,
    }
    return template.render(context)


def render_pdf(document: CommercialDocument, *, font_dirs: Sequence[Path] = FONT_DIRS) -> bytes:
    """The document as a PDF with DejaVu Sans embedded.

    Raises MissingRequisites when the document lacks what it must carry (the buyer's INN…),
    FontMissing without DejaVu Sans and PdfUnavailable without Pango.
    """
    document.require_complete()
    fonts = find_fonts(font_dirs)
    html = document_html(document, fonts)
    try:
        # Imported here: WeasyPrint loads Pango on import, and a service that never renders
        # a document should start without it.
        from weasyprint import HTML  # type: ignore[import-untyped]
        from weasyprint.urls import URLFetcher  # type: ignore[import-untyped]
    except OSError as error:
        raise PdfUnavailable(
            f"WeasyPrint cannot load its system libraries ({error}); install Debian's "
            "libpango-1.0-0 and libpangoft2-1.0-0 (or run `bash deploy/local/tools.sh`)"
        ) from error
    # Only local files (the fonts) may be fetched, and a font that fails to load stops the
    # rendering instead of a PDF without Cyrillic.
    fetcher = URLFetcher(allowed_protocols=("file",), fail_on_errors=True)
    pdf = HTML(string=html, base_url=str(TEMPLATES), url_fetcher=fetcher).write_pdf()
    if not isinstance(pdf, bytes):
        raise TypeError(f"WeasyPrint returned {type(pdf).__name__}, not bytes")
    return pdf
