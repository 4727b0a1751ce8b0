"""`make faults`: every scenario RUNS times with seeded faults, a ledger check each, one table.

Usage: python tests/faults/fault_suite.py [--runs N] [--seed S] [--only a,b] [--ci] [--json PATH]
       [--workers W]
A failing seed reruns alone with `make faults SEED=<seed> ONLY=<scenario>`.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
import traceback
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from fault_clock import RunClock
from fault_fleet import REPLICAS, Fleet, base_env
from fault_ledger import REPORT_TOPICS, Checker, Findings, read_history, reference_figures
from fault_scenarios import SCENARIOS, Scenario, Target
from fault_stack import ROOT, Infrastructure
from fault_workload import Doors, Publisher, Refused, Workload
from pymongo import AsyncMongoClient

from shared.contracts.topics import TOPIC_SPECS
from shared.platform.settings import KafkaSettings
from shared.platform.topics import delete_prefixed_topics, ensure_topics
from shared.testing.kafka import wait_until
from shared.testing.servers import smtp_server

RESULTS = ROOT / "tests" / "faults" / "results"
Log = Callable[[str], None]


@dataclass
class RunResult:
    scenario: str
    seed: int
    seconds: float
    findings: dict[str, list[str]]
    events: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return not any(self.findings.values())


async def run_once(scenario: Scenario, seed: int, infra: Infrastructure, home: Path) -> RunResult:
    """One run: a fresh fleet on fresh topics and databases, the workload, the fault, the check."""
    started = time.monotonic()
    rng = random.Random(f"{scenario.name}:{seed}")
    run_id = f"f{seed}x{uuid.uuid4().hex[:6]}"
    prefix = f"{run_id}-"
    events: list[str] = []

    def log(line: str) -> None:
        events.append(f"{time.monotonic() - started:6.1f}s {line}")

    kafka = KafkaSettings(bootstrap_servers=infra.bootstrap_servers, topic_prefix=prefix)
    await ensure_topics(kafka, TOPIC_SPECS, prefix=prefix)
    run_home = home / run_id
    run_home.mkdir(parents=True)
    findings = Findings()
    with smtp_server() as mailbox:
        clock = RunClock(run_home / "clock")
        env = base_env(
            bootstrap=infra.bootstrap_servers,
            mongodb_url=infra.mongodb_url,
            prefix=prefix,
            databases=run_id,
            smtp_port=mailbox.port,
        )
        fleet = Fleet(env=env, logs=run_home, clock_file=clock.path)
        if scenario.skew is not None:
            name, seconds = scenario.skew
            fleet.replicas[name].clock_file = clock.skew(run_home / "clock-skewed", seconds)
            log(f"{name} clock {seconds:+.0f} s")
        publisher = Publisher(infra.bootstrap_servers, prefix)
        try:
            await fleet.start_all()
            log("fleet ready")
            async with httpx.AsyncClient() as http:
                doors = Doors(fleet, http)
                workload = Workload(doors, publisher, clock, rng)
                target = Target(infra, fleet, publisher, rng, prefix, workload.ledger, log)
                await drive(workload, scenario, target, findings, log)
                for name in fleet.crashed():
                    findings.wrong.append(f"{name} exited on its own")
                    await fleet.restart(name)
                checker = Checker(
                    doors,
                    workload.ledger,
                    mailbox,
                    infra.bootstrap_servers,
                    prefix,
                    infra.mongodb_url,
                    [f"{run_id}_{service}" for service in REPLICAS],
                    findings,
                )
                await checker.check()
                log("ledger checked")
                await check_reports(doors, infra, prefix, findings, log)
        except Exception as exc:  # the run failed as a whole: that is a finding, not a crash
            findings.wrong.append(f"{type(exc).__name__}: {exc}")
            log(traceback.format_exc(limit=-4))
        finally:
            await publisher.close()
            await fleet.stop_all()
            await cleanup(infra, kafka, prefix, run_id)
    if not (findings.lost or findings.doubled or findings.wrong):
        shutil.rmtree(run_home, ignore_errors=True)
    else:
        log(f"logs kept in {run_home}")
    return RunResult(
        scenario.name, seed, round(time.monotonic() - started, 1), asdict(findings), events
    )


async def drive(
    workload: Workload, scenario: Scenario, target: Target, findings: Findings, log: Log
) -> None:
    """The workload's steps in order; the fault starts a seeded pause into a seeded step."""
    steps = workload.steps()
    at = target.rng.randrange(1, len(steps) - 1)
    pause = target.rng.uniform(0, 2)
    fault: asyncio.Task[None] | None = None
    for index, (name, step) in enumerate(steps):
        if index == at and scenario.fault is not None:
            fault = asyncio.create_task(delayed(scenario.fault(target), pause))
            log(f"fault due {pause:.1f} s into '{name}'")
        try:
            await step()
        except (Refused, AssertionError) as exc:
            findings.wrong.append(f"step '{name}' failed: {exc}")
            break
        log(f"step '{name}' done")
    if fault is not None:
        await fault


