"""Kafka clients configured once: topic creation, the idempotent producer and the dead-letter publisher."""

from __future__ import annotations

import logging

from aiokafka import AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import TopicAlreadyExistsError
from aiokafka.structs import ConsumerRecord

from shared.contracts import topics
from shared.contracts.topics import ALL_TOPICS, Topic

log = logging.getLogger(__name__)

MAX_DEAD_LETTER_BYTES = 900_000


async def ensure_topics(
    bootstrap_servers: str,
    topics: tuple[Topic, ...] = ALL_TOPICS,
    *,
    replication_factor: int = 1,
    min_insync_replicas: int = 1,
) -> list[str]:
    """Create the topics that do not exist yet, with KAFKA_REPLICATION_FACTOR replicas and
    KAFKA_MIN_INSYNC_REPLICAS; returns the names created. Safe to run concurrently. A topic that
    exists is left as it is (changing its replicas is a reassignment, an operator's decision)."""
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
                            replication_factor=replication_factor,
                            topic_configs={
                                "retention.ms": str(topic.retention_ms),
                                "min.insync.replicas": str(min_insync_replicas),
                            },
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


def create_producer(bootstrap_servers: str) -> AIOKafkaProducer:
    """acks=all + idempotence: no duplicate and no reordering within a partition on retries."""
    return AIOKafkaProducer(
        bootstrap_servers=bootstrap_servers,
        acks="all",
        enable_idempotence=True,
        linger_ms=5,
        request_timeout_ms=15000,
        max_request_size=1_048_576,
    )


async def kafka_reachable(producer: AIOKafkaProducer) -> None:
    """Raise unless the cluster answers a metadata request now."""
    await producer.client.fetch_all_metadata()


class DeadLetters:
    """Copies a message that cannot be processed to the dead-letter topic, with the reason."""

    def __init__(self, producer: AIOKafkaProducer, topic: str = topics.DEAD_LETTER.name) -> None:
        self.producer = producer
        self.topic = topic

    async def send(self, record: ConsumerRecord, reason: str, *, consumer: str) -> None:
        source = f"{record.topic}/{record.partition}/{record.offset}"
        await self.send_value(record.value or b"", record.key, reason, consumer=consumer, source=source)

    async def send_value(self, value: bytes, key: bytes | None, reason: str, *, consumer: str, source: str) -> None:
        """Dead-letter a message that is not a consumed record (e.g. an event whose email finally failed)."""
        truncated = len(value) > MAX_DEAD_LETTER_BYTES
        headers = [
            ("dlq.reason", reason[:2000].encode()),
            ("dlq.consumer", consumer.encode()),
            ("dlq.source", source.encode()),
            ("dlq.truncated", b"true" if truncated else b"false"),
        ]
        await self.producer.send_and_wait(self.topic, value[:MAX_DEAD_LETTER_BYTES], key=key, headers=headers)
        log.warning("message dead-lettered", extra={"reason": reason, "source": source})
