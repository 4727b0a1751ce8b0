"""Intake throughput with few vs many leads stored, from `benchmarks/leads_intake.py`.

That benchmark (seeded open leads, then the `LeadIntake` use case over the MongoDB adapters)
is run as a subprocess with `--json`; its rows and ratio become one row here. QUICK stores
1,000 vs 10,000 leads (100 new ones each) instead of 1,000 vs 100,000 (500 new ones).
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import tempfile
from pathlib import Path

from figures import Figure, at_least, failed, figure
from stack import Stack

KEY = "intake"
SCRIPT = Path(__file__).resolve().parent / "leads_intake.py"


def measure(stack: Stack, sizes: tuple[int, int], events: int, timeout: float) -> dict[str, object]:
    """Run the script and read its JSON."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "intake.json"
        subprocess.run(  # noqa: S603 - our own script with fixed arguments
            [
                sys.executable,
                str(SCRIPT),
                "--stored",
                *(str(size) for size in sizes),
                "--events",
                str(events),
                "--json",
                str(out),
            ],
            env={"MONGODB_URL": stack.mongo_url, "PATH": "/usr/bin:/bin"},
            capture_output=True,
            timeout=timeout,
            check=True,
        )
        result: dict[str, object] = json.loads(out.read_text())
        return result


async def run(stack: Stack, quick: bool) -> list[Figure]:
    """One row: leads/s with many stored, ÷ leads/s with few."""
    sizes, events, timeout = (
        ((1_000, 10_000), 100, 240.0) if quick else ((1_000, 100_000), 500, 1200.0)
    )
    what = f"intake throughput, {sizes[1]:,} ÷ {sizes[0]:,} leads stored"
    if not SCRIPT.exists():
        return [
            figure(
                KEY,
                what,
                None,
                "leads/s",
                target="ratio ≥ 0.8",
                verdict="pending",
                note="benchmarks/leads_intake.py not there yet",
            )
        ]
    try:
        result = await asyncio.to_thread(measure, stack, sizes, events, timeout)
    except subprocess.CalledProcessError as exc:
        tail = (exc.stderr or b"").decode(errors="replace").strip().splitlines()[-1:]
        return [failed(KEY, what, f"leads_intake.py exited {exc.returncode}: {' '.join(tail)}")]
    except Exception as exc:  # one broken figure must not stop the run
        return [failed(KEY, what, exc)]
    runs: list[dict[str, float]] = result["runs"]  # type: ignore[assignment]
    few, many = runs[0], runs[-1]
    return [
        figure(
            KEY,
            what,
            many["leads_per_second"],
            "leads/s",
            baseline=few["leads_per_second"],
            target="ratio ≥ 0.8",
            verdict=at_least(many["leads_per_second"] / few["leads_per_second"], 0.8),
            parameters=result,
            note=f"{events} new leads each, `LeadIntake` over the MongoDB adapters, no Kafka",
        )
    ]
