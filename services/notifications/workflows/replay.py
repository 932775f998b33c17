"""Replaying the dead-letter topic (staff/ops): what notifications dead-lettered gets another go.

- a message the consumer could not process (poison, unknown version, failing handler) is produced
  again to its source topic: after a fix or an upgrade it is processed; if it is still bad it comes
  back to the dead-letter topic with its reason;
- an event whose email finally failed (`notifications.delivery`) has its delivery row made due
  again (same Message-ID), since re-producing the event would be deduplicated by the ledger.
The replay reads with its own consumer group and commits, so each dead letter is replayed once;
it stops at the end of the topic as it was when the replay started.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import UTC, datetime

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient

from services.notifications.domain.dead_letters import DeadLetter, replay_action
from services.notifications.storage import deliveries
from shared.contracts import topics
from shared.dependencies import Dependencies

REPLAY_GROUP = "notifications-dead-letter-replay"
MAX_SECONDS = 60.0
LISTED = 200
"""The most dead letters a listing shows (the oldest waiting first)."""


@dataclass
class ReplayReport:
    republished: int = 0
    resent: int = 0
    skipped: int = 0


async def replay_dead_letters(deps: Dependencies, producer: AIOKafkaProducer) -> ReplayReport:
    consumer = AIOKafkaConsumer(
        topics.DEAD_LETTER.name,
        bootstrap_servers=deps.settings.kafka_bootstrap_servers,
        group_id=REPLAY_GROUP,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
    )
    await consumer.start()
    report = ReplayReport()
    deadline = asyncio.get_running_loop().time() + MAX_SECONDS
    ends: dict[TopicPartition, int] | None = None
    try:
        while asyncio.get_running_loop().time() < deadline:
            batch = await consumer.getmany(timeout_ms=1000)
            for records in batch.values():
                for record in records:
                    await _replay_one(deps, producer, record, report)
            if batch:
                await consumer.commit()
            if ends is None and consumer.assignment():
                ends = await consumer.end_offsets(list(consumer.assignment()))
            if ends is not None and not await _behind(consumer, ends):
                break
    finally:
        await consumer.stop()
    return report


async def _behind(consumer: AIOKafkaConsumer, ends: dict[TopicPartition, int]) -> bool:
    for partition, end in ends.items():
        if await consumer.position(partition) < end:
            return True
    return False


async def _replay_one(deps: Dependencies, producer: AIOKafkaProducer, record, report: ReplayReport) -> None:
    headers = _headers(record)
    source = headers.get("dlq.source", "")
    action = replay_action(headers.get("dlq.consumer"), source)
    if action == "resend":
        resent = await deliveries.resend(deps.pool, int(source.split("/")[1]), deps.now())
        report.resent += resent is not None
        report.skipped += resent is None
    elif action == "republish":
        await producer.send_and_wait(source.split("/")[0], record.value, key=record.key)
        report.republished += 1
    else:
        report.skipped += 1


def _headers(record) -> dict[str, str]:
    return {key: value.decode(errors="replace") for key, value in record.headers}


async def waiting_dead_letters(deps: Dependencies, limit: int = LISTED) -> list[DeadLetter]:
    """What the next replay would act on: the dead letters after the replay group's committed offsets
    (read without joining the group, so listing never moves them), oldest first."""
    servers, topic = deps.settings.kafka_bootstrap_servers, topics.DEAD_LETTER.name
    admin = AIOKafkaAdminClient(bootstrap_servers=servers)
    await admin.start()
    try:
        committed = await admin.list_consumer_group_offsets(REPLAY_GROUP)
        [described] = await admin.describe_topics([topic])
    finally:
        await admin.close()
    partitions = [TopicPartition(topic, p["partition"]) for p in described.get("partitions", ())]
    if not partitions:
        return []
    consumer = AIOKafkaConsumer(bootstrap_servers=servers, enable_auto_commit=False)
    await consumer.start()
    try:
        return await _read_from(consumer, partitions, committed, limit)
    finally:
        await consumer.stop()


async def _read_from(
    consumer: AIOKafkaConsumer, partitions: list[TopicPartition], committed: dict, limit: int
) -> list[DeadLetter]:
    consumer.assign(partitions)
    starts = await consumer.beginning_offsets(partitions)
    ends = await consumer.end_offsets(partitions)
    for partition in partitions:
        done = committed.get(partition)
        consumer.seek(partition, max(done.offset if done is not None else 0, starts[partition]))
    found: list[DeadLetter] = []
    deadline = asyncio.get_running_loop().time() + MAX_SECONDS
    while len(found) < limit and asyncio.get_running_loop().time() < deadline and await _behind(consumer, ends):
        batch = await consumer.getmany(timeout_ms=500, max_records=limit)
        found += [_dead_letter(record) for records in batch.values() for record in records]
    return sorted(found, key=lambda d: (d.dead_lettered_at, d.partition, d.offset))[:limit]


def _dead_letter(record) -> DeadLetter:
    headers = _headers(record)
    source = headers.get("dlq.source", "")
    return DeadLetter(
        topic=record.topic,
        partition=record.partition,
        offset=record.offset,
        dead_lettered_at=datetime.fromtimestamp(record.timestamp / 1000, UTC),
        consumer=headers.get("dlq.consumer", ""),
        source=source,
        reason=headers.get("dlq.reason", ""),
        action=replay_action(headers.get("dlq.consumer"), source),
    )
