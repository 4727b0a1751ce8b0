"""P2: `POST /v1/leads` of the real leads service ÷ a bare FastAPI endpoint with the same model.

Both servers run as their own processes on loopback (the service through `python -m leads`,
uvicorn inside; the baseline through `bare_intake.py` with the same uvicorn settings) and are
driven by the same load generator, one after the other: `wrk` when installed, otherwise
`loadgen.py` (closed loop, raw keep-alive HTTP/1.1). The service answers only once Kafka
acknowledged `lead.received`, and its consumer stores the leads in the same process meanwhile.
"""

from __future__ import annotations

import asyncio
import json
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from figures import Figure, at_least, failed, figure
from stack import Stack, free_port, isolated, start_process, start_service

KEY = "P2"
WHAT = "`POST /v1/leads` ÷ bare FastAPI, same model"
HERE = Path(__file__).resolve().parent
BODY = {
    "source": "website",
    "channel": "web_form",
    "contact": {"name": "Bench Lead", "phone": "+7 900 000-00-00", "email": "b@bench.example"},
    "request_text": "Нужны 20 станков ЧПУ до конца квартала",
    "product": "Станок ЧПУ X200",
    "quantity": "20",
    "budget": {"amount": "3000000", "currency": "RUB"},
    "region": "Екатеринбург",
}


def wrk_rate(port: int, body: Path, connections: int, seconds: float) -> dict[str, Any]:
    """Requests/s that `wrk` reports against the endpoint."""
    script = body.with_suffix(".lua")
    script.write_text(
        'wrk.method = "POST"\nwrk.headers["Content-Type"] = "application/json"\n'
        f"wrk.body = [[{body.read_text()}]]\n"
    )
    out = subprocess.run(  # noqa: S603 - fixed argv, loopback target
        [  # noqa: S607 - wrk from PATH, as installed by the distribution
            "wrk",
            "-t2",
            f"-c{connections}",
            f"-d{max(1, round(seconds))}s",
            "-s",
            str(script),
            f"http://127.0.0.1:{port}/v1/leads",
        ],
        capture_output=True,
        text=True,
        timeout=seconds + 30,
        check=True,
    ).stdout
    rate = re.search(r"Requests/sec:\s+([\d.]+)", out)
    non2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    return {
        "tool": "wrk",
        "rate": float(rate.group(1)) if rate else 0.0,
        "non_2xx": int(non2xx.group(1)) if non2xx else 0,
    }


def python_rate(port: int, body: Path, connections: int, seconds: float) -> dict[str, Any]:
    """The fallback generator in its own process, so it does not share the suite's loop."""
    out = subprocess.run(  # noqa: S603 - our own script with fixed arguments
        [
            sys.executable,
            str(HERE / "loadgen.py"),
            f"--port={port}",
            "--path=/v1/leads",
            f"--body-file={body}",
            f"--connections={connections}",
            f"--seconds={seconds}",
            "--max-requests=500000",
        ],
        capture_output=True,
        text=True,
        timeout=seconds + 60,
        check=True,
    ).stdout
    result: dict[str, Any] = json.loads(out.strip().splitlines()[-1])
    result["non_2xx"] = sum(v for k, v in result["statuses"].items() if not k.startswith("2"))
    return result


def drive(port: int, body: Path, connections: int, seconds: float) -> dict[str, Any]:
    """A short warm-up, then the measured run."""
    measure = wrk_rate if shutil.which("wrk") else python_rate
    measure(port, body, connections, min(2.0, seconds))
    return measure(port, body, connections, seconds)


async def run(stack: Stack, quick: bool) -> list[Figure]:
    """Both servers, the same load, one ratio."""
    seconds, connections = (6.0, 16) if quick else (20.0, 32)
    params: dict[str, Any] = {"seconds": seconds, "connections": connections}
    try:
        async with isolated(stack, KEY) as kafka:
            with tempfile.TemporaryDirectory() as tmp:
                body = Path(tmp) / "lead.json"
                body.write_text(json.dumps(BODY, ensure_ascii=False))
                service = await start_service(
                    stack, kafka, "leads", LEADS_CALENDAR="around_the_clock"
                )
                try:
                    real = await asyncio.to_thread(drive, service.port, body, connections, seconds)
                finally:
                    service.stop()
                port = free_port()
                bare_process = start_process(
                    "bare-intake",
                    [sys.executable, str(HERE / "bare_intake.py"), str(port)],
                    {},
                    port,
                )
                try:
                    await bare_process.ready()
                    bare = await asyncio.to_thread(drive, port, body, connections, seconds)
                finally:
                    bare_process.stop()
    except Exception as exc:  # one broken figure must not stop the run
        return [failed(KEY, WHAT, exc, **params)]
    params.update(tool=real["tool"], service=real, bare=bare)
    ratio = real["rate"] / bare["rate"] if bare["rate"] else None
    note = f"{real['tool']}"
    if real["tool"] != "wrk":
        note += " (wrk not installed: Python generator, it shares the 2 cores)"
    if real["non_2xx"] or bare["non_2xx"]:
        note += f"; non-2xx: service {real['non_2xx']}, bare {bare['non_2xx']}"
    return [
        figure(
            KEY,
            WHAT,
            real["rate"],
            "req/s",
            baseline=bare["rate"],
            target="ratio ≥ 0.5",
            verdict=at_least(ratio, 0.5),
            parameters=params,
            note=note,
        )
    ]
