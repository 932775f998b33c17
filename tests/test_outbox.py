"""The transactional outbox: events written with the rows reach Kafka in per-key order, with
several relays, and survive the broker being down while requests keep coming."""

import asyncio
import uuid
from datetime import UTC, datetime

import httpx
import pytest
from aiokafka import AIOKafkaConsumer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic

from deploy.local.kafka import LocalKafka
from shared.contracts.registry import parse_event
from shared.messaging.kafka import create_producer
from shared.messaging.outbox import OutboxRelay, enqueue
from shared.storage.database import connect
from shared.storage.migrations import apply_migrations
from tests.conftest import start_stack
from tests.test_end_to_end import APPLY, application
from tests.test_events import submitted_event

SCHEMA = "relaytest"


async def new_topic(bootstrap: str, partitions: int = 3) -> str:
    name = f"test.outbox.{uuid.uuid4().hex[:8]}"
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        await admin.create_topics([NewTopic(name, num_partitions=partitions, replication_factor=1)])
    finally:
        await admin.close()
    return name


async def read_topic(bootstrap: str, topic: str, expected: int, timeout: float = 30) -> list:
    consumer = AIOKafkaConsumer(topic, bootstrap_servers=bootstrap, auto_offset_reset="earliest", group_id=None)
    await consumer.start()
    records = []
    try:
        deadline = asyncio.get_running_loop().time() + timeout
        while len(records) < expected and asyncio.get_running_loop().time() < deadline:
            batch = await consumer.getmany(timeout_ms=500)
            records += [r for rs in batch.values() for r in rs]
    finally:
        await consumer.stop()
    return records


async def fill_outbox(url: str, topic: str, keys: list[str], per_key: int) -> list[uuid.UUID]:
    conn = await connect(url, SCHEMA)
    ids = []
    try:
        for n in range(per_key):
            async with conn.transaction():
                for key in keys:
                    event = submitted_event(motivation=f"{key}#{n}").model_copy(update={"key": key})
                    await enqueue(conn, event, topic=topic)
                    ids.append(event.event_id)
    finally:
        await conn.close()
    return ids


@pytest.fixture
async def outbox_db(database_url, tmp_path):
    await apply_migrations(database_url, SCHEMA, tmp_path)
    return database_url


async def run_relay(url: str, bootstrap: str) -> tuple[OutboxRelay, asyncio.Task]:
    producer = create_producer(bootstrap)
    await producer.start()
    relay = OutboxRelay(url, SCHEMA, producer, batch_size=50, poll_interval=0.2)
    task = asyncio.create_task(relay.run())
    task.add_done_callback(lambda _: asyncio.ensure_future(producer.stop()))
    return relay, task


async def test_two_relays_publish_everything_once_in_per_key_order(outbox_db, infrastructure):
    bootstrap = infrastructure.kafka_bootstrap_servers
    topic = await new_topic(bootstrap)
    keys = [f"city-{i}" for i in range(12)]
    ids = await fill_outbox(outbox_db, topic, keys, per_key=25)
    relays = [await run_relay(outbox_db, bootstrap) for _ in range(2)]
    try:
        records = await read_topic(bootstrap, topic, expected=len(ids))
    finally:
        for _, task in relays:
            task.cancel()
        await asyncio.gather(*(t for _, t in relays), return_exceptions=True)
    events = [(r.key.decode(), parse_event(r.value)) for r in records]
    assert sorted(e.event_id for _, e in events) == sorted(ids)
    for key in keys:
        sequence = [int(e.payload.motivation.split("#")[1]) for k, e in events if k == key]
        assert sequence == list(range(25)), f"{key} out of order: {sequence}"
    assert not relays[0][0].held_shards & relays[1][0].held_shards


async def test_a_standby_relay_takes_over_when_the_active_one_dies(outbox_db, infrastructure):
    bootstrap = infrastructure.kafka_bootstrap_servers
    topic = await new_topic(bootstrap)
    first, first_task = await run_relay(outbox_db, bootstrap)
    await fill_outbox(outbox_db, topic, ["k"], per_key=5)
    assert len(await read_topic(bootstrap, topic, expected=5)) == 5
    standby, standby_task = await run_relay(outbox_db, bootstrap)
    await asyncio.sleep(0.5)
    assert not standby.held_shards  # all shards are held by the first relay
    first_task.cancel()
    await asyncio.gather(first_task, return_exceptions=True)
    await fill_outbox(outbox_db, topic, ["k"], per_key=5)
    try:
        assert len(await read_topic(bootstrap, topic, expected=10)) == 10
        for _ in range(50):  # Kafka acknowledged; the relay marks the rows right after
            if standby.published_total == 5:
                break
            await asyncio.sleep(0.1)
    finally:
        standby_task.cancel()
        await asyncio.gather(standby_task, return_exceptions=True)
    assert standby.published_total == 5


async def test_applications_accepted_while_kafka_is_down_are_all_confirmed_later(
    infrastructure, smtp_sink, database_url, tmp_path
):
    kafka = LocalKafka(tmp_path / "kafka")
    kafka.start()
    stack = start_stack(database_url, kafka.bootstrap_servers, smtp_sink, tmp_path / "logs")
    try:
        kafka.stop()
        emails = [f"outage-{uuid.uuid4().hex[:10]}@city.example.eu" for _ in range(20)]
        async with httpx.AsyncClient(base_url=stack["registration"].url, timeout=10) as client:
            for email in emails:
                response = await client.post(APPLY, json=application(email, language="pl"))
                assert response.status_code == 201, response.text
        await asyncio.sleep(2)
        assert not [m for m in smtp_sink.messages() if m.rcpt_tos[0] in emails], "sent without Kafka?"
        started = datetime.now(UTC)
        kafka.start()
        received = await smtp_sink.wait_for(lambda m: m.rcpt_tos[0] in emails, count=len(emails), timeout=90)
        assert sorted(m.rcpt_tos[0] for m in received) == sorted(emails)
        assert all(m.language == "pl" for m in received)
        elapsed = (datetime.now(UTC) - started).total_seconds()
        print(f"all {len(emails)} confirmations arrived {elapsed:.1f}s after Kafka restarted")
    finally:
        stack.stop()
        kafka.stop()
