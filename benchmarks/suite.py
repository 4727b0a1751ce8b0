"""Voronka's benchmark suite: every figure of issue 13 in one run, one table.

`python benchmarks/suite.py [--quick] [--only P1,P3]` (or `make bench [QUICK=1] [ONLY=P1,P3]`)
runs each benchmark module in turn on the local stack (`KAFKA_BOOTSTRAP_SERVERS`,
`MONGODB_URL`), each on its own topics and databases, prints a Markdown table and writes
`benchmarks/results/<UTC timestamp>.json` and `benchmarks/results/latest.md`.
Not part of `make test`: targets are judged here, never in timed tests.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import platform
import shutil
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import intake_scale
import p1_reporting_ingest
import p2_http_intake
import p3_lead_latency
import p4_reporting_scale
import p6_sla_lateness
from figures import Figure, table
from stack import Stack, drop_databases

Benchmark = Callable[[Stack, bool], Awaitable[list[Figure]]]

# (figures it yields, its runner), in running order: the heaviest last.
BENCHMARKS: list[tuple[frozenset[str], Benchmark]] = [
    (frozenset({"P1"}), p1_reporting_ingest.run),
    (frozenset({"P2"}), p2_http_intake.run),
    (frozenset({"P3", "P5"}), p3_lead_latency.run),
    (frozenset({"P6"}), p6_sla_lateness.run),
    (frozenset({"P4", "REPORT", "P5"}), p4_reporting_scale.run),
    (frozenset({"INTAKE"}), intake_scale.run),
]
RESULTS = Path(__file__).resolve().parent / "results"


def machine() -> dict[str, Any]:
    """What the figures were measured on."""
    memory_kb = next(
        int(line.split()[1])
        for line in Path("/proc/meminfo").read_text().splitlines()
        if line.startswith("MemTotal:")
    )
    return {
        "cores": os.cpu_count(),
        "memory_gb": round(memory_kb / 1024 / 1024, 1),
        "python": platform.python_version(),
        "load_generator": "wrk" if shutil.which("wrk") else "python (benchmarks/loadgen.py)",
    }


def git_revision() -> str:
    """The commit the tree is on (the tree may have uncommitted changes)."""
    try:
        out = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],  # noqa: S607 - git from PATH
            capture_output=True,
            text=True,
            check=True,
        )
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return out.stdout.strip()


def chosen(only: str | None) -> list[Benchmark]:
    """The benchmarks yielding any of the wanted figures, all of them by default."""
    if not only:
        return [runner for _, runner in BENCHMARKS]
    wanted = {name.strip().upper() for name in only.split(",") if name.strip()}
    known = set().union(*(keys for keys, _ in BENCHMARKS))
    if unknown := wanted - known:
        raise SystemExit(f"unknown figures: {', '.join(sorted(unknown))} (known: {sorted(known)})")
    return [runner for keys, runner in BENCHMARKS if keys & wanted]


async def run_all(
    stack: Stack, benchmarks: list[Benchmark], quick: bool, keep: Callable[[list[Figure]], object]
) -> list[Figure]:
    """Each benchmark in turn; the table is kept after each, so a cut-short run leaves rows."""
    rows: list[Figure] = []
    for benchmark in benchmarks:
        started = time.perf_counter()
        name = benchmark.__module__
        print(f"… {name}", file=sys.stderr, flush=True)  # noqa: T201 - progress
        rows += await benchmark(stack, quick)
        keep(rows)
        print(f"  {name}: {time.perf_counter() - started:.0f} s", file=sys.stderr, flush=True)  # noqa: T201
    try:
        await drop_databases(stack.mongo_url, stack.run_id, wait_seconds=120)
    except Exception as exc:  # the figures are kept already; leftovers are only disk space
        print(f"  cleanup failed ({type(exc).__name__})", file=sys.stderr)  # noqa: T201
    return rows


def write(rows: list[Figure], meta: dict[str, Any]) -> tuple[Path, str]:
    """The JSON of the run and `latest.md`; returns the JSON path and the Markdown."""
    RESULTS.mkdir(exist_ok=True)
    stamp = meta["started_at"].replace(":", "").replace("-", "")
    path = RESULTS / f"{stamp}.json"
    path.write_text(json.dumps({**meta, "figures": rows}, indent=2, ensure_ascii=False) + "\n")
    heading = (
        f"Benchmark run {meta['started_at']} ({'QUICK' if meta['quick'] else 'full'}), "
        f"{meta['machine']['cores']} cores, {meta['machine']['memory_gb']} GB, "
        f"load generator: {meta['machine']['load_generator']}, git {meta['git']}, "
        f"{meta['seconds']:.0f} s."
    )
    markdown = f"{heading}\n\n{table(rows)}\n"
    (RESULTS / "latest.md").write_text(markdown)
    return path, markdown


def main() -> None:
    """Parse the options, run, print and keep the table."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="Small sizes: a few minutes.")
    parser.add_argument("--only", help="Comma-separated figures: P1,P2,P3,P4,P5,P6,REPORT,INTAKE.")
    args = parser.parse_args()
    logging.disable(logging.INFO)  # in-process services (P1) would log every batch
    stack = Stack.from_env()
    began = time.perf_counter()
    meta: dict[str, Any] = {
        "started_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "quick": args.quick,
        "only": args.only,
        "run_id": stack.run_id,
        "git": git_revision(),
        "machine": machine(),
    }

    def keep(rows: list[Figure]) -> tuple[Path, str]:
        return write(rows, {**meta, "seconds": round(time.perf_counter() - began, 1)})

    rows = asyncio.run(run_all(stack, chosen(args.only), args.quick, keep))
    path, markdown = keep(rows)
    print(markdown)  # noqa: T201 - the table is the output
    shown = path.relative_to(Path.cwd()) if path.is_relative_to(Path.cwd()) else path
    print(f"kept {shown}")  # noqa: T201


if __name__ == "__main__":
    main()
