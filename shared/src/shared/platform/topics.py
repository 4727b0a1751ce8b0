"""Topic provisioning: create every topic with its partitions and retention, idempotently."""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Iterable

from aiokafka.admin import NewTopic
from aiokafka.errors import TopicAlreadyExistsError, for_code

from shared.contracts.topics import TOPIC_SPECS, TopicSpec
from shared.platform.kafka import admin_client
from shared.platform.settings import KafkaSettings


async def ensure_topics(
    settings: KafkaSettings,
    specs: Iterable[TopicSpec] = TOPIC_SPECS,
    *,
    prefix: str = "",
    replication_factor: int = 1,
) -> list[str]:
    """Create the topics that do not exist yet; return the names created (others are kept)."""
    admin = admin_client(settings, client_id="voronka-topics")
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        missing = [
            NewTopic(
                name=prefix + spec.name,
                num_partitions=spec.partitions,
                replication_factor=replication_factor,
                topic_configs=spec.configs,
            )
            for spec in specs
            if prefix + spec.name not in existing
        ]
        if not missing:
            return []
        response = await admin.create_topics(missing)
        created: list[str] = []
        for name, error_code, *_ in response.topic_errors:
            if error_code == 0:
                created.append(name)
            elif error_code != TopicAlreadyExistsError.errno:  # a concurrent creator won: fine
                raise for_code(error_code)(f"could not create topic {name}")
        return created
    finally:
        await admin.close()


async def delete_prefixed_topics(settings: KafkaSettings, prefix: str) -> list[str]:
    """Delete every topic whose name starts with `prefix` (a test's or a demo's own topics)."""
    if not prefix:
        raise ValueError("refusing to delete topics without a prefix")
    admin = admin_client(settings, client_id="voronka-topics")
    await admin.start()
    try:
        doomed = [name for name in await admin.list_topics() if name.startswith(prefix)]
        if doomed:
            await admin.delete_topics(doomed)
        return doomed
    finally:
        await admin.close()


def main() -> None:
    """`python -m shared.platform.topics`: create every Voronka topic on the configured cluster."""
    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("--replication-factor", type=int, default=1)
    args = parser.parse_args()
    settings = KafkaSettings()
    created = asyncio.run(
        ensure_topics(
            settings, prefix=settings.topic_prefix, replication_factor=args.replication_factor
        )
    )
    print(f"topics: {len(created)} created, {len(TOPIC_SPECS) - len(created)} already there")  # noqa: T201


if __name__ == "__main__":
    main()
