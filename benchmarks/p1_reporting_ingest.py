"""P1: reporting's ingest rate ÷ a bare aiokafka consumer reading the same freshly written topics.

The reporting service is built in-process with `bootstrap.build` and started cold; its progress
is the committed offsets of its consumer group. Events are lead events (assigned, contacted,
two activities, qualified) produced in bulk by an aiokafka producer.
"""

from __future__ import annotations

from typing import Any

from figures import Figure, at_least, failed, figure
from pydantic import SecretStr
from reporting_ingest import bare_rate, lead_events, produce, reporting_rate
from stack import Stack, isolated

from reporting.settings import ReportingSettings
from shared.platform.settings import MongoSettings

KEY = "P1"
WHAT = "reporting ingest ÷ bare aiokafka consumer"


async def run(stack: Stack, quick: bool) -> list[Figure]:
    """Write the events once, then time the bare consumer, a decoding one and the service."""
    events_wanted = 20_000 if quick else 100_000
    params: dict[str, Any] = {"events": events_wanted}
    try:
        async with isolated(stack, KEY) as kafka:
            settings = ReportingSettings(
                http_port=8004,
                kafka=kafka,
                mongodb=MongoSettings(url=SecretStr(stack.mongo_url)),
                database=kafka.topic_prefix.rstrip(".") + "_reporting",
                log_level="WARNING",
            )
            events = lead_events(events_wanted)
            await produce(kafka, events)
            bare = await bare_rate(kafka, len(events))
            decoding = await bare_rate(kafka, len(events), decoding=True)
            ingest = await reporting_rate(settings, len(events))
    except Exception as exc:  # one broken figure must not stop the run
        return [failed(KEY, WHAT, exc, **params)]
    params.update(decoding_consumer_events_per_s=round(decoding))
    return [
        figure(
            KEY,
            WHAT,
            ingest,
            "ev/s",
            baseline=bare,
            target="ratio ≥ 0.4",
            verdict=at_least(ingest / bare, 0.4),
            parameters=params,
            note=f"÷ decoding consumer: {ingest / decoding:.2f}",
        )
    ]
