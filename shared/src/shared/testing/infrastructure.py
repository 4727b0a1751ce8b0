"""Finds Kafka and a MongoDB-protocol server for tests: env, containers, or local processes."""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Endpoints:
    """Where the test infrastructure listens, and how it was obtained."""

    kafka_bootstrap_servers: str
    mongodb_url: str
    origin: str


def repo_root(start: Path) -> Path:
    """The checkout root: the nearest folder above `start` holding deploy/local/infra.sh."""
    for folder in (start, *start.parents):
        if (folder / "deploy" / "local" / "infra.sh").is_file():
            return folder
    raise RuntimeError(f"no deploy/local/infra.sh above {start}")


def docker_answers() -> bool:
    """True when a Docker engine (not just the CLI) answers."""
    try:
        import docker

        client = docker.from_env(timeout=3)
        client.ping()
    except Exception:
        return False
    return True


def start_local_processes(root: Path) -> Endpoints:
    """Run `deploy/local/infra.sh up` (idempotent) and read the addresses it prints."""
    result = subprocess.run(  # noqa: S603 - our own script, fixed arguments
        [shutil.which("bash") or "/bin/bash", str(root / "deploy" / "local" / "infra.sh"), "up"],
        check=False,
        capture_output=True,
        text=True,
        timeout=900,
        env={**os.environ, "VORONKA_INFRA": "local"},
    )
    if result.returncode != 0:
        raise RuntimeError(f"deploy/local/infra.sh up failed:\n{result.stderr[-3000:]}")
    values = dict(line.split("=", 1) for line in result.stdout.splitlines() if "=" in line)
    return Endpoints(values["KAFKA_BOOTSTRAP_SERVERS"], values["MONGODB_URL"], "local processes")


@contextlib.contextmanager
def containers() -> Iterator[Endpoints]:
    """Start Kafka (KRaft) and MongoDB with testcontainers for the duration of the block."""
    from testcontainers.kafka import KafkaContainer
    from testcontainers.mongodb import MongoDbContainer

    with (
        KafkaContainer("apache/kafka:4.0.1").with_kraft() as kafka,
        MongoDbContainer("mongo:7") as mongo,
    ):
        yield Endpoints(kafka.get_bootstrap_server(), mongo.get_connection_url(), "containers")


@contextlib.contextmanager
def resolve_endpoints(root: Path) -> Iterator[Endpoints]:
    """From the environment, else containers when Docker answers, else our local processes."""
    kafka = os.environ.get("KAFKA_BOOTSTRAP_SERVERS")
    mongo = os.environ.get("MONGODB_URL")
    if kafka and mongo:
        yield Endpoints(kafka, mongo, "environment")
    elif docker_answers() and os.environ.get("VORONKA_INFRA") != "local":
        with containers() as endpoints:
            yield endpoints
    else:
        yield start_local_processes(root)
