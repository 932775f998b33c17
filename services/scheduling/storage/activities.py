"""SQL of activities and their sessions: rows in, `Activity` and `Session` out."""

from __future__ import annotations

import json
from datetime import datetime
from uuid import UUID

import asyncpg

from services.scheduling.domain.activities import Activity, Session

COLUMNS = (
    "kind", "titles", "status", "tentative_note", "host_city", "country", "venue_name", "venue_address",
    "timezone", "starts_at", "ends_at", "working_languages", "interpretation", "capacity", "city_quota",
    "nomination_deadline", "reminder_days", "revision", "updated_at",
)  # fmt: skip
"""The columns an activity's changes write (beside its id, seed key and creation time)."""
ARRAYS = ("working_languages", "interpretation", "reminder_days")


def _activity(row: asyncpg.Record) -> Activity:
    values = {name: row[name] for name in COLUMNS}
    values["titles"] = json.loads(row["titles"])
    for name in ARRAYS:
        values[name] = tuple(row[name])
    return Activity(id=row["id"], **values, seed_key=row["seed_key"])


def _values(activity: Activity) -> list:
    """The activity's COLUMNS as asyncpg takes them (titles as JSON, lists for arrays)."""
    values = {name: getattr(activity, name) for name in COLUMNS}
    values["titles"] = json.dumps(dict(activity.titles))
    for name in ARRAYS:
        values[name] = list(values[name])
    return list(values.values())


async def insert(conn: asyncpg.Connection, activity: Activity) -> bool:
    """False when an activity of the same seed key exists already (seeding is idempotent)."""
    placeholders = ", ".join(f"${i}" for i in range(3, 3 + len(COLUMNS)))
    status = await conn.execute(
        f"INSERT INTO activities (id, seed_key, {', '.join(COLUMNS)}, created_at)"
        f" VALUES ($1, $2, {placeholders}, ${3 + len(COLUMNS)}) ON CONFLICT (seed_key) DO NOTHING",
        activity.id,
        activity.seed_key,
        *_values(activity),
        activity.updated_at,
    )
    return status.endswith(" 1")


async def save(conn: asyncpg.Connection, activity: Activity) -> None:
    """Write a changed activity (its revision raised by the change); the row is locked by the caller."""
    assignments = ", ".join(f"{name} = ${i}" for i, name in enumerate(COLUMNS, start=2))
    await conn.execute(f"UPDATE activities SET {assignments} WHERE id = $1", activity.id, *_values(activity))


async def get(conn: asyncpg.Connection, activity_id: UUID, *, lock: bool = False) -> Activity | None:
    """One activity; `lock` serialises place decisions on it until the transaction ends."""
    row = await conn.fetchrow("SELECT * FROM activities WHERE id = $1" + (" FOR UPDATE" if lock else ""), activity_id)
    return _activity(row) if row else None


async def programme(conn: asyncpg.Connection) -> list[Activity]:
    return [_activity(r) for r in await conn.fetch("SELECT * FROM activities ORDER BY starts_at, id")]


def _session(row: asyncpg.Record) -> Session:
    return Session(**{**dict(row), "titles": json.loads(row["titles"])})


async def ended_with_participants(conn: asyncpg.Connection, ended_before: datetime) -> list[Activity]:
    """Activities (not tentative) that ended before then and still keep a participant's data, oldest first."""
    rows = await conn.fetch(
        "SELECT a.* FROM activities a WHERE a.ends_at <= $1 AND a.status <> 'tentative'"
        " AND EXISTS (SELECT 1 FROM nominations n WHERE n.activity_id = a.id AND n.erased_at IS NULL)"
        " ORDER BY a.ends_at LIMIT 100",
        ended_before,
    )
    return [_activity(r) for r in rows]


async def sessions(conn: asyncpg.Connection, activity_id: UUID) -> tuple[Session, ...]:
    rows = await conn.fetch("SELECT * FROM sessions WHERE activity_id = $1 ORDER BY starts_at, room", activity_id)
    return tuple(_session(r) for r in rows)


async def session(conn: asyncpg.Connection, activity_id: UUID, session_id: UUID) -> Session | None:
    row = await conn.fetchrow("SELECT * FROM sessions WHERE activity_id = $1 AND id = $2", activity_id, session_id)
    return _session(row) if row else None


async def save_session(conn: asyncpg.Connection, session: Session) -> None:
    await conn.execute(
        "INSERT INTO sessions (id, activity_id, starts_at, ends_at, room, titles, speaker)"
        " VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7) ON CONFLICT (id) DO UPDATE SET starts_at = EXCLUDED.starts_at,"
        " ends_at = EXCLUDED.ends_at, room = EXCLUDED.room, titles = EXCLUDED.titles, speaker = EXCLUDED.speaker",
        session.id,
        session.activity_id,
        session.starts_at,
        session.ends_at,
        session.room,
        json.dumps(dict(session.titles)),
        session.speaker,
    )


async def delete_session(conn: asyncpg.Connection, session_id: UUID) -> None:
    await conn.execute("DELETE FROM sessions WHERE id = $1", session_id)
