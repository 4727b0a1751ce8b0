"""P3: `POST /v1/leads` → `lead.assigned` on Kafka at a steady rate; P5: RSS per service.

The four services run as their own processes (`python -m <service>`) on the run's topics, so
`lead.assigned` flows on to deals, notifications and reporting as in production. Leads are
sent open loop at `rate` per second (each at its scheduled time, whatever the answers do),
each with its own contact so none is merged, over raw keep-alive connections (`loadgen`: the
generator must cost far less than what it measures); a consumer on `lead.assigned` notes when each
lead's event was appended (the Kafka record timestamp, set by the relay's producer on this
machine). Latency = that − the wall-clock moment the POST was sent. The backlog (answered
but not yet assigned) is sampled every second: it must not grow and must drain at the end.
P5 reads each service's VmRSS idle (after start-up and the roster) and after this load.
"""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any
from urllib.parse import urlsplit

import httpx
from figures import Figure, at_most, failed, figure
from loadgen import OpenLoopClient
from stack import SERVICES, Stack, isolated, percentile, progress, services, topic_reader

from shared.contracts import decode
from shared.contracts.topics import Topic
from shared.platform.settings import KafkaSettings

KEY = "P3"
WHAT = "`POST /v1/leads` → `lead.assigned`"
MANAGERS = 20
IDLE_SECONDS = 5.0


async def put_roster(http: httpx.AsyncClient) -> None:
    """Managers enough for every lead of the run, and a head of sales."""
    bodies = {
        f"bench-m{i}": {"name": f"Manager {i}", "team": "sales", "capacity": 10_000}
        for i in range(MANAGERS)
    }
    bodies["bench-head"] = {"name": "Head", "team": "sales", "role": "head_of_sales"}
    answers = await asyncio.gather(
        *(http.put(f"/v1/managers/{manager}", json=body) for manager, body in bodies.items())
    )
    for answer in answers:
        answer.raise_for_status()


def lead_body(run: str, i: int) -> dict[str, Any]:
    """A web-form lead with its own external id and contact."""
    return {
        "source": "website",
        "external_id": f"{run}-{i}",
        "channel": "web_form",
        "contact": {"name": f"Lead {i}", "phone": f"+7 900 {i:07d}", "email": f"l{i}@b.example"},
        "request_text": "Нужны станки",
    }


class Arrivals:
    """When each lead's `lead.assigned` was appended to Kafka (the record's timestamp)."""

    def __init__(self, kafka: KafkaSettings) -> None:
        self.at: dict[str, float] = {}
        self._kafka = kafka

    async def run(self) -> None:
        """Note each event's append time until cancelled."""
        async with topic_reader(self._kafka, Topic.LEAD_ASSIGNED.value) as consumer:
            while True:
                batch = await consumer.getmany(timeout_ms=100, max_records=500)
                for records in batch.values():
                    for record in records:
                        self.at.setdefault(lead_of(record), record.timestamp / 1000)


def lead_of(record: Any) -> str:
    """The lead a `lead.assigned` record is about: its key (the lead's id), else its payload."""
    if record.key:
        return str(record.key.decode())
    decoded = decode(record.value or b"", record.headers or (), topic="lead.assigned")
    return str(getattr(decoded.event, "lead_id", ""))


async def send_at_rate(
    client: OpenLoopClient, rate: float, seconds: float, sent: dict[str, float], run: str
) -> dict[str, int]:
    """Open loop: request i goes at start + i/rate; answers are collected as they come."""
    statuses: dict[str, int] = {}
    started = time.perf_counter()

    async def one(i: int) -> None:
        at = time.time()  # wall clock: compared with Kafka record timestamps
        try:
            status, body = await client.post(json.dumps(lead_body(run, i)).encode())
        except (OSError, ValueError, IndexError, asyncio.IncompleteReadError) as exc:
            statuses[type(exc).__name__] = statuses.get(type(exc).__name__, 0) + 1
            return
        statuses[str(status)] = statuses.get(str(status), 0) + 1
        if status == 202:
            sent[json.loads(body)["lead_id"]] = at

    tasks = []
    for i in range(int(rate * seconds)):
        delay = started + i / rate - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(one(i)))
    # Answers still missing 10 s after the last send are given up (counted as unanswered).
    _, late = await asyncio.wait(tasks, timeout=10.0)
    for task in late:
        task.cancel()
    if late:
        statuses["unanswered"] = len(late)
    return statuses


async def sample_backlog(sent: dict[str, float], arrivals: Arrivals, samples: list[int]) -> None:
    """Answered-but-unassigned leads, once a second, until cancelled."""
    while True:
        await asyncio.sleep(1.0)
        samples.append(sum(1 for lead in list(sent) if lead not in arrivals.at))


async def drained(sent: dict[str, float], arrivals: Arrivals, timeout: float) -> None:
    """Wait until every answered lead was assigned, or `timeout` seconds."""
    for _ in range(int(timeout / 0.2)):
        if all(lead in arrivals.at for lead in sent):
            return
        await asyncio.sleep(0.2)


