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
    status: str = "pending"
    decision: str = ""
    event: str | None = None  # the envelope as JSON
    unsubscribe_url: str | None = None
    calendar: str | None = None
    calendar_method: str | None = None


async def add_deliveries(conn: asyncpg.Connection, deliveries: list[NewDelivery]) -> list[int]:
    """Record emails (an existing key is left alone) and wake the workers on commit; the new ids."""
    ids = []
    for d in deliveries:
        new_id = await conn.fetchval(
            "INSERT INTO deliveries (event_id, recipient, template, event_type, essential, language, message_id,"
            " subject, body_text, body_html, correlation_id, status, decision, event, unsubscribe_url, calendar,"
            " calendar_method)"
            " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14::jsonb, $15, $16, $17)"
            " ON CONFLICT (event_id, recipient, template) DO NOTHING RETURNING id",
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
            d.status,
            d.decision,
            d.event,
            d.unsubscribe_url,
            d.calendar,
            d.calendar_method,
        )
        if new_id is not None:
            ids.append(new_id)
    return ids


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


async def mark_failed(conn: asyncpg.Connection | asyncpg.Pool, delivery_id: int, error: str) -> None:
    await conn.execute(
        "UPDATE deliveries SET status = 'failed', last_error = $2, lease_until = NULL WHERE id = $1",
        delivery_id,
        error,
    )


async def count_by_status(pool: asyncpg.Pool) -> dict[str, int]:
    rows = await pool.fetch("SELECT status, count(*) AS n FROM deliveries GROUP BY status")
    return {r["status"]: r["n"] for r in rows}


# --- preferences -------------------------------------------------------------------------------


@dataclass(frozen=True)
class StaffProfile:
    email: str
    language: str
    timezone: str
    digest_kinds: tuple[str, ...]


async def staff_profiles(conn: asyncpg.Connection | asyncpg.Pool, emails: tuple[str, ...]) -> dict[str, StaffProfile]:
    if not emails:
        return {}
    rows = await conn.fetch(
        "SELECT email, language, timezone, digest_kinds FROM staff_profiles WHERE email = ANY($1::text[])",
        [e.lower() for e in emails],
    )
    return {r["email"]: StaffProfile(r["email"], r["language"], r["timezone"], tuple(r["digest_kinds"])) for r in rows}


async def save_staff_profile(pool: asyncpg.Pool, profile: StaffProfile) -> None:
    await pool.execute(
        "INSERT INTO staff_profiles (email, language, timezone, digest_kinds) VALUES ($1, $2, $3, $4)"
        " ON CONFLICT (email) DO UPDATE SET language = $2, timezone = $3, digest_kinds = $4, updated_at = now()",
        profile.email.lower(),
        profile.language,
        profile.timezone,
        list(profile.digest_kinds),
    )


async def opted_out(conn: asyncpg.Connection | asyncpg.Pool, recipients: list[str]) -> set[tuple[str, str]]:
    if not recipients:
        return set()
    rows = await conn.fetch(
        "SELECT recipient, kind FROM opt_outs WHERE recipient = ANY($1::text[])", [r.lower() for r in recipients]
    )
    return {(r["recipient"], r["kind"]) for r in rows}


async def opt_out(pool: asyncpg.Pool, recipient: str, kind: str) -> None:
    await pool.execute(
        "INSERT INTO opt_outs (recipient, kind) VALUES ($1, $2) ON CONFLICT DO NOTHING", recipient.lower(), kind
    )


# --- staff and ops -----------------------------------------------------------------------------

LISTED_COLUMNS = (
    "id, event_id, event_type, recipient, template, essential, language, message_id, subject, status,"
    " decision, attempts, last_error, next_attempt_at, created_at, sent_at, digest_id"
)


