"""The fault suite's own Kafka and FerretDB, to be started, killed, frozen and restarted at will.

They reuse what `make infra-up` downloaded and built (Kafka's jars, the patched FerretDB) but run
on free ports with their own data, so killing them never touches the stack of `make run`.
"""

from __future__ import annotations

import base64
import os
import signal
import socket
import subprocess
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from shared.testing.servers import free_port

ROOT = Path(__file__).resolve().parents[2]
CACHE = Path(os.environ.get("VORONKA_CACHE", ROOT / ".cache"))


def port_open(port: int) -> bool:
    """True when something accepts TCP connections on 127.0.0.1:port."""
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def wait_for_port(name: str, port: int, process: subprocess.Popen[bytes], log: Path) -> None:
    """Block until the port opens; fail with the log's tail if the process died or took 90 s."""
    deadline = time.monotonic() + 90
    while not port_open(port):
        if process.poll() is not None:
            tail = log.read_text(errors="replace")[-2000:]
            raise RuntimeError(f"{name} exited with {process.returncode}:\n{tail}")
        if time.monotonic() > deadline:
            raise RuntimeError(f"{name} did not open port {port} in 90 s (log: {log})")
        time.sleep(0.2)


@dataclass
class Daemon:
    """One infrastructure process this suite owns."""

    name: str
    port: int
    command: list[str]
    log: Path
    env: dict[str, str] = field(default_factory=dict)
    process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(
                self.command,
                stdout=out,
                stderr=subprocess.STDOUT,
                env={**os.environ, **self.env},
                start_new_session=True,
            )
        wait_for_port(self.name, self.port, self.process, self.log)

    def signal(self, signum: signal.Signals) -> None:
        assert self.process is not None, f"{self.name} is not running"
        self.process.send_signal(signum)

    def kill(self) -> None:
        """kill -9 and reap."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGCONT)
            self.process.kill()
            self.process.wait()
        self.process = None

    def stop(self) -> None:
        """SIGTERM, then kill -9 after 20 s."""
        if self.process is None or self.process.poll() is not None:
            self.process = None
            return
        self.process.send_signal(signal.SIGCONT)
        self.process.terminate()
        try:
            self.process.wait(20)
        except subprocess.TimeoutExpired:
            self.kill()
        self.process = None


def cluster_id() -> str:
    """A KRaft cluster id: 16 random bytes, URL-safe base64 without padding."""
    return base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")


def kafka_daemon(home: Path) -> Daemon:
    """A single-node KRaft broker in `home`, formatted on first use."""
    lib = CACHE / "kafka" / "lib"
    if not lib.is_dir():
        raise RuntimeError(f"no Kafka jars in {lib}: run `make infra-up` once")
    port, controller = free_port(), free_port()
    data = home / "kafka-data"
    config = home / "kafka.properties"
    config.write_text(
        "\n".join(
            [
                "process.roles=broker,controller",
                "node.id=1",
                f"controller.quorum.voters=1@127.0.0.1:{controller}",
                f"listeners=PLAINTEXT://127.0.0.1:{port},CONTROLLER://127.0.0.1:{controller}",
                f"advertised.listeners=PLAINTEXT://127.0.0.1:{port}",
                "controller.listener.names=CONTROLLER",
                "listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
                "inter.broker.listener.name=PLAINTEXT",
                f"log.dirs={data}",
                "num.partitions=3",
                "offsets.topic.replication.factor=1",
                "offsets.topic.num.partitions=1",
                "transaction.state.log.replication.factor=1",
                "transaction.state.log.min.isr=1",
                "share.coordinator.state.topic.replication.factor=1",
                "share.coordinator.state.topic.min.isr=1",
                "group.initial.rebalance.delay.ms=0",
                "log.cleaner.dedupe.buffer.size=8388608",
                "auto.create.topics.enable=true",
                "delete.topic.enable=true",
                "",
            ]
        )
    )
    classpath = f"{lib}/*"
    if not (data / "meta.properties").exists():
        subprocess.run(
            # `--cluster-id=`: a random id may start with "-", which `-t <id>` reads as an option.
            ["java", "-cp", classpath, "kafka.tools.StorageTool", "format",
             f"--cluster-id={cluster_id()}", "-c", str(config), "--ignore-formatted"],
            check=True,
            capture_output=True,
        )  # fmt: skip
    command = ["java", "-Xms256m", "-Xmx512m", "-XX:+UseG1GC", "-cp", classpath, "kafka.Kafka"]
    return Daemon("kafka", port, [*command, str(config)], home / "kafka.log")


def ferretdb_daemon(home: Path) -> Daemon:
    """The patched FerretDB over SQLite files in `home`."""
    binary = CACHE / "ferretdb" / "voronka-ferretdb"
    if not binary.exists():
        raise RuntimeError(f"no FerretDB at {binary}: run `make infra-up` once")
    port = free_port()
    data = home / "ferretdb-data"
    data.mkdir(parents=True, exist_ok=True)
    command = [
        str(binary),
        f"--listen-addr=127.0.0.1:{port}",
        f"--sqlite-url=file:{data}/?_pragma=synchronous(normal)",
    ]
    return Daemon("ferretdb", port, command, home / "ferretdb.log")


@dataclass
class Infrastructure:
    """Kafka and the database for one suite run."""

    kafka: Daemon
    database: Daemon

    @classmethod
    def start(cls, home: Path) -> Infrastructure:
        home.mkdir(parents=True, exist_ok=True)
        infra = cls(kafka_daemon(home), ferretdb_daemon(home))
        infra.kafka.start()
        infra.database.start()
        return infra

    @property
    def bootstrap_servers(self) -> str:
        return f"127.0.0.1:{self.kafka.port}"

    @property
    def mongodb_url(self) -> str:
        return f"mongodb://127.0.0.1:{self.database.port}/"

    def shutdown(self) -> None:
        self.database.stop()
        self.kafka.stop()
