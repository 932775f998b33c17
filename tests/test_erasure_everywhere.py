"""Privacy that holds across Kafka (issue [4/6] section 4), end to end over the real stack.

A person applies, is selected and signs their city up (so registration, scheduling and notifications
all hold their data and emails went to them); one of their events is also dead-lettered. Their name and
address never reach Kafka in clear: the personal fields are sealed with their key, and only that key
opens them. Then staff erase them and the key is destroyed after the grace period: no table of any
service, no stored email, no record of any topic (read back from the broker, dead letters included, and
opened with the keyring as a consumer would) and no log line holds their name or address any more."""

from __future__ import annotations

import asyncio
import json
import uuid
from datetime import UTC, datetime, timedelta

import asyncpg
from aiokafka import AIOKafkaConsumer

from services.registration.workflows.privacy import destroy_erased_keys
from shared.contracts import topics
from shared.settings import Settings
from tests.conftest import publish, read_dead_letters
from tests.registration_helpers import ADMIN, KEYRING, deps_at, email, signed_up

SCHEMAS = ("registration", "scheduling", "notifications", "keystore")


async def topic_records(bootstrap: str) -> list:
    """Every record of every topic, from the beginning, as a new reader (a replay) sees them."""
    consumer = AIOKafkaConsumer(
        *(topic.name for topic in topics.ALL_TOPICS),
        bootstrap_servers=bootstrap,
        group_id=f"test-erasure-{uuid.uuid4()}",
        auto_offset_reset="earliest",
        enable_auto_commit=False,
    )
    await consumer.start()
    found = []
    try:
        idle = 0
        while idle < 4:
            batch = await consumer.getmany(timeout_ms=500, max_records=5000)
            records = [r for part in batch.values() for r in part]
            found += records
            idle = 0 if records else idle + 1
    finally:
        await consumer.stop()
    return found


async def rows_holding(conn: asyncpg.Connection, needles: list[str]) -> list[str]:
    """schema.table of every row, in every service's schema and the key store, that holds a needle."""
    tables = await conn.fetch(
        "SELECT table_schema, table_name FROM information_schema.tables"
        " WHERE table_schema = ANY($1::text[]) AND table_type = 'BASE TABLE'",
        list(SCHEMAS),
    )
    holding = []
    for table in tables:
        name = f'"{table["table_schema"]}"."{table["table_name"]}"'
        for needle in needles:
            count = await conn.fetchval(f"SELECT count(*) FROM {name} t WHERE strpos(lower(t::text), $1) > 0", needle)
            if count:
                holding.append(f"{name} ({count} rows hold {needle!r})")
    return holding


def clear_in(value: bytes, needles: list[str]) -> list[str]:
    text = value.decode("utf-8", "replace").lower()
    return [needle for needle in needles if needle in text]


async def opened_text(conn: asyncpg.Connection, value: bytes) -> bytes:
    opened = await KEYRING.open_event(conn, value)
    return json.dumps(opened).encode() if isinstance(opened, dict) else value


async def test_an_erased_person_is_gone_from_every_service_topic_dead_letter_and_log(client, db, stack):
    address, marker = email(), uuid.uuid4().hex[:10]
    name = f"Zuzana Erasmus {marker}"
    person = [address.lower(), name.lower()]
    needles = [*person, f"shipyard {marker}"]
    """The person, and their free text: what the city wrote stays in registration's record of the
    application (storage.applications.erase_application), but no longer on Kafka."""
    decision = await signed_up(client, db, address, contact_name=name, motivation=f"Concerts in the shipyard {marker}.")
    bootstrap = stack.config.kafka_bootstrap_servers
    conn = await asyncpg.connect(stack.config.database_url)
    pool = await asyncpg.create_pool(stack.config.database_url, min_size=1, max_size=2,
                                     server_settings={"search_path": "registration"})  # fmt: skip
    try:
        for _ in range(120):  # scheduling and notifications have the city and its focal point by now
            before = {h.split(".")[0] for h in await rows_holding(conn, [address.lower()])}
            if {'"scheduling"', '"notifications"'} <= before:
                break
            await asyncio.sleep(0.5)
        assert {'"registration"', '"scheduling"', '"notifications"'} <= before

        # Their data is on Kafka only sealed: no record holds it in clear, their key opens it.
        records = [r for r in await topic_records(bootstrap) if r.value and b"$sealed" in r.value]
        mine = [r for r in records if address.lower().encode() in await opened_text(conn, r.value)]
        assert mine, "no sealed event of the person found on the topics"
        assert not [r for r in await topic_records(bootstrap) if r.value and clear_in(r.value, needles)]

        # One of their events is dead-lettered (an unknown version): the dead letter holds it sealed.
        poison = mine[0].value.replace(b'"schema_version":', b'"schema_version":9', 1)
        await publish(bootstrap, topics.REGISTRATION.name, poison, key=str(decision.application_id).encode())
        dead = await read_dead_letters(bootstrap, lambda r: r.value == poison, count=2)
        assert dead and address.lower().encode() in await opened_text(conn, dead[0].value)

        erased = await client.post("/api/v1/staff/people/erasure", json={"email": address}, headers=ADMIN)
        assert erased.status_code == 200, erased.text
        for _ in range(120):  # every service acted on PersonErased
            if not await rows_holding(conn, person):
                break
            await asyncio.sleep(0.5)
        assert await rows_holding(conn, person) == []

        later = datetime.now(UTC) + timedelta(hours=Settings.model_fields["erased_key_grace_hours"].default + 1)
        assert await destroy_erased_keys(deps_at(stack, pool, later)) >= 1
        for record in await topic_records(bootstrap):
            if not record.value:
                continue
            headers = b" ".join(value or b"" for _, value in record.headers or ())
            assert not clear_in(record.value + b" " + headers, needles), (record.topic, record.offset)
            assert not clear_in(await opened_text(conn, record.value), needles), (record.topic, record.offset)
        for log in stack.config.log_dir.glob("*.log"):
            assert not clear_in(log.read_bytes(), needles), log.name
        assert await rows_holding(conn, person) == []
    finally:
        await pool.close()
        await conn.close()
