"""Report results as JSON-ready values and as CSV rows: Decimal as strings, never floats."""

from __future__ import annotations

import csv
import dataclasses
import io
from collections.abc import Iterable, Mapping
from datetime import date, datetime, timedelta
from decimal import Decimal
from enum import Enum
from typing import Any


def plain(value: Any) -> Any:
    """Dataclasses, Decimals, durations and dates as JSON values (money stays exact)."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, Mapping):
        return {str(plain(k)): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [plain(v) for v in value]
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, timedelta):
        return int(value.total_seconds())
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    return value


def flatten(value: Any, prefix: str = "") -> dict[str, Any]:
    """One CSV row from a nested JSON value: keys joined with dots."""
    row: dict[str, Any] = {}
    if isinstance(value, Mapping):
        for key, inner in value.items():
            row.update(flatten(inner, f"{prefix}.{key}" if prefix else str(key)))
    elif isinstance(value, list):
        for index, inner in enumerate(value):
            row.update(flatten(inner, f"{prefix}.{index}" if prefix else str(index)))
    else:
        row[prefix or "value"] = value
    return row


def to_csv(rows: Iterable[Mapping[str, Any]]) -> str:
    """CSV text with a header that is the union of every row's keys, in first-seen order."""
    materialised = [flatten(row) for row in rows]
    header: list[str] = []
    for row in materialised:
        header += [key for key in row if key not in header]
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=header or ["value"], lineterminator="\n")
    writer.writeheader()
    writer.writerows(materialised)
    return out.getvalue()


def rows_of(value: Any, key_name: str = "key") -> list[dict[str, Any]]:
    """A report as table rows: a mapping becomes one row per key, a list one row per item."""
    if isinstance(value, Mapping) and value and all(isinstance(v, Mapping) for v in value.values()):
        return [{key_name: k, **dict(v)} for k, v in value.items()]
    if (
        isinstance(value, Mapping)
        and value
        and all(not isinstance(v, Mapping | list) for v in value.values())
    ):
        return [{key_name: k, "value": v} for k, v in value.items()]
    if isinstance(value, list):
        return [dict(v) if isinstance(v, Mapping) else {"value": v} for v in value]
    return [dict(value)] if isinstance(value, Mapping) else [{"value": value}]
