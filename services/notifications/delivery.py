"""The delivery worker: sends what the delivery log says is due, and records the outcome.

A row is leased ('sending', lease_until) before the SMTP transaction and marked 'sent' right after
the server accepted it. The remaining window for a duplicate is a crash between the server's
acceptance and that update: the lease then expires and the email is sent again, with the same
Message-ID, so mail clients and the sink can recognise it. Nothing shorter is possible with SMTP,
which has no idempotent submission.
"""

from __future__ import annotations

import asyncio
import logging
import random

import asyncpg

from services.notifications import storage
from services.notifications.domain import MAX_ATTEMPTS, next_attempt_at
from services.notifications.mail import DeliveryFailed, SmtpSender, build_message
from shared.logs import correlation_id
from shared.runtime import Runtime
from shared.wakeup import NotifyWakeup

log = logging.getLogger(__name__)

BATCH = 50
POLL_INTERVAL = 1.0


class DeliveryWorker:
    def __init__(self, runtime: Runtime, sender: SmtpSender, rng: random.Random | None = None) -> None:
        self.runtime = runtime
        self.sender = sender
        self.rng = rng or random.Random()
        self._wakeup = NotifyWakeup(runtime.settings.dsn, storage.WAKEUP_CHANNEL)

    async def run(self) -> None:
        try:
            while True:
                try:
                    handled = await self.deliver_due()
                except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as error:
                    log.warning("delivery round failed", extra={"error": repr(error)})
                    handled = 0
                    await asyncio.sleep(1.0)
                if handled < BATCH:
                    await self._wakeup.wait(POLL_INTERVAL)
        finally:
            await self._wakeup.close()
            await self.sender.close()

    async def deliver_due(self) -> int:
        rows = await storage.claim_due(self.runtime.pool, self.runtime.clock(), BATCH)
        for row in rows:
            await self._deliver(row)
        return len(rows)

    async def _deliver(self, row: asyncpg.Record) -> None:
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
            )
            try:
                await self.sender.send(message)
            except DeliveryFailed as failure:
                await self._record_failure(row, failure)
                return
            await storage.mark_sent(self.runtime.pool, row["id"], self.runtime.clock())
            log.info("email sent", extra={"template": row["template"], "message_id": row["message_id"]})
        finally:
            correlation_id.reset(token)

    async def _record_failure(self, row: asyncpg.Record, failure: DeliveryFailed) -> None:
        pool, attempts = self.runtime.pool, row["attempts"]
        if failure.transient and attempts < MAX_ATTEMPTS:
            retry_at = next_attempt_at(self.runtime.clock(), attempts, self.rng.random())
            await storage.mark_retry(pool, row["id"], str(failure), retry_at)
            log.warning("email deferred", extra={"attempts": attempts, "error": str(failure)})
        else:
            await storage.mark_failed(pool, row["id"], str(failure))
            log.error("email failed", extra={"attempts": attempts, "error": str(failure)})
