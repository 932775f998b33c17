"""All SQL of the notifications service: the delivery log."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from uuid import UUID

import asyncpg

WAKEUP_CHANNEL = "notifications_deliveries"
LEASE = timedelta(seconds=60)


@dataclass(frozen=True)
class NewDelivery:
    event_id: UUID
    recipient: str
    template: str
    event_type: str
    essential: bool
    language: str
    message_id: str
    subject: str
    body_text: str
    body_html: str
    correlation_id: str


async def add_deliveries(conn: asyncpg.Connection, deliveries: list[NewDelivery]) -> None:
    """Record emails to send (an existing key is left alone) and wake the workers on commit."""
    await conn.executemany(
        "INSERT INTO deliveries (event_id, recipient, template, event_type, essential, language, message_id,"
        " subject, body_text, body_html, correlation_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)"
        " ON CONFLICT (event_id, recipient, template) DO NOTHING",
        [
            (
                d.event_id,
                d.recipient,
                d.template,
                d.event_type,
                d.essential,
                d.language,
                d.message_id,
                d.subject,
                d.body_text,
                d.body_html,
                d.correlation_id,
            )
            for d in deliveries
        ],
    )
    await conn.execute("SELECT pg_notify($1, '')", WAKEUP_CHANNEL)


async def claim_due(pool: asyncpg.Pool, now: datetime, limit: int) -> list[asyncpg.Record]:
    """Lease due deliveries to this worker: pending/retrying ones, and 'sending' ones whose lease expired."""
    return await pool.fetch(
        "UPDATE deliveries SET status = 'sending', attempts = attempts + 1, lease_until = $1 + $3::interval"
        " WHERE id IN (SELECT id FROM deliveries"
        "   WHERE ((status IN ('pending', 'retrying') AND next_attempt_at <= $1)"
        "      OR (status = 'sending' AND lease_until < $1))"
        "   ORDER BY next_attempt_at, id LIMIT $2 FOR UPDATE SKIP LOCKED)"
        " RETURNING *",
        now,
        limit,
        LEASE,
    )


async def mark_sent(pool: asyncpg.Pool, delivery_id: int, now: datetime) -> None:
    await pool.execute(
        "UPDATE deliveries SET status = 'sent', sent_at = $2, lease_until = NULL, last_error = NULL WHERE id = $1",
        delivery_id,
        now,
    )


async def mark_retry(pool: asyncpg.Pool, delivery_id: int, error: str, at: datetime) -> None:
    await pool.execute(
        "UPDATE deliveries SET status = 'retrying', last_error = $2, next_attempt_at = $3, lease_until = NULL"
        " WHERE id = $1",
        delivery_id,
        error,
        at,
    )


async def mark_failed(pool: asyncpg.Pool, delivery_id: int, error: str) -> None:
    await pool.execute(
        "UPDATE deliveries SET status = 'failed', last_error = $2, lease_until = NULL WHERE id = $1",
        delivery_id,
        error,
    )


async def count_by_status(pool: asyncpg.Pool) -> dict[str, int]:
    rows = await pool.fetch("SELECT status, count(*) AS n FROM deliveries GROUP BY status")
    return {r["status"]: r["n"] for r in rows}
