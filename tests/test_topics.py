"""The services' topics are created with the replication settings (KAFKA_REPLICATION_FACTOR,
KAFKA_MIN_INSYNC_REPLICAS); a topic that exists is left alone. On the one local broker, replicas are 1:
a cluster of three is section 1 of issue [6/6]."""

import uuid

from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType

from shared.contracts.topics import Topic
from shared.messaging.kafka import ensure_topics


async def test_topics_are_created_once_with_the_replication_settings(infrastructure):
    bootstrap = infrastructure.kafka_bootstrap_servers
    topic = Topic(f"test.topics.{uuid.uuid4().hex[:8]}", partitions=2)
    assert await ensure_topics(bootstrap, (topic,), replication_factor=1, min_insync_replicas=1) == [topic.name]
    assert await ensure_topics(bootstrap, (topic,), replication_factor=1, min_insync_replicas=1) == []
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        [described] = await admin.describe_topics([topic.name])
        [configs] = await admin.describe_configs([ConfigResource(ConfigResourceType.TOPIC, topic.name)])
    finally:
        await admin.close()
    assert [len(p["replicas"]) for p in described["partitions"]] == [1, 1]
    values = {entry[0]: entry[1] for entry in configs.resources[0][4]}
    assert values["min.insync.replicas"] == "1" and values["retention.ms"] == str(topic.retention_ms)
