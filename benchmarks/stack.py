"""The local stack a benchmark runs on: its own topics and databases, and service processes."""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from pymongo import AsyncMongoClient

from shared.contracts.topics import TOPIC_SPECS
from shared.platform.settings import KafkaSettings
from shared.platform.topics import delete_prefixed_topics, ensure_topics

LOOPBACK = "127.0.0.1"
SERVICES = ("leads", "deals", "notifications", "reporting")
LOG_DIR = Path(tempfile.gettempdir()) / "voronka-bench"


@dataclass(frozen=True)
class Stack:
    """Where the benchmarks find Kafka and MongoDB, and the run's unique name."""

    kafka_servers: str
    mongo_url: str
    run_id: str

    @classmethod
    def from_env(cls) -> Stack:
        """The stack `deploy/local/infra.sh env` describes; loopback defaults."""
        return cls(
            kafka_servers=os.environ.get("KAFKA_BOOTSTRAP_SERVERS", f"{LOOPBACK}:9092"),
            mongo_url=os.environ.get("MONGODB_URL", f"mongodb://{LOOPBACK}:27017/"),
            run_id=f"bench{uuid.uuid4().hex[:8]}",
        )

    def prefix(self, part: str) -> str:
        """A topic prefix (and database stem) of one benchmark of this run."""
        return f"{self.run_id}{part.lower()}."

    def kafka(self, prefix: str) -> KafkaSettings:
        """Kafka settings with the benchmark's own topic prefix."""
        return KafkaSettings(bootstrap_servers=self.kafka_servers, topic_prefix=prefix)


@asynccontextmanager
async def isolated(stack: Stack, part: str) -> AsyncIterator[KafkaSettings]:
    """Every Voronka topic under a fresh prefix; topics and databases are deleted afterwards."""
    prefix = stack.prefix(part)
    kafka = stack.kafka(prefix)
    await ensure_topics(kafka, TOPIC_SPECS, prefix=prefix)
    try:
        yield kafka
    finally:
        await clean_up(kafka, stack.mongo_url, prefix)


async def clean_up(kafka: KafkaSettings, mongo_url: str, prefix: str) -> None:
    """Delete a benchmark's topics and databases; a failure is reported, never raised.

    A busy server must not turn figures already measured into an error.
    """
    try:
        await delete_prefixed_topics(kafka, prefix)
        await drop_databases(mongo_url, prefix.rstrip("."), wait_seconds=120)
    except Exception as exc:
        progress(f"cleanup of {prefix} failed ({type(exc).__name__}); delete it by hand")


async def drop_databases(mongo_url: str, stem: str, *, wait_seconds: float = 5.0) -> None:
    """Drop every database whose name starts with `stem` (the benchmark's own)."""
    client: AsyncMongoClient[Any] = AsyncMongoClient(
        mongo_url, serverSelectionTimeoutMS=int(wait_seconds * 1000)
    )
    try:
        for name in await client.list_database_names():
            if name.startswith(stem):
                await client.drop_database(name)
    finally:
        await client.close()


def free_port() -> int:
    """A TCP port nobody listens on at this moment, on loopback."""
    with socket.socket() as probe:
        probe.bind((LOOPBACK, 0))
        port: int = probe.getsockname()[1]
        return port


def rss_mb(pid: int) -> float:
    """Resident memory of a process in MB, from /proc/<pid>/status VmRSS."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return round(int(line.split()[1]) / 1024, 1)
    raise RuntimeError(f"no VmRSS for pid {pid}")


@dataclass
class Process:
    """A server started by a benchmark on a loopback port; stopped by its own pid."""

    name: str
    port: int
    popen: subprocess.Popen[bytes]
    log: Path
    env: dict[str, str] = field(default_factory=dict)

    @property
    def url(self) -> str:
        """Base URL of its HTTP API."""
        return f"http://{LOOPBACK}:{self.port}"

    def rss_mb(self) -> float:
        """Its resident memory now."""
        return rss_mb(self.popen.pid)

    def log_tail(self, lines: int = 15) -> str:
        """The end of its output, for an error message."""
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])

    async def ready(self, path: str = "/readyz", timeout: float = 60.0) -> None:
        """Wait until `path` answers 200; fail with its output if it exits or takes too long."""
        deadline = time.monotonic() + timeout
        async with httpx.AsyncClient(base_url=self.url, timeout=2.0) as http:
            while time.monotonic() < deadline:
                if self.popen.poll() is not None:
                    raise RuntimeError(f"{self.name} exited:\n{self.log_tail()}")
                try:
                    if (await http.get(path)).status_code == 200:
                        return
                except httpx.HTTPError:
                    pass
                await asyncio.sleep(0.25)
        raise RuntimeError(f"{self.name} not ready after {timeout:.0f} s:\n{self.log_tail()}")

    def stop(self) -> None:
        """SIGTERM, then SIGKILL after 15 s."""
        if self.popen.poll() is None:
            self.popen.terminate()
            try:
                self.popen.wait(15)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait(5)


def start_process(name: str, argv: list[str], env: Mapping[str, str], port: int) -> Process:
    """Start `argv` with the benchmark's environment; output goes to a log file."""
    LOG_DIR.mkdir(exist_ok=True)
    log = LOG_DIR / f"{name}-{port}.log"
    merged = {**os.environ, **env}
    with log.open("wb") as out:
        popen = subprocess.Popen(argv, env=merged, stdout=out, stderr=subprocess.STDOUT)  # noqa: S603
    return Process(name=name, port=port, popen=popen, log=log, env=dict(env))


