"""Calls: read, write, lock, and the open/closed announcements."""

from __future__ import annotations

import json
from datetime import datetime

import asyncpg

from services.registration.domain.calls import DEFAULT_CRITERIA, Call, Criterion


def call_of(row: asyncpg.Record) -> Call:
    """The call of a row of `calls` (or of a statement returning its columns)."""
    criteria = json.loads(row["criteria"]) if row["criteria"] else None
    return Call(
        slug=row["slug"],
        title=json.loads(row["title"]),
        description=json.loads(row["description"]),
        opens_at=row["opens_at"],
        closes_at=row["closes_at"],
        timezone=row["timezone"],
        quota=row["quota"],
        criteria=tuple(Criterion(**c) for c in criteria) if criteria else DEFAULT_CRITERIA,
    )


async def get_call(conn: asyncpg.Connection, slug: str, *, lock: bool = False) -> Call | None:
    """The call; `lock` holds it for this transaction (serialises review commands of one call)."""
    row = await conn.fetchrow(f"SELECT * FROM calls WHERE slug = $1{' FOR UPDATE' if lock else ''}", slug)
    return call_of(row) if row else None


async def list_calls(conn: asyncpg.Connection) -> list[Call]:
    return [call_of(r) for r in await conn.fetch("SELECT * FROM calls ORDER BY opens_at DESC")]


async def upsert_call(conn: asyncpg.Connection, call: Call) -> None:
    """Create or replace a call; a changed window is announced again (CallOpened/CallClosed)."""
    await conn.execute(
        "INSERT INTO calls (slug, title, description, opens_at, closes_at, timezone, quota, criteria)"
        " VALUES ($1, $2::jsonb, $3::jsonb, $4, $5, $6, $7, $8::jsonb)"
        " ON CONFLICT (slug) DO UPDATE SET title = EXCLUDED.title, description = EXCLUDED.description,"
        " opens_at = EXCLUDED.opens_at, closes_at = EXCLUDED.closes_at, timezone = EXCLUDED.timezone,"
        " quota = EXCLUDED.quota, criteria = EXCLUDED.criteria, updated_at = now(),"
        " closed_announced_at = CASE WHEN calls.closes_at = EXCLUDED.closes_at"
        "   THEN calls.closed_announced_at END",
        call.slug,
        json.dumps(call.title),
        json.dumps(call.description),
        call.opens_at,
        call.closes_at,
        call.timezone,
        call.quota,
        json.dumps([c.model_dump(mode="json") for c in call.criteria]),
    )


async def calls_to_announce_closed(conn: asyncpg.Connection, now: datetime) -> list[Call]:
    rows = await conn.fetch(
        "SELECT * FROM calls WHERE closes_at <= $1 AND closed_announced_at IS NULL FOR UPDATE SKIP LOCKED", now
    )
    return [call_of(r) for r in rows]


async def mark_closed_announced(conn: asyncpg.Connection, slug: str, now: datetime) -> None:
    await conn.execute("UPDATE calls SET closed_announced_at = $2 WHERE slug = $1", slug, now)
