"""The idempotent consumer on a real broker: one effect per event, retries, dead letters, and
offsets committed only after the handler's transaction."""

import asyncio
import json
import uuid

import asyncpg
import pytest
from aiokafka import AIOKafkaConsumer, TopicPartition
from faststream.kafka import KafkaBroker

from shared.contracts import ApplicationSubmitted
from shared.contracts.topics import Topic
from shared.messaging.consumer import IdempotentConsumer, subscribe
from shared.messaging.kafka import DeadLetters, create_producer
from shared.storage.database import create_pool
from shared.storage.migrations import apply_migrations
from tests.conftest import publish
from tests.test_events import submitted_event
from tests.test_outbox import new_topic, read_topic

SCHEMA = "consumertest"


@pytest.fixture
async def pool(database_url, tmp_path):
    (tmp_path / "0001_effects.sql").write_text("CREATE TABLE effects (event_id uuid, note text);")
    await apply_migrations(database_url, SCHEMA, tmp_path)
    pool = await create_pool(database_url, SCHEMA)
    yield pool
    await pool.close()


async def test_effects_once_retries_then_dead_letters(pool, infrastructure):
    bootstrap = infrastructure.kafka_bootstrap_servers
    topic = Topic(await new_topic(bootstrap), partitions=3)
    dead_letter_topic = await new_topic(bootstrap, partitions=1)
    # more failures than max_attempts, but only the last is the handler's own: a restarting database
    # is waited for however long it takes, never a reason to dead-letter the event
    flaky_failures = [
        ConnectionResetError("database went away"),
        asyncpg.AdminShutdownError("terminating connection due to administrator command"),
        asyncpg.CannotConnectNowError("the database system is starting up"),
        ValueError("a passing bug"),
    ]

    async def handler(conn: asyncpg.Connection, event) -> None:
        note = event.payload.motivation
        await conn.execute("INSERT INTO effects VALUES ($1, $2)", event.event_id, note)
        if note == "flaky" and flaky_failures:
            raise flaky_failures.pop(0)  # rolled back, retried
        if note == "broken":
            raise ValueError("a bug in the handler")  # rolled back, then dead-lettered

    producer = create_producer(bootstrap)
    await producer.start()
    group = f"test-{uuid.uuid4().hex[:8]}"
    consumer = IdempotentConsumer(
        group, pool, {ApplicationSubmitted: handler}, DeadLetters(producer, dead_letter_topic), max_attempts=3
    )
    broker = KafkaBroker(bootstrap)
    subscribe(broker, topic, consumer)
    once, flaky, broken, last = (submitted_event(motivation=m) for m in ("once", "flaky", "broken", "last"))
    try:
        await broker.start()
        key = b"one-partition"
        await publish(bootstrap, topic.name, *(e.to_json() for e in (once, once, flaky, broken, last, once)), key=key)
        notes = await wait_for_notes(pool, {"once", "flaky", "last"})
        [dead] = await read_topic(bootstrap, dead_letter_topic, expected=1)
        committed = await committed_offset(bootstrap, topic.name, group)
    finally:
        await broker.stop()
        await producer.stop()

    assert sorted(notes) == ["flaky", "last", "once"]
    assert dead.value == broken.to_json()
    assert dict(dead.headers)["dlq.reason"].startswith(b"handler failed: ValueError")
    assert committed == 6, "every message, the dead-lettered one included, is committed once handled"


async def wait_for_notes(pool, expected: set[str], timeout: float = 30) -> list[str]:
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        notes = [r["note"] for r in await pool.fetch("SELECT note FROM effects")]
        if set(notes) >= expected or asyncio.get_running_loop().time() > deadline:
            await asyncio.sleep(1.0)  # leave time for a wrong second effect to show
            return [r["note"] for r in await pool.fetch("SELECT note FROM effects")]
        await asyncio.sleep(0.2)


async def committed_offset(bootstrap: str, topic: str, group: str) -> int:
    probe = AIOKafkaConsumer(bootstrap_servers=bootstrap, group_id=group, enable_auto_commit=False)
    await probe.start()
    try:
        partitions = [TopicPartition(topic, p) for p in probe.partitions_for_topic(topic) or range(3)]
        offsets = [await probe.committed(tp) or 0 for tp in partitions]
    finally:
        await probe.stop()
    return sum(offsets)


async def test_a_partitions_events_share_one_transaction_and_a_duplicate_has_no_effect(pool, infrastructure):
    """Twenty events, a redelivered one and an invalid one on one partition: twenty effects, written by far
    fewer transactions than events (one per group of up to TOGETHER), the duplicate skipped by the ledger,
    the invalid one dead-lettered with the reason (its group handled record by record)."""
    bootstrap = infrastructure.kafka_bootstrap_servers
    topic = Topic(await new_topic(bootstrap), partitions=1)
    dead_letter_topic = await new_topic(bootstrap, partitions=1)
    await pool.execute("ALTER TABLE effects ADD COLUMN IF NOT EXISTS tx bigint")

    async def handler(conn: asyncpg.Connection, event) -> None:
        await conn.execute(
            "INSERT INTO effects VALUES ($1, $2, txid_current())", event.event_id, event.payload.motivation
        )

    producer = create_producer(bootstrap)
    await producer.start()
    consumer = IdempotentConsumer(
        f"test-{uuid.uuid4().hex[:8]}", pool, {ApplicationSubmitted: handler}, DeadLetters(producer, dead_letter_topic)
    )
    broker = KafkaBroker(bootstrap)
    subscribe(broker, topic, consumer)
    events = [submitted_event(motivation=f"together {n}") for n in range(20)]
    try:
        invalid = json.loads(events[0].to_json())
        invalid["event_id"], invalid["payload"]["city"] = str(uuid.uuid4()), ""
        bodies = [e.to_json() for e in events[:10]] + [json.dumps(invalid).encode()]
        await publish(bootstrap, topic.name, *bodies, *(e.to_json() for e in [*events[10:], events[3]]), key=b"k")
        await broker.start()
        notes = await wait_for_notes(pool, {f"together {n}" for n in range(20)})
        [dead] = await read_topic(bootstrap, dead_letter_topic, expected=1)
        transactions = await pool.fetchval("SELECT count(DISTINCT tx) FROM effects WHERE note LIKE 'together%'")
    finally:
        await broker.stop()
        await producer.stop()

    assert sorted(notes) == sorted(f"together {n}" for n in range(20))
    assert transactions <= 8, f"{transactions} transactions for 20 events"
    assert json.loads(dead.value)["event_id"] == invalid["event_id"]
    assert b"city" in dict(dead.headers)["dlq.reason"]
