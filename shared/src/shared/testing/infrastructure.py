"""Finds Kafka and a MongoDB-protocol server for tests: env, containers, or local processes."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import shutil
import subprocess
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from shared.testing.servers import free_port

if TYPE_CHECKING:
    from testcontainers.core.container import DockerContainer

KAFKA_IMAGE = "apache/kafka:4.0.1"
MONGO_IMAGE = "mongo:7"
STARTUP_SECONDS = 180.0


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
    """True when a Docker-compatible engine (Docker, or Podman's socket) answers, not just a CLI."""
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


def kafka_environment(port: int) -> dict[str, str]:
    """A one-node KRaft broker advertised on 127.0.0.1:port, set as `make infra-up` sets its own.

    Both apache/kafka and our localhost/voronka-kafka image read KAFKA_FOO_BAR as foo.bar.
    """
    return {
        "KAFKA_NODE_ID": "1",
        "KAFKA_PROCESS_ROLES": "broker,controller",
        "KAFKA_CONTROLLER_QUORUM_VOTERS": "1@localhost:9093",
        "KAFKA_LISTENERS": f"PLAINTEXT://0.0.0.0:{port},CONTROLLER://localhost:9093",
        "KAFKA_ADVERTISED_LISTENERS": f"PLAINTEXT://127.0.0.1:{port}",
        "KAFKA_LISTENER_SECURITY_PROTOCOL_MAP": "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
        "KAFKA_CONTROLLER_LISTENER_NAMES": "CONTROLLER",
        "KAFKA_INTER_BROKER_LISTENER_NAME": "PLAINTEXT",
        "KAFKA_NUM_PARTITIONS": "3",
        "KAFKA_DEFAULT_REPLICATION_FACTOR": "1",
        "KAFKA_MIN_INSYNC_REPLICAS": "1",
        "KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR": "1",
        "KAFKA_OFFSETS_TOPIC_NUM_PARTITIONS": "1",
        "KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR": "1",
        "KAFKA_TRANSACTION_STATE_LOG_MIN_ISR": "1",
        "KAFKA_TRANSACTION_STATE_LOG_NUM_PARTITIONS": "1",
        "KAFKA_SHARE_COORDINATOR_STATE_TOPIC_REPLICATION_FACTOR": "1",
        "KAFKA_SHARE_COORDINATOR_STATE_TOPIC_MIN_ISR": "1",
        "KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS": "0",
        "KAFKA_LOG_CLEANER_DEDUPE_BUFFER_SIZE": "8388608",
        "KAFKA_AUTO_CREATE_TOPICS_ENABLE": "true",
        "KAFKA_DELETE_TOPIC_ENABLE": "true",
    }


def wait_until(what: str, answers: Callable[[], bool], logs: Callable[[], str]) -> None:
    """Poll `answers` until true; after STARTUP_SECONDS fail with the container's last log lines."""
    deadline = time.monotonic() + STARTUP_SECONDS
    while not answers():
        if time.monotonic() > deadline:
            tail = "\n".join(logs().splitlines()[-30:])
            raise RuntimeError(f"{what} did not answer within {STARTUP_SECONDS:.0f} s:\n{tail}")
        time.sleep(0.5)


def kafka_answers(bootstrap: str) -> bool:
    """True when the broker returns cluster metadata to a real client."""
    from aiokafka.admin import AIOKafkaAdminClient

    async def probe() -> None:
        admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=3000)
        await admin.start()
        try:
            await admin.list_topics()
        finally:
            await admin.close()

    client_log = logging.getLogger("aiokafka")
    level = client_log.level
    client_log.setLevel(logging.CRITICAL)  # "Unable connect" each poll while the broker starts
    try:
        asyncio.run(probe())
    except Exception:
        return False
    finally:
        client_log.setLevel(level)
    return True


def mongo_answers(url: str) -> bool:
    """True when the server answers a ping."""
    from pymongo import MongoClient

    client: MongoClient[dict[str, object]] = MongoClient(url, serverSelectionTimeoutMS=2000)
    try:
        client.admin.command("ping")
    except Exception:
        return False
    finally:
        client.close()
    return True


def container_logs(container: DockerContainer) -> Callable[[], str]:
    """A reader of a testcontainers container's stdout and stderr."""

    def read() -> str:
        out, err = container.get_logs()
        return bytes(out + err).decode(errors="replace")

    return read


@contextlib.contextmanager
def containers() -> Iterator[Endpoints]:
    """Kafka (KRaft) and a MongoDB-protocol server in containers for the duration of the block.

    The images default to the official ones; VORONKA_TEST_KAFKA_IMAGE and
    VORONKA_TEST_MONGO_IMAGE name others (`make test-containers` gives the images `make images`
    built, for an engine that reaches no registry). Kafka's port is the same inside and out,
    so the address it advertises is the one clients dial.
    """
    from testcontainers.core.container import DockerContainer

    kafka_image = os.environ.get("VORONKA_TEST_KAFKA_IMAGE", KAFKA_IMAGE)
    mongo_image = os.environ.get("VORONKA_TEST_MONGO_IMAGE", MONGO_IMAGE)
    port = free_port()
    kafka = DockerContainer(kafka_image).with_envs(**kafka_environment(port))
    mongo = DockerContainer(mongo_image).with_exposed_ports(27017)
    with kafka.with_bind_ports(port, port), mongo:
        bootstrap = f"127.0.0.1:{port}"
        url = f"mongodb://{mongo.get_container_host_ip()}:{mongo.get_exposed_port(27017)}/"
        kafka_logs = container_logs(kafka)
        wait_until(f"Kafka ({kafka_image})", lambda: kafka_answers(bootstrap), kafka_logs)
        wait_until(f"MongoDB ({mongo_image})", lambda: mongo_answers(url), container_logs(mongo))
        yield Endpoints(bootstrap, url, f"containers ({kafka_image}, {mongo_image})")


@contextlib.contextmanager
def resolve_endpoints(root: Path) -> Iterator[Endpoints]:
    """From the environment, else containers when an engine answers, else our local processes.

    VORONKA_INFRA=local never tries containers; VORONKA_INFRA=containers insists on them.
    """
    kafka = os.environ.get("KAFKA_BOOTSTRAP_SERVERS")
    mongo = os.environ.get("MONGODB_URL")
    wanted = os.environ.get("VORONKA_INFRA", "auto")
    if kafka and mongo and wanted != "containers":
        yield Endpoints(kafka, mongo, "environment")
    elif wanted != "local" and docker_answers():
        with containers() as endpoints:
            yield endpoints
    elif wanted == "containers":
        raise RuntimeError(
            "VORONKA_INFRA=containers but no Docker-compatible engine answers at "
            f"{os.environ.get('DOCKER_HOST', 'the default socket')}; run: make test-containers"
        )
    else:
        yield start_local_processes(root)
