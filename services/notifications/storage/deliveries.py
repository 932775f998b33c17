"""The delivery log: recording emails, leasing due ones to a worker, their outcome, staff's views."""

from __future__ import annotations

import json
from dataclasses import fields
from datetime import datetime
from uuid import UUID

import asyncpg

from services.notifications.domain.delivery import LEASE, Delivery, DeliveryQuery, NewDelivery, StoredEmail
from services.notifications.domain.digest import HeldNotice

WAKEUP_CHANNEL = "notifications_deliveries"
LISTED_COLUMNS = ", ".join(f.name for f in fields(Delivery))


def _delivery(row: asyncpg.Record) -> Delivery:
    return Delivery(**dict(row))


def _stored(row: asyncpg.Record) -> StoredEmail:
    values = {f.name: row[f.name] for f in fields(StoredEmail)}
    if values["event"] is not None and not isinstance(values["event"], str):
        values["event"] = json.dumps(values["event"])
    return StoredEmail(**values)


NEW_COLUMNS = {
    "event_id": "uuid", "recipient": "text", "template": "text", "event_type": "text", "essential": "boolean",
    "language": "text", "message_id": "text", "subject": "text", "body_text": "text", "body_html": "text",
    "correlation_id": "text", "status": "text", "decision": "text", "event": "jsonb", "unsubscribe_url": "text",
    "calendar": "text", "calendar_method": "text", "release_at": "timestamptz",
}  # fmt: skip
"""The columns a NewDelivery fills (its field names) with their types, for the one multi-row insert."""


def _insert_many() -> str:
    """INSERT ... SELECT FROM unnest(one array per column): any number of rows in one round trip."""
    arrays = ", ".join(
        f"${n}::{'text' if kind == 'jsonb' else kind}[]" for n, kind in enumerate(NEW_COLUMNS.values(), 1)
    )
    values = ", ".join(f"{name}::jsonb" if kind == "jsonb" else name for name, kind in NEW_COLUMNS.items())
    return (
        f"INSERT INTO deliveries ({', '.join(NEW_COLUMNS)}) SELECT {values} FROM unnest({arrays})"
        f" AS new ({', '.join(NEW_COLUMNS)}) ON CONFLICT (event_id, recipient, template) DO NOTHING RETURNING id"
    )


_ADD_DELIVERIES = _insert_many()


async def add_deliveries(conn: asyncpg.Connection, deliveries: list[NewDelivery]) -> list[int]:
    """Record emails in one statement (an existing key is left alone); the new ids, in the order given."""
    if not deliveries:
        return []
    columns = [[getattr(d, name) for d in deliveries] for name in NEW_COLUMNS]
    rows = await conn.fetch(_ADD_DELIVERIES, *columns)
    return sorted(row["id"] for row in rows)  # ids are drawn in row order


async def claim_due(pool: asyncpg.Pool, now: datetime, limit: int) -> list[StoredEmail]:
    """Lease due deliveries to this worker: pending/retrying ones, and 'sending' ones whose lease expired.
    The first status condition repeats the predicate of the index deliveries_due_in_order, so that the
    planner reads the index in order and stops at the limit (without it: every due row sorted)."""
    rows = await pool.fetch(
        "UPDATE deliveries SET status = 'sending', attempts = attempts + 1, lease_until = $1 + $3::interval"
        " WHERE id IN (SELECT id FROM deliveries"
        "   WHERE status IN ('pending', 'retrying', 'sending')"
        "   AND ((status IN ('pending', 'retrying') AND next_attempt_at <= $1)"
        "      OR (status = 'sending' AND lease_until < $1))"
        "   ORDER BY next_attempt_at, id LIMIT $2 FOR UPDATE SKIP LOCKED)"
        " RETURNING *",
        now,
        limit,
        LEASE,
    )
    return [_stored(row) for row in rows]


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


async def mark_failed(conn: asyncpg.Connection | asyncpg.Pool, delivery_id: int, error: str) -> None:
    await conn.execute(
        "UPDATE deliveries SET status = 'failed', last_error = $2, lease_until = NULL WHERE id = $1",
        delivery_id,
        error,
    )


async def count_by_status(pool: asyncpg.Pool) -> dict[str, int]:
    rows = await pool.fetch("SELECT status, count(*) AS n FROM deliveries GROUP BY status")
    return {r["status"]: r["n"] for r in rows}


async def list_deliveries(pool: asyncpg.Pool, query: DeliveryQuery) -> list[Delivery]:
    rows = await pool.fetch(
        f"SELECT {LISTED_COLUMNS} FROM deliveries"
        " WHERE ($1::text IS NULL OR lower(recipient) = lower($1)) AND ($2::uuid IS NULL OR event_id = $2)"
        " AND ($3::text IS NULL OR status = $3) AND ($5::bigint IS NULL OR id < $5)"
        " AND ($6::text IS NULL OR template = $6)"
        " ORDER BY id DESC LIMIT $4",
        query.recipient,
        query.event_id,
        query.status,
        query.limit,
        query.before_id,
        query.template,
    )
    return [_delivery(row) for row in rows]


async def get_delivery(pool: asyncpg.Pool | asyncpg.Connection, delivery_id: int) -> StoredEmail | None:
    row = await pool.fetchrow("SELECT * FROM deliveries WHERE id = $1", delivery_id)
    return None if row is None else _stored(row)


async def resend(pool: asyncpg.Pool, delivery_id: int, now: datetime) -> Delivery | None:
    """Send again (same Message-ID); not for erased rows (person or body), nor one being sent right now.
    Wakes the workers."""
    row = await pool.fetchrow(
        "UPDATE deliveries SET status = 'pending', attempts = 0, next_attempt_at = $2, last_error = NULL,"
        " decision = decision || ' | resent by staff'"
        " WHERE id = $1 AND status <> 'sending' AND recipient NOT LIKE 'erased:%' AND body_erased_at IS NULL"
        f" RETURNING {LISTED_COLUMNS}",
        delivery_id,
        now,
    )
    await pool.execute("SELECT pg_notify($1, '')", WAKEUP_CHANNEL)
    return None if row is None else _delivery(row)


async def deliveries_about(pool: asyncpg.Pool, recipient: str, event_id: UUID | None) -> list[Delivery]:
    rows = await pool.fetch(
        f"SELECT {LISTED_COLUMNS} FROM deliveries WHERE lower(recipient) = lower($1)"
        " AND ($2::uuid IS NULL OR event_id = $2) ORDER BY id DESC LIMIT 50",
        recipient,
        event_id,
    )
    return [_delivery(row) for row in rows]


async def held_before(conn: asyncpg.Connection, cutoff: datetime) -> list[HeldNotice]:
    """Held rows older than the cutoff, locked for this transaction, by recipient then oldest first."""
    rows = await conn.fetch(
        "SELECT id, recipient, language, subject, body_text FROM deliveries"
        " WHERE status = 'held' AND created_at < $1 ORDER BY recipient, id FOR UPDATE SKIP LOCKED",
        cutoff,
    )
    return [HeldNotice(r["id"], r["recipient"], r["language"], r["subject"], r["body_text"]) for r in rows]


async def mark_digested(conn: asyncpg.Connection, ids: list[int], digest: int) -> None:
    await conn.execute(
        "UPDATE deliveries SET status = 'digested', digest_id = $2 WHERE id = ANY($1::bigint[])", ids, digest
    )
