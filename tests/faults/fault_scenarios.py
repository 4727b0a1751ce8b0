"""The faults, each injected once per run at a moment the run's seed picks."""

from __future__ import annotations

import asyncio
import random
import signal
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from aiokafka import AIOKafkaConsumer
from aiokafka.admin import AIOKafkaAdminClient
from fault_fleet import LEASE_SECONDS, Fleet
from fault_stack import Infrastructure
from fault_workload import Ledger, Publisher


@dataclass
class Target:
    """What a fault can reach: the infrastructure, the replicas and the topics."""

    infra: Infrastructure
    fleet: Fleet
    publisher: Publisher
    rng: random.Random
    prefix: str
    ledger: Ledger
    log: Callable[[str], None]


Fault = Callable[[Target], Awaitable[None]]


def kill(service: str) -> Fault:
    async def fault(t: Target) -> None:
        replica = t.rng.choice(t.fleet.of(service))
        t.log(f"kill -9 {replica.name}")
        await t.fleet.kill(replica.name)
        await asyncio.sleep(t.rng.uniform(0.2, 3))
        await t.fleet.restart(replica.name)
        t.log(f"{replica.name} back")

    return fault


async def freeze_past_lease(t: Target) -> None:
    """SIGSTOP a replica of a service with two, for two leases, then SIGCONT."""
    replica = t.rng.choice(t.fleet.of("notifications") + t.fleet.of("leads"))
    t.log(f"SIGSTOP {replica.name}")
    t.fleet.freeze(replica.name)
    await asyncio.sleep(2 * LEASE_SECONDS + 2)
    t.fleet.thaw(replica.name)
    t.log(f"SIGCONT {replica.name}")


async def kafka_restart(t: Target) -> None:
    t.log("kill -9 kafka")
    await asyncio.to_thread(t.infra.kafka.kill)
    await asyncio.sleep(t.rng.uniform(1, 4))
    await asyncio.to_thread(t.infra.kafka.start)
    t.log("kafka back")


async def database_stall(t: Target) -> None:
    """SIGSTOP the database for a while, then SIGCONT: every operation hangs meanwhile."""
    seconds = t.rng.uniform(4, 10)
    t.log(f"SIGSTOP database for {seconds:.1f} s")
    t.infra.database.signal(signal.SIGSTOP)
    await asyncio.sleep(seconds)
    t.infra.database.signal(signal.SIGCONT)
    t.log("SIGCONT database")


async def database_restart(t: Target) -> None:
    """Stall the database, then kill -9 it and start it again on the same files."""
    t.infra.database.signal(signal.SIGSTOP)
    t.log("SIGSTOP database, then kill -9")
    await asyncio.sleep(t.rng.uniform(1, 3))
    await asyncio.to_thread(t.infra.database.kill)
    await asyncio.to_thread(t.infra.database.start)
    t.log("database back")


async def offsets_back(t: Target) -> None:
    """Stop a service, move every consumer group of it back to the first offset, start it."""
    service = t.rng.choice(["leads", "deals", "notifications", "reporting"])
    t.log(f"replay: {service} from the first offset")
    for replica in t.fleet.of(service):
        await t.fleet.stop(replica.name)
    await reset_groups(t.infra.bootstrap_servers, f"{t.prefix}voronka-{service}")
    for replica in t.fleet.of(service):
        await t.fleet.spawn(replica)
    for replica in t.fleet.of(service):
        await t.fleet.ready(replica)
    t.log(f"{service} replaying")


async def reset_groups(bootstrap: str, group_prefix: str) -> None:
    """Commit offset 0 on every partition every group named `group_prefix…` has committed."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        groups = [g[0] for g in await admin.list_consumer_groups() if g[0].startswith(group_prefix)]
        for group in groups:
            offsets = await admin.list_consumer_group_offsets(group)
            partitions = list(offsets)
            if not partitions:
                continue
            consumer = AIOKafkaConsumer(
                bootstrap_servers=bootstrap, group_id=group, enable_auto_commit=False
            )
            await consumer.start()
            try:
                consumer.assign(partitions)
                await consumer.commit({tp: 0 for tp in partitions})
            finally:
                await consumer.stop()
    finally:
        await admin.close()


async def poison_storm(t: Target) -> None:
    """Twenty messages no contract accepts, spread over the topics the services read."""
    topics = ["lead.received", "lead.activity_logged", "payment.received"]
    for n in range(20):
        topic = t.rng.choice(topics)
        await t.publisher.send(topic, b"\xff\xfe not json " + str(n).encode(), key=f"storm-{n}")
        t.ledger.poison[topic] = t.ledger.poison.get(topic, 0) + 1
    t.log("20 poison messages sent")


@dataclass(frozen=True)
class Scenario:
    """A name, its fault (None: the workload alone) and a replica whose clock is skewed."""

    name: str
    fault: Fault | None = None
    skew: tuple[str, float] | None = None
    in_ci: bool = False


SCENARIOS = [
    Scenario("baseline"),
    Scenario("kill-leads", kill("leads"), in_ci=True),
    Scenario("kill-deals", kill("deals"), in_ci=True),
    Scenario("kill-notifications", kill("notifications"), in_ci=True),
    Scenario("kill-reporting", kill("reporting"), in_ci=True),
    Scenario("freeze-past-lease", freeze_past_lease),
    Scenario("kafka-restart", kafka_restart, in_ci=True),
    Scenario("database-stall", database_stall, in_ci=True),
    Scenario("database-restart", database_restart),
    Scenario("offsets-back", offsets_back),
    Scenario("poison-storm", poison_storm),
    Scenario("clock-ahead", skew=("notifications-2", 2 * LEASE_SECONDS)),
    Scenario("clock-behind", skew=("leads-2", -2 * LEASE_SECONDS)),
]
