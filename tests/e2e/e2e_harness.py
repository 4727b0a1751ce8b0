"""The four services as separate OS processes on the real broker and database, for e2e tests."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

from shared.testing.kafka import wait_until
from shared.testing.servers import free_port

SERVICES = ("leads", "deals", "notifications", "reporting")


@dataclass
class Fleet:
    """Starts, stops and restarts service processes that share topics, clock and SMTP."""

    env: dict[str, str]
    logs: Path
    ports: dict[str, int] = field(default_factory=dict)
    processes: dict[str, asyncio.subprocess.Process] = field(default_factory=dict)

    def url(self, service: str) -> str:
        return f"http://127.0.0.1:{self.ports[service]}"

    async def start(self, service: str) -> None:
        port = self.ports.setdefault(service, free_port())
        prefix = service.upper()
        env = {**self.env, f"{prefix}_HTTP_PORT": str(port), f"{prefix}_LOG_JSON": "true"}
        log = (self.logs / f"{service}.log").open("ab")
        self.processes[service] = await asyncio.create_subprocess_exec(
            sys.executable, "-m", service, env=env, stdout=log, stderr=subprocess.STDOUT
        )

        async def ready() -> bool:
            process = self.processes[service]
            if process.returncode is not None:
                raise AssertionError(f"{service} exited with {process.returncode}; see {log.name}")
            try:
                async with httpx.AsyncClient(timeout=2) as http:
                    return (await http.get(f"{self.url(service)}/readyz")).status_code == 200
            except httpx.HTTPError:
                return False

        await wait_until(ready, timeout=60, interval=0.2)

    async def stop(self, service: str) -> None:
        process = self.processes.pop(service)
        process.send_signal(signal.SIGTERM)
        try:
            await asyncio.wait_for(process.wait(), 10)
        except TimeoutError:
            process.kill()
            await process.wait()
        assert process.returncode in (0, -signal.SIGKILL), f"{service} exit {process.returncode}"

    async def stop_all(self) -> None:
        for service in list(self.processes):
            await self.stop(service)


def service_env(
    base: Mapping[str, str], *, test_id: str, extra: Mapping[str, str] | None = None
) -> dict[str, str]:
    """Environment shared by every process: own topics prefix and databases for this test."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LEADS_", "DEALS_"))}
    env.update(base)
    for service in SERVICES:
        env[f"{service.upper()}_DATABASE"] = f"{test_id}_{service}"
    env.update(extra or {})
    return env


async def get_json(http: httpx.AsyncClient, url: str, **params: Any) -> Any:
    response = await http.get(url, params=params)
    assert response.status_code == 200, f"GET {url}: {response.status_code} {response.text}"
    return response.json()


@dataclass
class SharedClock:
    """The clock every service process reads: real time plus the offset in a file."""

    path: Path
    offset: float = 0.0

    def set_offset(self, seconds: float) -> None:
        self.offset = seconds
        self.path.write_text(str(seconds))

    def advance(self, delta: timedelta) -> None:
        self.set_offset(self.offset + delta.total_seconds())

    def now(self) -> datetime:
        return datetime.now(UTC) + timedelta(seconds=self.offset)