def service_env(
    stack: Stack, kafka: KafkaSettings, service: str, port: int, **extra: str
) -> dict[str, str]:
    """Environment of one service process: the run's topics and database, its port, quiet logs.

    The per-client rate limit is off (API_RATE_PER_SECOND=0): one load generator on loopback
    would otherwise be refused after its burst and the figure would measure the limiter.
    """
    upper = service.upper()
    return {
        "KAFKA_BOOTSTRAP_SERVERS": stack.kafka_servers,
        "KAFKA_TOPIC_PREFIX": kafka.topic_prefix,
        "MONGODB_URL": stack.mongo_url,
        f"{upper}_DATABASE": kafka.topic_prefix.rstrip(".") + f"_{service}",
        f"{upper}_HTTP_HOST": LOOPBACK,
        f"{upper}_HTTP_PORT": str(port),
        f"{upper}_LOG_LEVEL": "WARNING",
        f"{upper}_LOG_JSON": "true",
        "API_RATE_PER_SECOND": "0",
        **extra,
    }


def launch_service(stack: Stack, kafka: KafkaSettings, service: str, **extra: str) -> Process:
    """Run `python -m <service>`: its real entry point, uvicorn inside, on a free port."""
    port = free_port()
    return start_process(
        service,
        [sys.executable, "-m", service],
        service_env(stack, kafka, service, port, **extra),
        port,
    )


async def start_service(stack: Stack, kafka: KafkaSettings, service: str, **extra: str) -> Process:
    """One service, ready to serve."""
    process = launch_service(stack, kafka, service, **extra)
    try:
        await process.ready()
    except BaseException:
        process.stop()
        raise
    return process


@asynccontextmanager
async def services(
    stack: Stack, kafka: KafkaSettings, names: tuple[str, ...], **extra: str
) -> AsyncIterator[dict[str, Process]]:
    """Several services on the same topics, started together, stopped whatever happens."""
    running = {name: launch_service(stack, kafka, name, **extra) for name in names}
    try:
        await asyncio.gather(*(process.ready() for process in running.values()))
        yield running
    finally:
        stop_all(list(running.values()))


def stop_all(processes: list[Process]) -> None:
    """SIGTERM to all first, so they shut down side by side."""
    for process in processes:
        if process.popen.poll() is None:
            process.popen.terminate()
    for process in processes:
        process.stop()


async def committed_offsets(kafka: KafkaSettings, group: str) -> int:
    """Sum of the committed offsets of a consumer group: how many events it has finished."""
    admin = AIOKafkaAdminClient(bootstrap_servers=kafka.bootstrap_servers)
    await admin.start()
    try:
        offsets = await admin.list_consumer_group_offsets(group)
    finally:
        await admin.close()
    return sum(meta.offset for meta in offsets.values() if meta.offset > 0)


async def wait_committed(kafka: KafkaSettings, group: str, total: int, timeout: float) -> float:
    """Seconds until `group` committed `total` offsets; raises TimeoutError after `timeout`."""
    started = time.perf_counter()
    while await committed_offsets(kafka, group) < total:
        if time.perf_counter() - started > timeout:
            done = await committed_offsets(kafka, group)
            raise TimeoutError(f"{group}: {done}/{total} events after {timeout:.0f} s")
        await asyncio.sleep(0.2)
    return time.perf_counter() - started


def percentile(values: list[float], q: float) -> float:
    """The q-th percentile (0..100) by nearest rank; NaN for no values."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, round(q / 100 * len(ordered) + 0.5) - 1))
    return ordered[rank]


def partitions_of(topic: str) -> int:
    """Partition count of a Voronka topic, as `ensure_topics` created it."""
    return next(spec.partitions for spec in TOPIC_SPECS if spec.name == topic)


@asynccontextmanager
async def topic_reader(kafka: KafkaSettings, topic: str) -> AsyncIterator[AIOKafkaConsumer]:
    """A consumer assigned every partition of a topic from the start: no group to join."""
    consumer = AIOKafkaConsumer(
        bootstrap_servers=kafka.bootstrap_servers, enable_auto_commit=False, group_id=None
    )
    await consumer.start()
    try:
        physical = kafka.topic_prefix + topic
        consumer.assign([TopicPartition(physical, p) for p in range(partitions_of(topic))])
        await consumer.seek_to_beginning()
        yield consumer
    finally:
        await consumer.stop()


def progress(message: str) -> None:
    """One progress line on stderr (the table goes to stdout)."""
    print(f"  {time.strftime('%H:%M:%S')} {message}", file=sys.stderr, flush=True)  # noqa: T201
