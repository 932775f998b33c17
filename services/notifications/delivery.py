"""The delivery worker: sends what the delivery log says is due, and records the outcome.

A row is leased ('sending', lease_until) before the SMTP transaction and marked 'sent' right after
the server accepted it. The remaining window for a duplicate is a crash between the server's
acceptance (the reply to DATA) and that one-row UPDATE: the lease then expires and the email is
sent again, with the same Message-ID, so mail clients and the sink can recognise it. Nothing
shorter is possible with SMTP, which has no idempotent submission; the UPDATE runs on a pooled
connection straight after the reply (one database round trip), and is retried while the lease
holds if PostgreSQL is briefly unreachable, so only a crash of this process opens the window.

Two replicas never send the same row concurrently: claiming uses FOR UPDATE SKIP LOCKED.
Each process sends over NOTIFICATIONS_SMTP_CONNECTIONS connections at once (one lane each); a
recipient always maps to the same lane, so their emails keep their order. With one connection the
worker waited on every SMTP and database round trip in turn (~75 emails/s measured).
Pacing: each process sends at most NOTIFICATIONS_MAX_SEND_RATE emails per second, all lanes together.
"""

from __future__ import annotations

import asyncio
import json
import logging
import random
from collections.abc import Sequence

import asyncpg

from services.notifications import storage
from services.notifications.domain import RetryPolicy, SendPace, failure_notices, lane_of, next_attempt_at
from services.notifications.mail import DeliveryFailed, SmtpSender, build_message
from services.notifications.recording import Origin, record, staff_recipients
from shared.logs import correlation_id
from shared.runtime import Runtime
from shared.storage.database import DATABASE_ERRORS

log = logging.getLogger(__name__)

BATCH = 100
POLL_INTERVAL = 1.0
DEAD_LETTER_CONSUMER = "notifications.delivery"


class DeliveryWorker:
    def __init__(self, runtime: Runtime, senders: Sequence[SmtpSender], rng: random.Random | None = None) -> None:
        settings = runtime.settings
        self.runtime = runtime
        self.senders = senders
        self.rng = rng or random.Random()
        self.policy = RetryPolicy(settings.notifications_max_attempts, settings.notifications_retry_base_seconds)
        self.pace = SendPace(settings.notifications_max_send_rate, burst=max(1.0, settings.notifications_max_send_rate))
        self._wakeup = runtime.wakeup(storage.WAKEUP_CHANNEL)

    async def run(self) -> None:
        try:
            while True:
                try:
                    handled = await self.deliver_due()
                except DATABASE_ERRORS as error:
                    log.warning("delivery round failed", extra={"error": repr(error)})
                    handled = 0
                    await asyncio.sleep(1.0)
                if handled < BATCH:
                    await self._wakeup.wait(POLL_INTERVAL)
        finally:
            await self._wakeup.close()
            for sender in self.senders:
                await sender.close()

    async def deliver_due(self) -> int:
        rows = await storage.claim_due(self.runtime.pool, self.runtime.clock(), BATCH)
        lanes: list[list[asyncpg.Record]] = [[] for _ in self.senders]
        for row in rows:
            lanes[lane_of(row["recipient"], len(lanes))].append(row)
        await asyncio.gather(
            *(self._deliver_in_order(sender, lane) for sender, lane in zip(self.senders, lanes, strict=True))
        )
        return len(rows)

    async def _deliver_in_order(self, sender: SmtpSender, rows: list[asyncpg.Record]) -> None:
        for row in rows:
            wait = self.pace.wait_before_next(self.runtime.clock())
            if wait > 0:
                await asyncio.sleep(wait)
            await self._deliver(sender, row)

    async def _deliver(self, sender: SmtpSender, row: asyncpg.Record) -> None:
        token = correlation_id.set(row["correlation_id"])
        try:
            message = build_message(
                sender=self.runtime.settings.mail_from,
                recipient=row["recipient"],
                subject=row["subject"],
                text=row["body_text"],
                html=row["body_html"],
                language=row["language"],
                message_id=row["message_id"],
                date=row["created_at"],
                unsubscribe_url=row["unsubscribe_url"],
                calendar=row["calendar"],
                calendar_method=row["calendar_method"],
            )
            try:
                await sender.send(message)
            except DeliveryFailed as failure:
                await self._record_failure(row, failure)
                return
            await self._record_sent(row)
            log.info("email sent", extra={"template": row["template"], "message_id": row["message_id"]})
        finally:
            correlation_id.reset(token)

    async def _record_sent(self, row: asyncpg.Record) -> None:
        """The server accepted the email: keep trying to say so while the lease holds (PostgreSQL may be
        restarting), so that the lease does not expire into a resend."""
        deadline = asyncio.get_running_loop().time() + storage.LEASE.total_seconds() - 5
        delay = 0.2
        while True:
            try:
                await storage.mark_sent(self.runtime.pool, row["id"], self.runtime.clock())
                return
            except DATABASE_ERRORS as error:
                if asyncio.get_running_loop().time() + delay > deadline:
                    raise
                log.warning("could not record a sent email yet", extra={"error": repr(error)})
                await asyncio.sleep(delay)
                delay = min(delay * 2, 5.0)

    async def _record_failure(self, row: asyncpg.Record, failure: DeliveryFailed) -> None:
        attempts = row["attempts"]
        if failure.transient and attempts < self.policy.max_attempts:
            retry_at = next_attempt_at(self.runtime.clock(), attempts, self.rng.random(), self.policy)
            await storage.mark_retry(self.runtime.pool, row["id"], str(failure), retry_at)
            log.warning("email deferred", extra={"attempts": attempts, "error": str(failure)})
            return
        error = str(failure) if not failure.transient else f"gave up after {attempts} attempts: {failure}"
        await self._fail_and_tell_staff(row, error)
        if failure.transient and row["event"] is not None:
            await self._dead_letter(row, error)
        log.error("email failed", extra={"attempts": attempts, "error": error, "template": row["template"]})

    async def _fail_and_tell_staff(self, row: asyncpg.Record, error: str) -> None:
        settings = self.runtime.settings
        async with self.runtime.pool.acquire() as conn, conn.transaction():
            await storage.mark_failed(conn, row["id"], error)
            staff = await staff_recipients(conn, settings)
            notice_id, emails = failure_notices(
                row["id"], row["recipient"], row["template"], row["subject"], error, staff
            )
            await record(conn, settings, Origin(notice_id, "DeliveryFailed", row["correlation_id"]), emails)
        self._wakeup.poke()

    async def _dead_letter(self, row: asyncpg.Record, error: str) -> None:
        """Best effort: the row already says failed, and staff were told even if Kafka is down."""
        event = row["event"] if isinstance(row["event"], str) else json.dumps(row["event"])
        try:
            await self.runtime.dead_letters.send_value(
                event.encode(),
                str(row["event_id"]).encode(),
                f"email {row['template']} to delivery {row['id']} failed: {error}",
                consumer=DEAD_LETTER_CONSUMER,
                source=f"deliveries/{row['id']}",
            )
        except Exception as failure:
            log.warning("could not dead-letter a failed delivery", extra={"error": repr(failure)})
