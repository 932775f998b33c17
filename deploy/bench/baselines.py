"""The raw baselines of `make bench`: what asyncpg, aiokafka and aiosmtplib do alone on this machine,
measured in the same run as the system, so the system's rates can be given as a share of them."""

from __future__ import annotations

import asyncio
import time
import uuid
from email.message import EmailMessage

import aiosmtplib
import asyncpg
from aiokafka import AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic


async def raw_postgres(url: str, transactions: int = 5000, concurrency: int = 16) -> float:
    """Transactions/s, each inserting two rows (a business row and an outbox-like row)."""
    pool = await asyncpg.create_pool(url, min_size=concurrency, max_size=concurrency)
    await pool.execute("CREATE TABLE IF NOT EXISTS bench_a (id uuid PRIMARY KEY, body text)")
    await pool.execute("CREATE TABLE IF NOT EXISTS bench_b (id bigserial PRIMARY KEY, a uuid, body bytea)")
    remaining = iter(range(transactions))

    async def worker() -> None:
        async with pool.acquire() as conn:
            for _ in remaining:
                async with conn.transaction():
                    key = uuid.uuid4()
                    await conn.execute("INSERT INTO bench_a VALUES ($1, $2)", key, "x" * 400)
                    await conn.execute("INSERT INTO bench_b (a, body) VALUES ($1, $2)", key, b"y" * 600)

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    elapsed = time.perf_counter() - started
    await pool.close()
    return transactions / elapsed


async def raw_kafka(bootstrap: str, messages: int = 20_000, replicas: int = 1) -> float:
    """Messages/s of ~1 KB, acks=all, idempotent producer, keyed (6 partitions), to a topic of
    `replicas` replicas (with min.insync.replicas = replicas - 1, as the services' topics on a cluster)."""
    topic = f"bench.raw.{uuid.uuid4().hex[:6]}"
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    configs = {"min.insync.replicas": str(max(1, replicas - 1))}
    await admin.create_topics([NewTopic(topic, num_partitions=6, replication_factor=replicas, topic_configs=configs)])
    await admin.close()
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", enable_idempotence=True, linger_ms=5)
    await producer.start()
    try:
        for partition in range(6):  # untimed: a new topic's leaders take a moment to reach every broker
            await producer.send_and_wait(topic, b"warm-up", partition=partition)
        started = time.perf_counter()
        futures = [await producer.send(topic, b"z" * 1000, key=str(i % 500).encode()) for i in range(messages)]
        await asyncio.gather(*futures)
        return messages / (time.perf_counter() - started)
    finally:
        await producer.stop()


async def raw_smtp(port: int, messages: int = 2000) -> float:
    """Messages/s sent with aiosmtplib over one reused connection, like the delivery worker."""
    client = aiosmtplib.SMTP(hostname="127.0.0.1", port=port, start_tls=False)
    await client.connect()
    try:
        started = time.perf_counter()
        for n in range(messages):
            message = EmailMessage()
            message["From"], message["To"], message["Subject"] = "a@bench.example.eu", f"raw-{n}@x.example.eu", "raw"
            message.set_content("x" * 1500)
            await client.send_message(message)
        return messages / (time.perf_counter() - started)
    finally:
        await client.quit()