async def delayed(fault: Awaitable[None], pause: float) -> None:
    await asyncio.sleep(pause)
    await fault


async def check_reports(
    doors: Doors, infra: Infrastructure, prefix: str, findings: Findings, log: Log
) -> None:
    """Live reports equal the checker's fold of the topics, and a rebuild equals live."""
    reference: dict[str, Any] = {}

    async def live_matches() -> bool:
        nonlocal reference
        history = await read_history(infra.bootstrap_servers, prefix, REPORT_TOPICS)
        reference = reference_figures(history)
        return await report_figures(doors) == reference

    try:
        await wait_until(live_matches, timeout=90, interval=0.3)
    except AssertionError:
        figures = await report_figures(doors)
        findings.wrong.append(f"reports {figures} != reference {reference}")
        return
    log("reports equal the reference")
    before = await doors.get("reporting", "/v1/projections")
    await doors.call("reporting", "POST", "/v1/projections/rebuild", ok=(202,))

    async def rebuilt() -> bool:
        state = await doors.get("reporting", "/v1/projections")
        return state["active"] != before["active"] and not state["rebuild_running"]

    await wait_until(rebuilt, timeout=120, interval=0.3)
    after = await report_figures(doors)
    if after != reference:
        findings.wrong.append(f"rebuild {after} != live {reference}")
    log("rebuild equals live")


async def report_figures(doors: Doors) -> dict[str, Any]:
    """The figures the reference fold computes, as the reporting service shows them."""
    funnel = await doors.get("reporting", "/v1/reports/funnel")
    receivables = await doors.get("reporting", "/v1/reports/receivables")
    response = await doors.get("reporting", "/v1/reports/response")
    steps = {step["step"]: step["count"] for step in funnel["steps"]}
    return {
        "received": steps["received"],
        "won": steps["won"],
        "invoiced": receivables["invoiced"],
        "paid": receivables["paid"],
        "breached": {m: s["leads_breached"] for m, s in response.items() if s["leads_breached"]},
    }


async def cleanup(infra: Infrastructure, kafka: KafkaSettings, prefix: str, run_id: str) -> None:
    try:
        await delete_prefixed_topics(kafka, prefix)
        client: AsyncMongoClient[Any] = AsyncMongoClient(infra.mongodb_url, timeoutMS=30000)
        try:
            for service in REPLICAS:
                await client.drop_database(f"{run_id}_{service}")
        finally:
            await client.close()
    except Exception as exc:  # a failed cleanup must not hide the run's findings
        print(f"cleanup of {run_id} failed: {type(exc).__name__}", file=sys.stderr)


def table(results: list[RunResult]) -> list[dict[str, Any]]:
    rows = []
    for scenario in dict.fromkeys(r.scenario for r in results):
        runs = [r for r in results if r.scenario == scenario]
        failing = [r for r in runs if not r.passed]
        rows.append(
            {
                "scenario": scenario,
                "runs": len(runs),
                "passed": len(runs) - len(failing),
                "lost": sum(len(r.findings["lost"]) for r in runs),
                "doubled": sum(len(r.findings["doubled"]) for r in runs),
                "wrong": sum(len(r.findings["wrong"]) for r in runs),
                "first_failing_seed": failing[0].seed if failing else None,
                "seconds_per_run": round(sum(r.seconds for r in runs) / len(runs), 1),
            }
        )
    return rows


