"""The idempotent consumer: at-least-once delivery + a processed-events ledger = one effect.

For each message: parse the envelope (a poison message goes to the dead-letter topic with the
reason, and the consumer carries on); then, in ONE transaction, insert
`processed_events(consumer, event_id)` and run the handler; commit. A redelivered event finds its
ledger row and has no second effect.

Messages arrive in batches (what the broker has ready, up to MAX_BATCH): the partitions of a batch
are handled concurrently, the messages of one partition in order. Up to TOGETHER messages of a
partition share one transaction: one ledger insert, one key-store read, one commit, and the reads the
handlers may share (shared.storage.transaction_memo); each event is decoded and validated once. An
invalid event is set aside and dead-lettered once the group committed; if anything else in the group
fails, the transaction rolls back and each message is handled again in its own, so a failure touches
only its own event. The Kafka offsets are committed once, after every message of the batch was
handled. Per-message offset commits were the bottleneck (one broker round trip per event, measured at
~60 events/s); a crash mid-batch only means redelivery, which the ledger absorbs.

Failures: infrastructure errors (database unreachable, connection lost) are retried without limit
with capped backoff, since the event is fine and dropping it would lose it. Any other error is
retried MAX_ATTEMPTS times, then the event is dead-lettered with the error as the reason. The
subscriber uses FastStream's MANUAL ack policy: `nack()` rewinds every partition of the batch to its
first message, so nothing after a failure is committed (the messages already handled are then
skipped by the ledger).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import asyncpg
from aiokafka import ConsumerRecord
from aiokafka.errors import CommitFailedError, IllegalStateError
from faststream import AckPolicy
from faststream.kafka import KafkaBroker
from faststream.kafka.annotations import KafkaMessage
from faststream.message import StreamMessage

from shared.contracts.events import Event, EventRejected, Payload
from shared.contracts.registry import REGISTERED_TYPES, decode_event, parse_event
from shared.contracts.topics import Topic
from shared.dependencies import Dependencies
from shared.logs import correlation_id
from shared.messaging.kafka import DeadLetters
from shared.messaging.outbox import collecting_writes
from shared.privacy.keyring import Keyring
from shared.privacy.sealing import SealBroken
from shared.storage.database import DATABASE_UNAVAILABLE
from shared.storage.transaction_memo import transaction_memo

log = logging.getLogger(__name__)

Handler = Callable[[asyncpg.Connection, Event[Any]], Awaitable[None]]

MAX_ATTEMPTS = 5
MAX_BATCH = 200
TOGETHER = 50
"""Records of one partition handled in one transaction, when all of them go through (see _handle_together)."""
BATCH_WAIT_MS = 200
"""How long the broker is asked to wait for a batch when none is ready (a ready one returns at once)."""


@dataclass(frozen=True)
class Consumption:
    """What a service consumes, declared in its consumers.py: one consumer group on `topics`, each
    payload class dispatched to its handler. The runtime builds the IdempotentConsumer from it, and
    the AsyncAPI document lists the same handled classes."""

    group: str
    topics: tuple[Topic, ...]
    handlers: Callable[[Dependencies], Mapping[type[Payload], Handler]]
    wakes: str | None = None
    """A wakeup channel poked after every committed event (a worker of this process has work)."""


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
    after_commit: Callable[[], None] = lambda: None
    """Called after every handler transaction committed (e.g. wakes a worker of this process)."""
    keyring: Keyring | None = None
    """Opens the sealed personal fields of each event for its handler; None: handlers read placeholders."""
    _retries: dict[tuple[str, int, int], int] = field(default_factory=dict)
    """Per record position: how often it was retried, for the backoff."""
    _handler_failures: dict[tuple[str, int, int], int] = field(default_factory=dict)
    """Per record position: how often the handler itself failed (not the database), for dead-lettering."""
    _ignored_types: set[str] = field(default_factory=set)
    _by_type: dict[str, Handler] = field(init=False)
    """Handlers by event type name: every version of a type is upcast to the class handled."""

    def __post_init__(self) -> None:
        self._by_type = {payload.TYPE: handler for payload, handler in self.handlers.items()}

    async def process_batch(self, message: KafkaMessage) -> None:
        """Handle a batch (see the module docstring), then commit its offsets or rewind it."""
        records = message.raw_message if isinstance(message.raw_message, tuple) else (message.raw_message,)
        partitions: dict[tuple[str, int], list[ConsumerRecord]] = {}
        for record in records:
            partitions.setdefault((record.topic, record.partition), []).append(record)
        delays = await asyncio.gather(*(self._process_partition(in_order) for in_order in partitions.values()))
        retry_in = max((delay for delay in delays if delay is not None), default=None)
        if retry_in is not None:
            await asyncio.sleep(retry_in)
            await message.nack()
            return
        await self._commit(message)

    async def _process_partition(self, records: list[ConsumerRecord]) -> float | None:
        """Handle one partition's records in order, up to TOGETHER at a time in one transaction. A record
        that cannot join a group (one to dead-letter, or one being retried) is handled alone, and the
        records of a group whose transaction failed one at a time. Stops at the first record to retry and
        says after how long."""
        start = 0
        while start < len(records):
            group = records[start : start + TOGETHER]
            ready = self._groupable(group)
            if len(ready) >= 2 and await self._handle_together(ready):
                start += len(ready)
                continue
            alone = group[: max(len(ready), 1)]
            for record in alone:
                retry_in = await self._process_record(record)
                if retry_in is not None:
                    return retry_in
            start += len(alone)
        return None

    def _groupable(self, records: list[ConsumerRecord]) -> list[tuple[ConsumerRecord, dict[str, Any]]]:
        """The leading records that may share a transaction, decoded. It stops before a record that is not
        an event of a known type (the lone path dead-letters it with the reason) or one being retried (the
        lone path counts its attempts)."""
        ready: list[tuple[ConsumerRecord, dict[str, Any]]] = []
        for record in records:
            if (record.topic, record.partition, record.offset) in self._retries:
                break
            try:
                data = decode_event(record.value or b"")
            except EventRejected:
                break
            kind = data.get("type")
            if not isinstance(kind, str) or kind not in REGISTERED_TYPES:
                break
            ready.append((record, data))
        return ready

    async def _handle_together(self, ready: list[tuple[ConsumerRecord, dict[str, Any]]]) -> bool:
        """Handle the group in ONE transaction: one ledger insert for all, one key-store read, every
        handler, one commit. False when the transaction rolled back (nothing kept): then each record gets
        its own, and "one event's effects or none" holds either way. Saves a commit and three round trips
        per event."""
        work: list[tuple[ConsumerRecord, dict[str, Any], Handler]] = []
        for record, data in ready:
            handler = self._by_type.get(data["type"])
            if handler is None:
                self._ignore(data["type"])
            else:
                work.append((record, data, handler))
        if not work:
            return True
        try:
            with collecting_writes() as writes, transaction_memo():
                async with self.pool.acquire() as conn, conn.transaction():
                    opened, rejected = await self._opened_all(conn, work)
                    handled = await self._first_times(conn, opened)
                    for event, handler in handled:
                        token = correlation_id.set(event.correlation_id)
                        try:
                            await handler(conn, event)
                        finally:
                            correlation_id.reset(token)
        except Exception as error:
            log.info("events handled one by one", extra={"consumer": self.name, "error": repr(error)})
            return False
        for record, reason in rejected:
            await self.dead_letters.send(record, reason, consumer=self.name)
        for event, _ in handled:
            log.info(
                "event handled", extra={"consumer": self.name, "type": event.type, "event_id": str(event.event_id)}
            )
        self.after_commit()
        if writes.written:
            self.after_outbox_write()
        return True

    async def _opened_all(
        self, conn: asyncpg.Connection, work: list[tuple[ConsumerRecord, dict[str, Any], Handler]]
    ) -> tuple[list[tuple[Event[Any], Handler]], list[tuple[ConsumerRecord, str]]]:
        """Each event with its seals opened (one key-store read for all), validated once, as received; and
        the records that are not valid events, with the reason, to dead-letter once the group committed
        (as the lone path does: they have no effect)."""
        decoded = [data for _, data, _ in work]
        opened = decoded if self.keyring is None else await self.keyring.open_events(conn, list(decoded))
        events, rejected = [], []
        for (record, _, handler), data in zip(work, opened, strict=True):
            try:
                events.append((parse_event(data).as_received(record.value or b""), handler))
            except EventRejected as error:
                rejected.append((record, error.reason))
        return events, rejected

    async def _first_times(
        self, conn: asyncpg.Connection, work: list[tuple[Event[Any], Handler]]
    ) -> list[tuple[Event[Any], Handler]]:
        """The ledger rows of the group in one statement: the events seen for the first time, each once."""
        new = await conn.fetch(
            "INSERT INTO processed_events (consumer, event_id) SELECT $1, unnest($2::uuid[])"
            " ON CONFLICT DO NOTHING RETURNING event_id",
            self.name,
            [event.event_id for event, _ in work],
        )
        todo = {row["event_id"] for row in new}
        first = []
        for event, handler in work:
            if event.event_id in todo:
                todo.discard(event.event_id)
                first.append((event, handler))
            else:
                log.info("duplicate event ignored", extra={"event_id": str(event.event_id), "type": event.type})
        return first

    async def _process_record(self, record: ConsumerRecord) -> float | None:
        """Handle (or dead-letter) one record: None when done with it, else the delay before a retry."""
        try:
            event = parse_event(record.value or b"")
        except EventRejected as rejected:
            await self.dead_letters.send(record, rejected.reason, consumer=self.name)
            return None
        handler = self.handlers.get(type(event.payload))
        if handler is None:
            self._ignore(event.type)
            return None
        token = correlation_id.set(event.correlation_id)
        try:
            await self._handle_once(handler, event, record.value or b"")
        except SealBroken as broken:
            await self.dead_letters.send(record, str(broken), consumer=self.name)
        except Exception as error:
            retry_in = self._retry_delay(record, error)
            if retry_in is not None:
                return retry_in
            await self.dead_letters.send(record, f"handler failed: {error!r}", consumer=self.name)
        finally:
            correlation_id.reset(token)
        self._forget_failures((record.topic, record.partition, record.offset))
        return None

    async def _handle_once(self, handler: Handler, event: Event[Any], raw: bytes) -> None:
        with collecting_writes() as writes:
            first_time = await self._handle_in_transaction(handler, event, raw)
        if first_time:
            handled = {"consumer": self.name, "type": event.type, "event_id": str(event.event_id)}
            log.info("event handled", extra=handled)
        self.after_commit()
        if writes.written:
            self.after_outbox_write()

    async def _handle_in_transaction(self, handler: Handler, event: Event[Any], raw: bytes) -> bool:
        """Whether this was the event's first time (False: the ledger already had it, nothing done).
        The handler gets the event with its seals opened, read in this transaction."""
        async with self.pool.acquire() as conn, conn.transaction():
            first_time = await conn.fetchval(
                "INSERT INTO processed_events (consumer, event_id) VALUES ($1, $2)"
                " ON CONFLICT DO NOTHING RETURNING true",
                self.name,
                event.event_id,
            )
            if first_time:
                await handler(conn, await self._opened(conn, event, raw))
            else:
                log.info("duplicate event ignored", extra={"event_id": str(event.event_id), "type": event.type})
            return bool(first_time)

    async def _opened(self, conn: asyncpg.Connection, event: Event[Any], raw: bytes) -> Event[Any]:
        if self.keyring is None:
            return event.as_received(raw)
        opened = await self.keyring.open_event(conn, raw)
        return event.as_received(raw) if opened is raw else parse_event(opened).as_received(raw)

    def _retry_delay(self, record: ConsumerRecord, error: Exception) -> float | None:
        """The backoff before the record is redelivered; None when it should be dead-lettered.

        Only the handler's own failures count towards MAX_ATTEMPTS: while PostgreSQL is unreachable or
        restarting (however long), the event is fine and is retried without limit."""
        position = (record.topic, record.partition, record.offset)
        if not isinstance(error, DATABASE_UNAVAILABLE):
            failures = self._handler_failures.get(position, 0) + 1
            if failures >= self.max_attempts:
                self._forget_failures(position)
                return None
            self._handler_failures[position] = failures
        retries = self._retries[position] = self._retries.get(position, 0) + 1
        delay = min(0.1 * 2**retries, 10.0)
        log.warning(
            "event handling failed, will retry",
            extra={"consumer": self.name, "attempt": retries, "retry_in": delay, "error": repr(error)},
        )
        return delay

    def _forget_failures(self, position: tuple[str, int, int]) -> None:
        self._retries.pop(position, None)
        self._handler_failures.pop(position, None)

    async def _commit(self, message: KafkaMessage) -> None:
        try:
            await message.ack()
        except (CommitFailedError, IllegalStateError) as error:
            # A rebalance took the partition away; the next owner re-reads and the ledger dedups.
            log.warning("offset commit failed", extra={"error": repr(error)})

    def _ignore(self, event_type: str) -> None:
        if event_type not in self._ignored_types:
            self._ignored_types.add(event_type)
            log.info("event type not handled by this consumer", extra={"consumer": self.name, "type": event_type})


async def undecoded(message: StreamMessage[Any]) -> Any:
    """The bodies as they came: `parse_event()` decodes them and dead-letters what it rejects.

    FastStream's own decoder parses JSON before the handler runs and lets a RecursionError (a JSON bomb)
    or a JSONDecodeError (a body labelled application/json that is not JSON) escape: the whole batch was
    then dropped, neither handled nor dead-lettered, and committed past by the next batch."""
    return message.body


def subscribe(broker: KafkaBroker, topic: Topic, consumer: IdempotentConsumer) -> None:
    """Attach the consumer to a topic as its own group, in batches, committing offsets only by hand."""

    @broker.subscriber(
        topic.name,
        group_id=consumer.name,
        ack_policy=AckPolicy.MANUAL,
        auto_offset_reset="earliest",
        batch=True,
        max_records=MAX_BATCH,
        batch_timeout_ms=BATCH_WAIT_MS,
        decoder=undecoded,
    )
    async def on_batch(message: KafkaMessage) -> None:
        try:
            await consumer.process_batch(message)
        except Exception as error:
            # Never let an error escape unacknowledged: the next message's commit would skip this one.
            log.error("consumer failed, rewinding", extra={"consumer": consumer.name, "error": repr(error)})
            await asyncio.sleep(1.0)
            await message.nack()