def slope(values: list[int]) -> float:
    """Least-squares slope per sample (per second here)."""
    n = len(values)
    if n < 2:
        return 0.0
    mean_x, mean_y = (n - 1) / 2, sum(values) / n
    num = sum((x - mean_x) * (y - mean_y) for x, y in enumerate(values))
    return num / sum((x - mean_x) ** 2 for x in range(n))


async def run(stack: Stack, quick: bool) -> list[Figure]:
    """Start the stack, note idle memory, drive the load, note memory again."""
    rate, seconds = (200.0, 15.0) if quick else (200.0, 60.0)
    params: dict[str, Any] = {"rate_per_s": rate, "seconds": seconds, "managers": MANAGERS}
    try:
        async with (
            isolated(stack, KEY) as kafka,
            services(stack, kafka, SERVICES, LEADS_CALENDAR="around_the_clock") as running,
        ):
            leads = running["leads"]
            limits = httpx.Limits(max_connections=64, max_keepalive_connections=64)
            async with httpx.AsyncClient(base_url=leads.url, timeout=10.0, limits=limits) as http:
                progress("P3: services ready")
                await put_roster(http)
                progress("P3: roster loaded; idle")
                await asyncio.sleep(IDLE_SECONDS)
                idle = {name: process.rss_mb() for name, process in running.items()}
                arrivals = Arrivals(kafka)
                sent: dict[str, float] = {}
                samples: list[int] = []
                reader = asyncio.create_task(arrivals.run())
                sampler = asyncio.create_task(sample_backlog(sent, arrivals, samples))
                client = OpenLoopClient(urlsplit(leads.url).port or 80, "/v1/leads")
                try:
                    await asyncio.sleep(2.0)  # the consumer joins before the first lead
                    statuses = await send_at_rate(client, rate, seconds, sent, stack.run_id)
                    progress(f"P3: sent, {len(sent)} answered; draining")
                    sampler.cancel()
                    await drained(sent, arrivals, timeout=20.0)
                finally:
                    client.close()
                    sampler.cancel()
                    reader.cancel()
                    await asyncio.gather(reader, sampler, return_exceptions=True)
                await asyncio.sleep(3.0)
                loaded = {name: process.rss_mb() for name, process in running.items()}
                progress("P3: stopping services")
    except Exception as exc:  # one broken figure must not stop the run
        return [failed(KEY, WHAT, exc, **params), failed("P5", "RSS per service", exc)]
    return [latency_figure(sent, arrivals.at, statuses, samples, params), *memory(idle, loaded)]


def latency_figure(
    sent: dict[str, float],
    arrived: dict[str, float],
    statuses: dict[str, int],
    samples: list[int],
    params: dict[str, Any],
) -> Figure:
    """p99 over every answered lead; a lead never assigned counts as infinitely late."""
    latencies = [
        (arrived[lead] - at) * 1000 if lead in arrived else float("inf")
        for lead, at in sent.items()
    ]
    missing = sum(1 for lead in sent if lead not in arrived)
    half = samples[len(samples) // 2 :]
    growth = slope(half)
    p50, p99 = percentile(latencies, 50), percentile(latencies, 99)
    params.update(
        answered=len(sent),
        statuses=statuses,
        p50_ms=round(p50, 1) if p50 != float("inf") else None,
        never_assigned=missing,
        backlog_samples=samples,
        backlog_slope_per_s=round(growth, 2),
    )
    sent_total = int(params["rate_per_s"] * params["seconds"])
    # The rate is held only if every request was accepted and every lead assigned in time.
    steady = len(sent) == sent_total and missing == 0 and growth <= 1.0
    verdict = at_most(p99 if p99 != float("inf") else None, 100.0)
    if not steady:
        verdict = "miss"
    p50_text = f"{p50:.0f}" if p50 != float("inf") else "∞"
    note = (
        f"p50 {p50_text} ms; answered {len(sent)}/{sent_total}; never assigned {missing}; "
        f"backlog slope {growth:+.1f}/s"
    )
    return figure(
        KEY,
        f"{WHAT}, p99 at {params['rate_per_s']:.0f}/s for {params['seconds']:.0f} s",
        p99 if p99 != float("inf") else None,
        "ms",
        target="p99 ≤ 100 ms, backlog flat",
        verdict=verdict,
        parameters=params,
        note=note,
    )


def memory(idle: dict[str, float], loaded: dict[str, float]) -> list[Figure]:
    """One row per service: idle RSS against 150 MB, RSS after the P3 load for information."""
    return [
        figure(
            "P5",
            f"RSS {name}, idle",
            idle[name],
            "MB",
            target="≤ 150 MB",
            verdict=at_most(idle[name], 150.0),
            parameters={"after_p3_load_mb": loaded[name]},
            note=f"after P3 load: {loaded[name]:.0f} MB",
        )
        for name in idle
    ]
