"""SQL of activities and their sessions."""

from __future__ import annotations

import json
from typing import Any
from uuid import UUID

import asyncpg

ACTIVITY_FIELDS = (
    "kind", "titles", "status", "tentative_note", "host_city", "country", "venue_name", "venue_address",
    "timezone", "starts_at", "ends_at", "working_languages", "interpretation", "capacity", "city_quota",
    "nomination_deadline", "reminder_days",
)  # fmt: skip


def _activity(row: asyncpg.Record | None) -> dict[str, Any] | None:
    if row is None:
        return None
    data = dict(row)
    data["titles"] = json.loads(data["titles"])
    return data


def _encode(values: dict[str, Any]) -> dict[str, Any]:
    return {k: json.dumps(v) if k in ("titles",) else v for k, v in values.items()}


async def insert_activity(
    conn: asyncpg.Connection, activity_id: UUID, values: dict[str, Any], now, seed_key: str | None = None
) -> bool:
    """False when an activity of the same seed key exists already (seeding is idempotent)."""
    values = _encode(values)
    columns = ", ".join(ACTIVITY_FIELDS)
    placeholders = ", ".join(f"${i}" for i in range(4, 4 + len(ACTIVITY_FIELDS)))
    status = await conn.execute(
        f"INSERT INTO activities (id, seed_key, created_at, {columns}, updated_at)"
        f" VALUES ($1, $2, $3, {placeholders}, $3) ON CONFLICT (seed_key) DO NOTHING",
        activity_id,
        seed_key,
        now,
        *(values[f] for f in ACTIVITY_FIELDS),
    )
    return status.endswith(" 1")


async def update_activity(conn: asyncpg.Connection, activity_id: UUID, values: dict[str, Any], now) -> None:
    """Write the changed fields and raise the revision (the ICS SEQUENCE grows with it)."""
    values = _encode(values)
    names = [f for f in ACTIVITY_FIELDS if f in values]
    assignments = ", ".join(f"{name} = ${i}" for i, name in enumerate(names, start=3))
    await conn.execute(
        f"UPDATE activities SET {assignments}{', ' if names else ''} revision = revision + 1, updated_at = $2"
        " WHERE id = $1",
        activity_id,
        now,
        *(values[n] for n in names),
    )


async def touch_activity(conn: asyncpg.Connection, activity_id: UUID, now) -> None:
    await update_activity(conn, activity_id, {}, now)


async def activity(conn: asyncpg.Connection, activity_id: UUID, *, lock: bool = False) -> dict[str, Any] | None:
    """One activity; `lock` serialises place decisions on it until the transaction ends."""
    query = "SELECT * FROM activities WHERE id = $1" + (" FOR UPDATE" if lock else "")
    return _activity(await conn.fetchrow(query, activity_id))


async def activities(conn: asyncpg.Connection) -> list[dict[str, Any]]:
    return [_activity(r) for r in await conn.fetch("SELECT * FROM activities ORDER BY starts_at, id")]


def _session(row: asyncpg.Record) -> dict[str, Any]:
    data = dict(row)
    data["titles"] = json.loads(data["titles"])
    return data


async def sessions(conn: asyncpg.Connection, activity_id: UUID) -> list[dict[str, Any]]:
    rows = await conn.fetch("SELECT * FROM sessions WHERE activity_id = $1 ORDER BY starts_at, room", activity_id)
    return [_session(r) for r in rows]


async def session(conn: asyncpg.Connection, activity_id: UUID, session_id: UUID) -> dict[str, Any] | None:
    row = await conn.fetchrow("SELECT * FROM sessions WHERE activity_id = $1 AND id = $2", activity_id, session_id)
    return _session(row) if row else None


async def save_session(conn: asyncpg.Connection, activity_id: UUID, session: dict[str, Any]) -> None:
    await conn.execute(
        "INSERT INTO sessions (id, activity_id, starts_at, ends_at, room, titles, speaker)"
        " VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7) ON CONFLICT (id) DO UPDATE SET starts_at = EXCLUDED.starts_at,"
        " ends_at = EXCLUDED.ends_at, room = EXCLUDED.room, titles = EXCLUDED.titles, speaker = EXCLUDED.speaker",
        session["id"],
        activity_id,
        session["starts_at"],
        session["ends_at"],
        session["room"],
        json.dumps(session["titles"]),
        session["speaker"],
    )


async def delete_session(conn: asyncpg.Connection, session_id: UUID) -> None:
    await conn.execute("DELETE FROM sessions WHERE id = $1", session_id)
