"""Service processes: exit 2 on one line when they cannot start; ready, then a clean SIGTERM."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from shared.testing.infrastructure import Endpoints, repo_root
from shared.testing.servers import free_port

pytestmark = pytest.mark.integration

ROOT = repo_root(Path(__file__).resolve().parent)
SERVICE_PREFIXES = {
    "leads": "LEADS_",
    "deals": "DEALS_",
    "notifications": "NOTIFICATIONS_",
    "reporting": "REPORTING_",
}
INHERITED_PREFIXES = ("KAFKA_", "MONGODB_", *SERVICE_PREFIXES.values())


def service_env(infrastructure: Endpoints, **overrides: str) -> dict[str, str]:
    """The real infrastructure, nothing inherited that could change a service's settings."""
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.upper().startswith(INHERITED_PREFIXES)
    }
    env["KAFKA_BOOTSTRAP_SERVERS"] = infrastructure.kafka_bootstrap_servers
    env["MONGODB_URL"] = infrastructure.mongodb_url
    env.update(overrides)
    return env


@dataclass(frozen=True)
class Finished:
    returncode: int
    stdout: str
    stderr: str
    seconds: float


def run_to_exit(service: str, env: dict[str, str], *, timeout: float) -> Finished:
    """Run `python -m <service>` until it exits by itself; a hang fails the test."""
    started = time.monotonic()
    try:
        result = subprocess.run(
            [sys.executable, "-m", service],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:  # run() has killed it already
        pytest.fail(f"{service} still ran after {timeout} s; stderr: {exc.stderr!r}")
    return Finished(result.returncode, result.stdout, result.stderr, time.monotonic() - started)


def the_one_line(finished: Finished) -> str:
    assert finished.returncode == 2, finished
    assert "Traceback" not in finished.stderr
    assert "Traceback" not in finished.stdout
    lines = finished.stderr.splitlines()
    assert len(lines) == 1, finished.stderr
    assert lines[0].strip()
    assert finished.stderr == lines[0] + "\n"
    return lines[0]


def test_malformed_bootstrap_servers_exit_2_on_one_line(infrastructure: Endpoints) -> None:
    env = service_env(infrastructure, KAFKA_BOOTSTRAP_SERVERS="not a host")

    finished = run_to_exit("leads", env, timeout=30)

    line = the_one_line(finished)
    assert line.startswith("leads: configuration error: ")
    assert "KAFKA_BOOTSTRAP_SERVERS" in line
    assert finished.seconds < 10


@pytest.mark.parametrize(
    "bootstrap",
    [
        "127.0.0.1:1",  # nobody listens
        "kafka..internal:9092",  # passes the settings check, then UnicodeError in the resolver
    ],
)
def test_unreachable_kafka_exits_2_on_one_line(infrastructure: Endpoints, bootstrap: str) -> None:
    env = service_env(infrastructure, KAFKA_BOOTSTRAP_SERVERS=bootstrap)

    finished = run_to_exit("leads", env, timeout=40)

    line = the_one_line(finished)
    assert line.startswith(f"leads: Kafka at {bootstrap} ")
    assert "KAFKA_BOOTSTRAP_SERVERS" in line
    assert finished.seconds < 20


def test_mongodb_nobody_listens_on_exits_2_on_one_line_without_the_password(
    infrastructure: Endpoints,
) -> None:
    env = service_env(infrastructure, MONGODB_URL="mongodb://voronka:s3cret@127.0.0.1:1/")

    finished = run_to_exit("leads", env, timeout=40)

    line = the_one_line(finished)
    assert line.startswith("leads: MongoDB ")
    assert "MONGODB_URL" in line
    assert "s3cret" not in finished.stderr
    assert "s3cret" not in finished.stdout
    assert finished.seconds < 25


def test_mongodb_url_pymongo_refuses_exits_2_on_one_line(infrastructure: Endpoints) -> None:
    # The scheme is right, so settings accept it; PyMongo's own parser refuses the port.
    env = service_env(infrastructure, MONGODB_URL="mongodb://voronka:s3cret@db:99999/")

    finished = run_to_exit("leads", env, timeout=40)

    line = the_one_line(finished)
    assert line.startswith("leads: MongoDB ")
    assert "MONGODB_URL" in line
    assert "s3cret" not in finished.stderr
    assert finished.seconds < 20


def wait_until_alive(
    http: httpx.Client, process: subprocess.Popen[bytes], log: Path, deadline: float
) -> None:
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"exited with {process.returncode} before answering: {log.read_text()}")
        try:
            if http.get("/healthz").status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)  # poll interval, not a wait for something to happen
    pytest.fail(f"/healthz did not answer within the deadline: {log.read_text()}")


@pytest.mark.parametrize("service", list(SERVICE_PREFIXES))
def test_service_starts_is_ready_and_stops_cleanly_on_sigterm(
    service: str, infrastructure: Endpoints, test_id: str, tmp_path: Path
) -> None:
    prefix = SERVICE_PREFIXES[service]
    port = free_port()
    env = service_env(
        infrastructure,
        **{f"{prefix}HTTP_PORT": str(port), f"{prefix}DATABASE": f"{test_id}_{service}"},
    )
    stdout_path, stderr_path = tmp_path / "stdout.log", tmp_path / "stderr.log"
    with stdout_path.open("wb") as stdout, stderr_path.open("wb") as stderr:
        process = subprocess.Popen(
            [sys.executable, "-m", service], cwd=ROOT, env=env, stdout=stdout, stderr=stderr
        )
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=10) as http:
            wait_until_alive(http, process, stderr_path, time.monotonic() + 60)
            ready = http.get("/readyz")

        assert ready.status_code == 200, ready.text
        assert ready.json() == {"status": "ready", "checks": {"kafka": "ok", "mongodb": "ok"}}

        process.send_signal(signal.SIGTERM)
        try:
            returncode = process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            pytest.fail(f"{service} still ran 15 s after SIGTERM")
        assert returncode == 0
        output = stdout_path.read_text() + stderr_path.read_text()
        assert "Traceback" not in output
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=10)
