"""TEXT: what reading the request text costs lead intake, against scoring without the text.

`uv run --frozen --no-sync python benchmarks/text_reading.py [--rounds N]` (also as
`python -m benchmarks.text_reading` from the repository root). No Kafka, no database: it times
the pure code intake runs for each new lead, `score_lead`, on the texts of the hand-worked
table (`services/leads/tests/unit/test_leads_request_reading.py`), in one process:

- *with text*: `score_lead` on the request text, which runs `read_request` (quantity, budget,
  deadline by `dateparser`, product by `pymorphy3`, urgency) and scores what it read;
- *bare* (the baseline, in the same run, interleaved request by request): `score_lead` on the
  same signals without the text, the scoring intake did before text was read.

Both read the team's time zone and product terms as intake does. Each is timed per request
(p50, p95 of every request of every round). "cold words" clears the word cache of
`product_reading` before each request: a text of words the process has not seen yet.
The import, the dictionaries' load and the first request with a date are timed once.
"""

from __future__ import annotations

import argparse
import importlib.util
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from types import ModuleType

sys.path.insert(0, str(Path(__file__).resolve().parent))  # figures.py, as suite.py has it
from figures import Figure, figure, table

ROOT = Path(__file__).resolve().parent.parent
TABLE = ROOT / "services/leads/tests/unit/test_leads_request_reading.py"
AT = datetime(2026, 3, 2, 7, 0, tzinfo=UTC)
TIME_ZONE = "Europe/Moscow"
TERMS = ("станок ЧПУ", "Grundfos", "кондиционер")


def _table() -> ModuleType:
    spec = importlib.util.spec_from_file_location("leads_request_table", TABLE)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _rss_mb() -> float:
    status = Path("/proc/self/status").read_text().splitlines()
    return next(int(line.split()[1]) for line in status if line.startswith("VmRSS:")) / 1024


def _percentile(samples: Sequence[float], share: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def run(rounds: int) -> list[Figure]:
    """Every TEXT figure: per-request cost with the text against without, and the first call."""
    started = time.perf_counter()
    from leads.domain import product_reading
    from leads.domain.priority import LeadSignals, score_lead
    from leads.domain.product_reading import ProductTerms

    imported_ms = (time.perf_counter() - started) * 1000
    started, rss_before = time.perf_counter(), _rss_mb()
    product_reading._morph()  # what the first `ProductTerms.of` does at start: the dictionaries
    dictionaries_ms = (time.perf_counter() - started) * 1000
    dictionaries_mb = _rss_mb() - rss_before
    texts = [row[0] for row in _table().REQUESTS]
    terms = ProductTerms.of(TERMS)

    def with_text(text: str) -> Callable[[], object]:
        signals = LeadSignals("web_form", AT, time_zone=TIME_ZONE, request_text=text)
        return lambda: score_lead(signals, products=terms)

    def bare(text: str) -> Callable[[], object]:
        signals = LeadSignals("web_form", AT, time_zone=TIME_ZONE)
        return lambda: score_lead(signals, products=terms)

    # The first request with a date for dateparser to read (its first call loads its data).
    first = with_text(next(text for text in texts if "недел" in text))
    started = time.perf_counter()
    first()
    first_ms = (time.perf_counter() - started) * 1000

    def timed(call: Callable[[], object], *, cold: bool = False) -> float:
        if cold:
            product_reading._parses.cache_clear()
            product_reading._is_known.cache_clear()
        began = time.perf_counter_ns()
        call()
        return (time.perf_counter_ns() - began) / 1000  # µs

    warm: list[float] = []
    cold: list[float] = []
    baseline: list[float] = []
    for _ in range(rounds):
        for text in texts:
            baseline.append(timed(bare(text)))
            cold.append(timed(with_text(text), cold=True))
            warm.append(timed(with_text(text)))  # its words were just parsed

    parameters = {"requests": len(texts), "rounds": rounds, "terms": len(TERMS)}
    rows: list[Figure] = []
    for label, samples in (("warm words", warm), ("cold words", cold)):
        for name, share in (("p50", 0.5), ("p95", 0.95)):
            rows.append(
                figure(
                    "TEXT",
                    f"score_lead with read_request, {label}, {name} per request",
                    _percentile(samples, share),
                    "µs",
                    baseline=_percentile(baseline, share),
                    parameters=parameters,
                    note=f"baseline: score_lead without the text; "
                    f"mean {statistics.fmean(samples):.0f} µs",
                )
            )
    rows.append(
        figure(
            "TEXT",
            "first request with a date in a process (dateparser warm-up)",
            first_ms,
            "ms",
            parameters=parameters,
            note="once per process, at the first lead",
        )
    )
    rows.append(
        figure(
            "TEXT",
            "pymorphy3 loads its dictionaries (the first ProductTerms.of)",
            dictionaries_ms,
            "ms",
            parameters=parameters,
            note="once per process, at start (bootstrap)",
        )
    )
    rows.append(
        figure(
            "TEXT",
            "resident memory the dictionaries add",
            dictionaries_mb,
            "MB",
            parameters=parameters,
            note="RSS after the load less RSS before (P5 keeps a service idle ≤ 150 MB)",
        )
    )
    rows.append(
        figure(
            "TEXT",
            "import of leads.domain.priority (dateparser, price-parser, pymorphy3)",
            imported_ms,
            "ms",
            parameters=parameters,
            note="once per process, at start",
        )
    )
    return rows


def main() -> None:
    """Time and print the table."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=20, help="Passes over the table's texts.")
    args = parser.parse_args()
    print(table(run(args.rounds)))  # noqa: T201 - the table is the output


if __name__ == "__main__":
    main()
