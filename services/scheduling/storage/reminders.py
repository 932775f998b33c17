"""SQL of the durable reminder schedule: rows in, `Reminder` out."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from uuid import UUID

import asyncpg

from services.scheduling.domain.reminders import Reminder


async def plan(conn: asyncpg.Connection, reminders: Sequence[Reminder], now: datetime) -> None:
    await conn.executemany(
        "INSERT INTO reminders (id, nomination_id, days_before, due_at, created_at) VALUES ($1, $2, $3, $4, $5)",
        [(r.id, r.nomination_id, r.days_before, r.due_at, now) for r in reminders],
    )


async def cancel_pending(
    conn: asyncpg.Connection, *, nomination_id: UUID | None = None, activity_id: UUID | None = None
) -> int:
    """Cancel the reminders not sent yet, of one nomination or of a whole activity."""
    status = await conn.execute(
        "UPDATE reminders SET status = 'cancelled' WHERE status = 'pending' AND nomination_id IN"
        " (SELECT id FROM nominations WHERE id = $1 OR activity_id = $2)",
        nomination_id,
        activity_id,
    )
    return int(status.split()[-1])


async def claim_due(conn: asyncpg.Connection, now: datetime, limit: int) -> list[Reminder]:
    """Due reminders, locked for this transaction; other workers skip them (FOR UPDATE SKIP LOCKED)."""
    rows = await conn.fetch(
        "SELECT id, nomination_id, days_before, due_at FROM reminders"
        " WHERE status = 'pending' AND due_at <= $1 ORDER BY due_at, id LIMIT $2 FOR UPDATE SKIP LOCKED",
        now,
        limit,
    )
    return [Reminder(**dict(r)) for r in rows]


async def mark_sent(conn: asyncpg.Connection, reminder: Reminder, now: datetime) -> None:
    await conn.execute("UPDATE reminders SET status = 'sent', sent_at = $2 WHERE id = $1", reminder.id, now)