async def list_deliveries(
    pool: asyncpg.Pool,
    *,
    recipient: str | None,
    event_id: UUID | None,
    status: str | None,
    limit: int,
    before_id: int | None,
) -> list[asyncpg.Record]:
    """Newest first; `before_id` pages on."""
    return await pool.fetch(
        f"SELECT {LISTED_COLUMNS} FROM deliveries"
        " WHERE ($1::text IS NULL OR lower(recipient) = lower($1)) AND ($2::uuid IS NULL OR event_id = $2)"
        " AND ($3::text IS NULL OR status = $3) AND ($5::bigint IS NULL OR id < $5)"
        " ORDER BY id DESC LIMIT $4",
        recipient,
        event_id,
        status,
        limit,
        before_id,
    )


async def get_delivery(pool: asyncpg.Pool, delivery_id: int) -> asyncpg.Record | None:
    return await pool.fetchrow("SELECT * FROM deliveries WHERE id = $1", delivery_id)


async def resend(pool: asyncpg.Pool, delivery_id: int, now: datetime) -> asyncpg.Record | None:
    """Send again (same Message-ID); not for erased rows, nor one being sent right now."""
    row = await pool.fetchrow(
        "UPDATE deliveries SET status = 'pending', attempts = 0, next_attempt_at = $2, last_error = NULL,"
        " decision = decision || ' | resent by staff'"
        " WHERE id = $1 AND status <> 'sending' AND recipient NOT LIKE 'erased:%'"
        f" RETURNING {LISTED_COLUMNS}",
        delivery_id,
        now,
    )
    await pool.execute("SELECT pg_notify($1, '')", WAKEUP_CHANNEL)
    return row


async def deliveries_about(pool: asyncpg.Pool, recipient: str, event_id: UUID | None) -> list[asyncpg.Record]:
    return await pool.fetch(
        f"SELECT {LISTED_COLUMNS} FROM deliveries WHERE lower(recipient) = lower($1)"
        " AND ($2::uuid IS NULL OR event_id = $2) ORDER BY id DESC LIMIT 50",
        recipient,
        event_id,
    )


async def was_processed(pool: asyncpg.Pool, consumer: str, event_id: UUID) -> bool:
    return bool(
        await pool.fetchval(
            "SELECT EXISTS (SELECT 1 FROM processed_events WHERE consumer = $1 AND event_id = $2)", consumer, event_id
        )
    )


async def erase_person(conn: asyncpg.Connection, email: str) -> int:
    """Forget an address: in recipients, stored bodies (staff notices quote it) and opt-outs."""
    address = email.lower()
    await conn.execute("DELETE FROM opt_outs WHERE recipient = $1", address)
    await conn.execute("DELETE FROM staff_profiles WHERE email = $1", address)
    result = await conn.execute(
        "UPDATE deliveries SET recipient = 'erased:' || id, subject = '', body_text = '', body_html = '',"
        " event = NULL, unsubscribe_url = NULL, last_error = NULL, calendar = NULL,"
        " status = CASE WHEN status IN ('pending', 'retrying', 'held') THEN 'suppressed' ELSE status END,"
        " decision = decision || ' | personal data erased'"
        " WHERE lower(recipient) = $1 OR strpos(lower(body_text), $1) > 0 OR strpos(lower(subject), $1) > 0",
        address,
    )
    return int(result.split()[-1])


# --- digest ------------------------------------------------------------------------------------


async def held_before(conn: asyncpg.Connection, cutoff: datetime) -> list[asyncpg.Record]:
    """Held rows older than the cutoff, locked for this transaction, oldest first."""
    return await conn.fetch(
        "SELECT id, recipient, language, subject, body_text FROM deliveries"
        " WHERE status = 'held' AND created_at < $1 ORDER BY recipient, id FOR UPDATE SKIP LOCKED",
        cutoff,
    )


async def mark_digested(conn: asyncpg.Connection, ids: list[int], digest: int) -> None:
    await conn.execute(
        "UPDATE deliveries SET status = 'digested', digest_id = $2 WHERE id = ANY($1::bigint[])", ids, digest
    )
