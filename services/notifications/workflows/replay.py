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

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition

from services.notifications.storage import deliveries
from services.notifications.workflows.events import CONSUMER
from services.notifications.workflows.sending import DEAD_LETTER_CONSUMER
from shared.contracts import topics
from shared.dependencies import Dependencies

REPLAY_GROUP = "notifications-dead-letter-replay"
MAX_SECONDS = 60.0


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
    headers = {key: value.decode(errors="replace") for key, value in record.headers}
    owner, source = headers.get("dlq.consumer"), headers.get("dlq.source", "")
    if owner == DEAD_LETTER_CONSUMER and source.startswith("deliveries/"):
        resent = await deliveries.resend(deps.pool, int(source.split("/")[1]), deps.now())
        report.resent += resent is not None
        report.skipped += resent is None
    elif owner == CONSUMER and source.count("/") == 2:
        await producer.send_and_wait(source.split("/")[0], record.value, key=record.key)
        report.republished += 1
    else:
        report.skipped += 1