def print_table(rows: list[dict[str, Any]]) -> None:
    header = f"{'scenario':<20} {'runs':>4} {'passed':>6} {'lost':>4} {'doubled':>7} {'wrong':>5}"
    print(header + "  first failing seed   s/run")
    for row in rows:
        seed = row["first_failing_seed"]
        print(
            f"{row['scenario']:<20} {row['runs']:>4} {row['passed']:>6} {row['lost']:>4} "
            f"{row['doubled']:>7} {row['wrong']:>5}  {'-' if seed is None else seed:<20} "
            f"{row['seconds_per_run']:>5}"
        )


async def suite(
    scenarios: list[Scenario], seeds: list[int], json_path: Path | None, workers: int = 1
) -> int:
    """Every (scenario, seed) once, shared among `workers`, each with its own Kafka and FerretDB."""
    setting = {"commit": commit(), "cpus": os.cpu_count(), "workers": workers}
    home = Path(tempfile.mkdtemp(prefix="voronka-faults-"))
    jobs: asyncio.Queue[tuple[Scenario, int]] = asyncio.Queue()
    for scenario in scenarios:
        for seed in seeds:
            jobs.put_nowait((scenario, seed))
    results: list[RunResult] = []

    async def work(number: int) -> None:
        infra = await asyncio.to_thread(Infrastructure.start, home / f"infra-{number}")
        try:
            while not jobs.empty():
                scenario, seed = jobs.get_nowait()
                result = await run_once(scenario, seed, infra, home)
                results.append(result)
                report(result)
                # A fault may leave the infrastructure down; the next run starts it fresh.
                await asyncio.to_thread(revive, infra)
        finally:
            await asyncio.to_thread(infra.shutdown)

    await asyncio.gather(*(work(number) for number in range(workers)))
    order = {scenario.name: index for index, scenario in enumerate(scenarios)}
    results.sort(key=lambda r: (order[r.scenario], r.seed))
    rows = table(results)
    print_table(rows)
    path = json_path or RESULTS / f"faults-{datetime.now(UTC):%Y%m%dT%H%M%SZ}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        json.dumps({**setting, "table": rows, "runs": [asdict(r) for r in results]}, indent=1)
    )
    print(f"kept in {path}")
    if all(r.passed for r in results):
        shutil.rmtree(home, ignore_errors=True)
    return 0 if all(r.passed for r in results) else 1


def commit() -> str:
    """The checkout's commit, marked when the working tree differs from it."""
    head = subprocess.run(["git", "rev-parse", "HEAD"], capture_output=True, text=True, cwd=ROOT)
    dirty = subprocess.run(["git", "status", "--porcelain"], capture_output=True, cwd=ROOT)
    return head.stdout.strip() + ("+changes" if dirty.stdout.strip() else "")


def report(result: RunResult) -> None:
    verdict = "passed" if result.passed else "FAILED"
    print(f"{result.scenario} seed {result.seed}: {verdict} in {result.seconds} s", flush=True)
    if not result.passed:
        for kind, items in result.findings.items():
            for item in items[:10]:
                print(f"    {kind}: {item}")
        for line in result.events:
            print(f"    | {line}")


def revive(infra: Infrastructure) -> None:
    for daemon in (infra.kafka, infra.database):
        process = daemon.process
        if process is None or process.poll() is not None:
            daemon.start()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--seed", type=int, default=None, help="run this seed alone")
    parser.add_argument("--only", default="", help="comma-separated scenario names")
    parser.add_argument("--ci", action="store_true", help="only the scenarios CI runs, seed 1")
    parser.add_argument("--json", type=Path, default=None)
    parser.add_argument(
        "--workers", type=int, default=1, help="runs at once, each on its own Kafka and FerretDB"
    )
    args = parser.parse_args(argv)
    chosen = [s for s in SCENARIOS if not args.only or s.name in args.only.split(",")]
    if args.ci:
        chosen = [s for s in chosen if s.in_ci]
    if not chosen:
        parser.error(f"no scenario named {args.only}; known: {[s.name for s in SCENARIOS]}")
    seeds = (
        [args.seed] if args.seed is not None else list(range(1, (1 if args.ci else args.runs) + 1))
    )
    return asyncio.run(suite(chosen, seeds, args.json, max(1, args.workers)))


if __name__ == "__main__":
    sys.exit(main())
