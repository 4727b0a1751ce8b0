"""One measured figure as a plain dict, its verdict against the target, and the run's table."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any, Literal

Figure = dict[str, Any]
Verdict = Literal["pass", "miss", "info", "error", "pending"]


def figure(
    key: str,
    what: str,
    value: float | None,
    unit: str,
    *,
    baseline: float | None = None,
    target: str = "",
    verdict: Verdict = "info",
    parameters: dict[str, Any] | None = None,
    note: str = "",
) -> Figure:
    """A result row; `ratio` is value ÷ baseline when there is a baseline."""
    ratio = (
        round(value / baseline, 2)
        if value is not None and baseline and not math.isnan(value)
        else None
    )
    return {
        "figure": key,
        "what": what,
        "value": _rounded(value),
        "unit": unit,
        "baseline": _rounded(baseline),
        "ratio": ratio,
        "target": target,
        "verdict": verdict,
        "parameters": parameters or {},
        "note": note,
    }


def at_least(value: float | None, bound: float) -> Verdict:
    """pass when value ≥ bound."""
    return "pass" if value is not None and not math.isnan(value) and value >= bound else "miss"


def at_most(value: float | None, bound: float) -> Verdict:
    """pass when value ≤ bound."""
    return "pass" if value is not None and not math.isnan(value) and value <= bound else "miss"


def failed(key: str, what: str, error: BaseException | str, **parameters: Any) -> Figure:
    """The row of a figure whose benchmark broke: the run goes on."""
    message = error if isinstance(error, str) else f"{type(error).__name__}: {error}"
    first = message.strip().splitlines()[0] if message.strip() else "error"
    return figure(key, what, None, "", verdict="error", parameters=parameters, note=first[:160])


def _rounded(value: float | None) -> float | None:
    if value is None or math.isnan(value):
        return None
    return round(value, 3) if abs(value) < 10 else round(value, 1)


def _shown(value: float | None, unit: str) -> str:
    if value is None:
        return "—"
    text = f"{value:,.0f}" if abs(value) >= 100 else f"{value:g}"
    return f"{text} {unit}".strip()


def table(rows: Sequence[Figure]) -> str:
    """The figures as a Markdown table, ready to paste."""
    lines = [
        "| figure | what | measured | baseline | ratio | target | result | notes |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for row in rows:
        cells = [
            row["figure"],
            row["what"],
            _shown(row["value"], row["unit"]),
            _shown(row["baseline"], row["unit"]),
            "—" if row["ratio"] is None else f"{row['ratio']:.2f}",
            row["target"] or "—",
            row["verdict"],
            row["note"].replace("|", "/"),
        ]
        lines.append("| " + " | ".join(str(cell) for cell in cells) + " |")
    return "\n".join(lines)
