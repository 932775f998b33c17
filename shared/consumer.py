"""The idempotent consumer: at-least-once delivery + a processed-events ledger = one effect.

For each message: parse the envelope (a poison message goes to the dead-letter topic with the
reason, and the consumer carries on); then, in ONE transaction, insert
`processed_events(consumer, event_id)` and run the handler; commit; only then commit the Kafka
offset. A redelivered event finds its ledger row and has no second effect.

Failures: infrastructure errors (database unreachable, connection lost) are retried without limit
with capped backoff, since the event is fine and dropping it would lose it. Any other error is
retried MAX_ATTEMPTS times, then the event is dead-lettered with the error as the reason. The
subscriber uses FastStream's MANUAL ack policy: `nack()` seeks back to the failed offset, so
nothing after it is committed.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import asyncpg
from aiokafka.errors import CommitFailedError, IllegalStateError
from faststream import AckPolicy
from faststream.kafka import KafkaBroker
from faststream.kafka.annotations import KafkaMessage

from shared.events import Event, EventRejected, Payload, parse_event
from shared.kafka import DeadLetters
from shared.logs import correlation_id
from shared.outbox import collecting_writes
from shared.topics import Topic

log = logging.getLogger(__name__)

Handler = Callable[[asyncpg.Connection, Event[Any]], Awaitable[None]]

MAX_ATTEMPTS = 5
INFRASTRUCTURE_ERRORS = (OSError, asyncpg.InterfaceError, asyncpg.PostgresConnectionError, TimeoutError)


@dataclass
class IdempotentConsumer:
    """Handles the events of one consumer group; handlers are keyed by payload class."""

    name: str
    pool: asyncpg.Pool
    handlers: Mapping[type[Payload], Handler]
    dead_letters: DeadLetters
    max_attempts: int = MAX_ATTEMPTS
    after_outbox_write: Callable[[], None] = lambda: None
    """Called after a handler's transaction that wrote to the outbox committed (wakes the relay)."""
    _failures: dict[tuple[str, int, int], int] = field(default_factory=dict)
    _ignored_types: set[str] = field(default_factory=set)

    async def process(self, message: KafkaMessage) -> None:
        record = message.raw_message
        try:
            event = parse_event(record.value or b"")
        except EventRejected as rejected:
            await self.dead_letters.send(record, rejected.reason, consumer=self.name)
            await self._commit(message)
            return
        handler = self.handlers.get(type(event.payload))
        if handler is None:
            self._ignore(event.type)
            await self._commit(message)
            return
        token = correlation_id.set(event.correlation_id)
        try:
            await self._handle_once(handler, event)
        except Exception as error:
            if await self._retry_later(message, error):
                return
            await self.dead_letters.send(record, f"handler failed: {error!r}", consumer=self.name)
        finally:
            correlation_id.reset(token)
        await self._commit(message)

    async def _handle_once(self, handler: Handler, event: Event[Any]) -> None:
        with collecting_writes() as writes:
            await self._handle_in_transaction(handler, event)
        if writes.written:
            self.after_outbox_write()

    async def _handle_in_transaction(self, handler: Handler, event: Event[Any]) -> None:
        async with self.pool.acquire() as conn, conn.transaction():
            first_time = await conn.fetchval(
                "INSERT INTO processed_events (consumer, event_id) VALUES ($1, $2)"
                " ON CONFLICT DO NOTHING RETURNING true",
                self.name,
                event.event_id,
            )
            if first_time:
                await handler(conn, event)
            else:
                log.info("duplicate event ignored", extra={"event_id": str(event.event_id), "type": event.type})

    async def _retry_later(self, message: KafkaMessage, error: Exception) -> bool:
        """Seek back for redelivery after a backoff; False when the event should be dead-lettered."""
        record = message.raw_message
        position = (record.topic, record.partition, record.offset)
        attempts = self._failures.get(position, 0) + 1
        infrastructure = isinstance(error, INFRASTRUCTURE_ERRORS)
        if not infrastructure and attempts >= self.max_attempts:
            self._failures.pop(position, None)
            return False
        self._failures[position] = attempts
        delay = min(0.1 * 2**attempts, 10.0)
        log.warning(
            "event handling failed, will retry",
            extra={"consumer": self.name, "attempt": attempts, "retry_in": delay, "error": repr(error)},
        )
        await asyncio.sleep(delay)
        await message.nack()
        return True

    async def _commit(self, message: KafkaMessage) -> None:
        record = message.raw_message
        self._failures.pop((record.topic, record.partition, record.offset), None)
        try:
            await message.ack()
        except (CommitFailedError, IllegalStateError) as error:
            # A rebalance took the partition away; the next owner re-reads and the ledger dedups.
            log.warning("offset commit failed", extra={"error": repr(error)})

    def _ignore(self, event_type: str) -> None:
        if event_type not in self._ignored_types:
            self._ignored_types.add(event_type)
            log.info("event type not handled by this consumer", extra={"consumer": self.name, "type": event_type})


def subscribe(broker: KafkaBroker, topic: Topic, consumer: IdempotentConsumer) -> None:
    """Attach the consumer to a topic as its own group, committing offsets only by hand."""

    @broker.subscriber(
        topic.name,
        group_id=consumer.name,
        ack_policy=AckPolicy.MANUAL,
        auto_offset_reset="earliest",
    )
    async def on_message(message: KafkaMessage) -> None:
        try:
            await consumer.process(message)
        except Exception as error:
            # Never let an error escape unacknowledged: the next message's commit would skip this one.
            log.error("consumer failed, rewinding", extra={"consumer": consumer.name, "error": repr(error)})
            await asyncio.sleep(1.0)
            await message.nack()
