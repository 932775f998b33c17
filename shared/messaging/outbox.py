"""Transactional outbox: events are written with the business rows, then relayed to Kafka.

`enqueue()` runs inside the caller's transaction, so an event exists if and only if the state
change that caused it was committed. `OutboxRelay` publishes committed rows with the idempotent
producer (acks=all, key = aggregate id) and marks them published.

Several relays may run (replicas of a service). Rows are spread over SHARDS by a hash of their key;
a relay publishes only the shards whose advisory lock it holds on its own connection, so every key
has exactly one publisher at a time and per-key order is kept. A relay claims every free shard in
one statement, not on every round (rounds follow every commit): on its first round on a connection,
then every `poll_interval` while it holds none (a standby) and every CLAIM_EVERY_SECONDS while it
holds some. A relay that dies loses its connection, its locks are released, and a standby claims the
shards within `poll_interval` (a relay holding some, within CLAIM_EVERY_SECONDS). Rows are also locked
`FOR UPDATE SKIP LOCKED` so that two relays never publish the same row concurrently.

Delivery is at-least-once: a crash after Kafka acknowledged but before the row was marked publishes
the row again, which the idempotent consumers absorb.
"""

from __future__ import annotations

import asyncio
import json
import logging
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import timedelta

import asyncpg
from aiokafka import AIOKafkaProducer

from shared.contracts.events import Event
from shared.messaging.wakeup import NotifyWakeup

log = logging.getLogger(__name__)

SHARDS = 16
CLAIM_EVERY_SECONDS = 5.0
"""How often a relay that holds some shards tries to claim the others (a dead relay's, at the latest then)."""
RETENTION = timedelta(days=7)
PURGE_EVERY_SECONDS = 600


def shard_of(key: str) -> int:
    return zlib.crc32(key.encode()) % SHARDS


class OutboxWrites:
    """Collects whether a unit of work (an HTTP request, a consumed event) wrote to the outbox."""

    def __init__(self) -> None:
        self.written = False


_writes: ContextVar[OutboxWrites | None] = ContextVar("outbox_writes", default=None)


@contextmanager
def collecting_writes() -> Iterator[OutboxWrites]:
    """Around a unit of work: afterwards, `.written` says whether to wake the relay.

    Waking after the commit instead of NOTIFYing inside the transaction matters: PostgreSQL
    serialises the commits of every transaction that sent a NOTIFY (a global lock held through the
    WAL flush), which capped intake at the disk's flush rate.
    """
    writes = OutboxWrites()
    token = _writes.set(writes)
    try:
        yield writes
    finally:
        _writes.reset(token)


async def enqueue(
    conn: asyncpg.Connection, event: Event, *, topic: str | None = None, body: bytes | None = None
) -> None:
    """Add an event to the outbox inside the caller's transaction (as `body` when given: its sealed JSON).

    Inside `collecting_writes()` the caller wakes the relay after its commit; elsewhere a NOTIFY in
    the transaction does it (delivered on commit).
    """
    headers = {"correlation_id": event.correlation_id, "type": event.type}
    await conn.execute(
        "INSERT INTO outbox (event_id, topic, key, event_type, body, headers, shard)"
        " VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7)",
        event.event_id,
        topic or event.payload.TOPIC,
        event.key,
        event.type,
        body if body is not None else event.to_json(),
        json.dumps(headers),
        shard_of(event.key),
    )
    if (writes := _writes.get()) is not None:
        writes.written = True
    else:
        await conn.execute("SELECT pg_notify(current_schema() || '_outbox_wakeup', '')")


