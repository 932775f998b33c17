"""The reminder worker: emits each due reminder as ReminderDue exactly once, surviving restarts.

One round = one transaction: claim due rows (FOR UPDATE SKIP LOCKED, so concurrent workers never
take the same row), write ReminderDue to the outbox and mark the row sent, then commit. A crash
before the commit leaves the rows pending and no event; after it, both exist. The clock is passed in.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

import asyncpg

from services.scheduling.storage import activities as activity_rows
from services.scheduling.storage import cities as city_rows
from services.scheduling.storage import nominations as nomination_rows
from services.scheduling.storage import reminders as reminder_rows
from services.scheduling.workflows.publishing import Context, emit
from shared.contracts import ReminderDue

log = logging.getLogger(__name__)

BATCH = 100
POLL_SECONDS = 5.0


async def emit_due(pool: asyncpg.Pool, make_context: Callable[[], Context], batch: int = BATCH) -> int:
    """One round; returns how many ReminderDue events were written."""
    async with pool.acquire() as conn, conn.transaction():
        context = make_context()
        emitted = 0
        for reminder in await reminder_rows.claim_due(conn, context.now, batch):
            nomination = await nomination_rows.nomination(conn, reminder["nomination_id"])
            row = await activity_rows.activity(conn, nomination["activity_id"])
            if nomination["status"] != "confirmed" or row["status"] in ("cancelled", "done"):
                await reminder_rows.cancel_pending(conn, nomination_id=nomination["id"])
                continue
            activity = context.activity(row)
            city = await city_rows.member(conn, nomination["city_id"])
            await emit(
                conn,
                context,
                ReminderDue(
                    activity=activity,
                    invitation=context.invitation(activity, nomination),
                    focal_point=city.focal_point,
                    occurred_at=context.now,
                    reminder_id=reminder["id"],
                    days_before=reminder["days_before"],
                    due_at=reminder["due_at"],
                ),
                key=row["id"],
            )
            await reminder_rows.mark_sent(conn, reminder["id"], context.now)
            emitted += 1
        return emitted


async def run(pool: asyncpg.Pool, make_context: Callable[[], Context], poll_seconds: float = POLL_SECONDS) -> None:
    """Until cancelled: a round every `poll_seconds`, at once again while a full batch came out."""
    while True:
        try:
            emitted = await emit_due(pool, make_context)
        except Exception as error:
            log.warning("reminder round failed", extra={"error": repr(error)})
            emitted = 0
        if emitted:
            log.info("reminders emitted", extra={"count": emitted})
        if emitted < BATCH:
            await asyncio.sleep(poll_seconds)
