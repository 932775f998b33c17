"""The topic registry and the start-up step that creates missing topics explicitly.

The broker runs with auto-creation off: a topic with the wrong partition count cannot appear by
accident. Each producing service owns one topic; events are keyed by aggregate id.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import TopicAlreadyExistsError

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Topic:
    name: str
    partitions: int
    owner: str = ""
    """The service that produces to it (empty: any service, e.g. the dead-letter topic)."""
    retention_ms: int = 14 * 24 * 3600 * 1000


REGISTRATION = Topic("pactesur.registration.events", partitions=6, owner="registration")
SCHEDULING = Topic("pactesur.scheduling.events", partitions=6, owner="scheduling")
NOTIFICATIONS = Topic("pactesur.notifications.events", partitions=3, owner="notifications")
DEAD_LETTER = Topic("pactesur.deadletter", partitions=3, retention_ms=90 * 24 * 3600 * 1000)

ALL_TOPICS: tuple[Topic, ...] = (REGISTRATION, SCHEDULING, NOTIFICATIONS, DEAD_LETTER)


async def ensure_topics(bootstrap_servers: str, topics: tuple[Topic, ...] = ALL_TOPICS) -> list[str]:
    """Create the topics that do not exist yet; returns the names created. Safe to run concurrently."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap_servers, request_timeout_ms=15000)
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        missing = [t for t in topics if t.name not in existing]
        created = []
        for topic in missing:
            try:
                await admin.create_topics(
                    [
                        NewTopic(
                            topic.name,
                            num_partitions=topic.partitions,
                            replication_factor=1,
                            topic_configs={"retention.ms": str(topic.retention_ms)},
                        )
                    ]
                )
                created.append(topic.name)
            except TopicAlreadyExistsError:
                pass
        if created:
            log.info("created topics", extra={"topics": created})
        return created
    finally:
        await admin.close()
