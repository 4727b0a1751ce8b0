"""A closed-loop HTTP/1.1 load generator for loopback servers, used when `wrk` is not installed.

`python benchmarks/loadgen.py --port P --path /v1/leads --body-file F --connections 32
--seconds 10 --max-requests 100000` prints one JSON line: requests, seconds, rate, statuses.
Each connection keeps one request in flight over raw asyncio streams (keep-alive, no client
library in the way), so the generator costs far less per request than the server it measures.
Bounded by both count and time; it only ever connects to 127.0.0.1.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

HOST = "127.0.0.1"


@dataclass
class Tally:
    """What the connections did, shared between them (one event loop: no locks)."""

    remaining: int
    statuses: Counter[int] = field(default_factory=Counter)
    errors: int = 0
    latencies: list[float] = field(default_factory=list)


def request_bytes(port: int, path: str, body: bytes) -> bytes:
    """One POST with a JSON body, keep-alive."""
    head = (
        f"POST {path} HTTP/1.1\r\nHost: {HOST}:{port}\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\nConnection: keep-alive\r\n\r\n"
    )
    return head.encode() + body


async def read_response(reader: asyncio.StreamReader) -> tuple[int, bytes]:
    """Read one response with a Content-Length body; return its status and body."""
    status = int((await reader.readline()).split()[1])
    length = 0
    while (line := await reader.readline()) not in (b"\r\n", b""):
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
    return status, await reader.readexactly(length)


class OpenLoopClient:
    """Keep-alive connections for an open-loop run: a request takes an idle one or opens one.

    At most `limit` requests are in flight; the rest wait for a connection, and that wait
    counts in their latency as it would behind any client's pool.
    """

    def __init__(self, port: int, path: str, limit: int = 64) -> None:
        self._port, self._path = port, path
        self._slots = asyncio.Semaphore(limit)
        self._idle: list[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = []

    async def post(self, body: bytes, timeout: float = 10.0) -> tuple[int, bytes]:
        """POST one JSON body; the status and body of the answer."""
        async with self._slots:
            reader, writer = self._idle.pop() if self._idle else await self._open()
            try:
                writer.write(request_bytes(self._port, self._path, body))
                async with asyncio.timeout(timeout):
                    answer = await read_response(reader)
            except BaseException:
                writer.close()  # a connection in an unknown state is never reused
                raise
            self._idle.append((reader, writer))
            return answer

    async def _open(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        return await asyncio.open_connection(HOST, self._port)

    def close(self) -> None:
        """Close the idle connections."""
        for _, writer in self._idle:
            writer.close()
        self._idle.clear()


async def connection(port: int, payload: bytes, until: float, tally: Tally) -> None:
    """One keep-alive connection sending requests back to back until the count or time is up."""
    reader, writer = await asyncio.open_connection(HOST, port)
    try:
        while tally.remaining > 0 and time.perf_counter() < until:
            tally.remaining -= 1
            sent = time.perf_counter()
            writer.write(payload)
            try:
                async with asyncio.timeout(10):
                    status, _ = await read_response(reader)
            except (TimeoutError, OSError, ValueError, IndexError, asyncio.IncompleteReadError):
                tally.errors += 1
                return
            tally.latencies.append(time.perf_counter() - sent)
            tally.statuses[status] += 1
    finally:
        writer.close()


async def run(
    port: int, path: str, body: bytes, connections: int, seconds: float, max_requests: int
) -> dict[str, object]:
    """Drive the server; the rate counts answered requests over the wall time."""
    payload = request_bytes(port, path, body)
    tally = Tally(remaining=max_requests)
    started = time.perf_counter()
    until = started + seconds
    await asyncio.gather(
        *(connection(port, payload, until, tally) for _ in range(connections)),
        return_exceptions=True,
    )
    elapsed = time.perf_counter() - started
    answered = sum(tally.statuses.values())
    ordered = sorted(tally.latencies)
    return {
        "tool": "python-loadgen",
        "requests": answered,
        "seconds": round(elapsed, 2),
        "rate": round(answered / elapsed, 1),
        "statuses": {str(k): v for k, v in tally.statuses.items()},
        "errors": tally.errors,
        "p50_ms": round(ordered[len(ordered) // 2] * 1000, 2) if ordered else None,
        "p99_ms": round(ordered[int(len(ordered) * 0.99)] * 1000, 2) if ordered else None,
        "connections": connections,
    }


def main() -> None:
    """Parse the bounds and print the JSON result."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--path", required=True)
    parser.add_argument("--body-file", type=Path, required=True)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--max-requests", type=int, default=200_000)
    args = parser.parse_args()
    result = asyncio.run(
        run(
            args.port,
            args.path,
            args.body_file.read_bytes(),
            args.connections,
            args.seconds,
            args.max_requests,
        )
    )
    print(json.dumps(result))  # noqa: T201 - the result is the output


if __name__ == "__main__":
    main()