class OutboxRelay:
    """Publishes outbox rows of one service schema; run one per service process."""

    def __init__(
        self,
        dsn: str,
        schema: str,
        producer: AIOKafkaProducer,
        *,
        batch_size: int = 500,
        poll_interval: float = 1.0,
    ) -> None:
        self.dsn = dsn
        self.schema = schema
        self.producer = producer
        self.batch_size = batch_size
        self.poll_interval = poll_interval
        self.held_shards: set[int] = set()
        self.published_total = 0
        self._next_claim = 0.0
        self._conn: asyncpg.Connection | None = None
        self._peers_to_notify = False
        self._wakeup = NotifyWakeup(dsn, f"{schema}_outbox_wakeup")
        self._lock_namespace = zlib.crc32(f"outbox:{schema}".encode()) & 0x7FFFFFFF

    async def run(self) -> None:
        """Loop until cancelled; errors (database or Kafka down) are logged and retried with backoff."""
        failures = 0
        loop = asyncio.get_running_loop()
        next_purge = loop.time()
        try:
            while True:
                try:
                    published = await self.relay_once()
                    await self._notify_peers()
                    if loop.time() >= next_purge:
                        await self.purge_published()
                        next_purge = loop.time() + PURGE_EVERY_SECONDS
                    failures = 0
                except Exception as error:
                    failures += 1
                    await self._drop_connection()
                    delay = min(0.2 * 2**failures, 5.0)
                    log.warning("outbox relay round failed", extra={"error": repr(error), "retry_in": delay})
                    await asyncio.sleep(delay)
                    continue
                if published < self.batch_size:
                    await self._wakeup.wait(self.poll_interval)
        finally:
            await self._wakeup.close()
            await self._drop_connection()

    def wake(self) -> None:
        """Something was committed to the outbox in this process: publish now, and tell the other
        relays (which may hold the shards of those rows) with one NOTIFY after this round."""
        self._peers_to_notify = True
        self._wakeup.poke()

    async def _notify_peers(self) -> None:
        if self._peers_to_notify and len(self.held_shards) < SHARDS:
            conn = await self._connection()
            await conn.execute("SELECT pg_notify($1, '')", self._wakeup.channel)
        self._peers_to_notify = False

    async def relay_once(self) -> int:
        """Claim free shards, then publish one batch of the held shards; returns rows published."""
        conn = await self._connection()
        await self._claim_shards(conn)
        if not self.held_shards:
            return 0
        async with conn.transaction():
            rows = await conn.fetch(
                "SELECT id, topic, key, body, headers FROM outbox"
                " WHERE published_at IS NULL AND shard = ANY($1::smallint[])"
                " ORDER BY id LIMIT $2 FOR UPDATE SKIP LOCKED",
                sorted(self.held_shards),
                self.batch_size,
            )
            if not rows:
                return 0
            await self._publish(rows)
            await conn.execute(
                "UPDATE outbox SET published_at = now() WHERE id = ANY($1::bigint[])", [r["id"] for r in rows]
            )
        self.published_total += len(rows)
        return len(rows)

    async def _publish(self, rows: list[asyncpg.Record]) -> None:
        """Send in order and wait for every acknowledgement; the producer keeps per-partition order."""
        pending = []
        for row in rows:
            headers = [(k, str(v).encode()) for k, v in json.loads(row["headers"]).items()]
            pending.append(
                await self.producer.send(row["topic"], row["body"], key=row["key"].encode(), headers=headers)
            )
        await asyncio.gather(*pending)

    async def _claim_shards(self, conn: asyncpg.Connection) -> None:
        """Try the locks of the shards not held, in one statement (only those: a session lock taken
        twice must be released twice)."""
        now = asyncio.get_running_loop().time()
        if len(self.held_shards) == SHARDS or now < self._next_claim:
            return
        free = [shard for shard in range(SHARDS) if shard not in self.held_shards]
        claimed = await conn.fetchval(
            "SELECT coalesce(array_agg(shard), '{}') FROM unnest($2::int[]) AS shard"
            " WHERE pg_try_advisory_lock($1, shard)",
            self._lock_namespace,
            free,
        )
        self.held_shards.update(claimed)
        self._next_claim = now + (CLAIM_EVERY_SECONDS if self.held_shards else self.poll_interval)

    async def purge_published(self) -> int:
        """Delete rows published longer ago than RETENTION; returns how many."""
        conn = await self._connection()
        status = await conn.execute("DELETE FROM outbox WHERE published_at < now() - $1::interval", RETENTION)
        return int(status.split()[-1])

    async def backlog(self) -> int:
        conn = await self._connection()
        return await conn.fetchval("SELECT count(*) FROM outbox WHERE published_at IS NULL")

    async def _connection(self) -> asyncpg.Connection:
        if self._conn is None or self._conn.is_closed():
            self.held_shards.clear()
            self._next_claim = 0.0
            self._conn = await asyncpg.connect(
                self.dsn, timeout=5, command_timeout=30, server_settings={"search_path": self.schema}
            )
        return self._conn

    async def _drop_connection(self) -> None:
        """Closing the connection releases its advisory locks: the shards become free for others."""
        self.held_shards.clear()
        if self._conn is not None:
            try:
                await asyncio.wait_for(self._conn.close(), 2)
            except Exception:
                self._conn.terminate()
            self._conn = None
