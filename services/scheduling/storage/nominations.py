"""SQL of nominations (one row per person and activity) and the programme report: rows in,
`Nomination` (and `ReportLine`) out."""

from __future__ import annotations

from dataclasses import fields
from datetime import datetime
from uuid import UUID

import asyncpg

from services.scheduling.domain.conflicts import Interval
from services.scheduling.domain.nominations import ACTIVE, Nomination
from services.scheduling.domain.report import ReportLine

FIELDS = tuple(f.name for f in fields(Nomination))


def _nomination(row: asyncpg.Record) -> Nomination:
    return Nomination(**{name: row[name] for name in FIELDS})


async def of_activity(conn: asyncpg.Connection, activity_id: UUID) -> list[Nomination]:
    rows = await conn.fetch("SELECT * FROM nominations WHERE activity_id = $1 ORDER BY waiting_since, id", activity_id)
    return [_nomination(r) for r in rows]


async def activities_of_person(conn: asyncpg.Connection, person_id: UUID) -> list[UUID]:
    """The activities the person was ever nominated for (one nomination per person and activity)."""
    rows = await conn.fetch("SELECT activity_id FROM nominations WHERE person_id = $1", person_id)
    return [r["activity_id"] for r in rows]


async def get(conn: asyncpg.Connection, nomination_id: UUID) -> Nomination | None:
    row = await conn.fetchrow("SELECT * FROM nominations WHERE id = $1", nomination_id)
    return _nomination(row) if row else None


async def by_email(conn: asyncpg.Connection, activity_id: UUID, email: str) -> Nomination | None:
    row = await conn.fetchrow("SELECT * FROM nominations WHERE activity_id = $1 AND email = $2", activity_id, email)
    return _nomination(row) if row else None


async def lock_person(conn: asyncpg.Connection, email: str) -> None:
    """Serialise nominations of one person across activities until the transaction ends, so that two
    concurrent nominations into overlapping activities cannot both pass the conflict check."""
    await conn.execute("SELECT pg_advisory_xact_lock(hashtext('scheduling-person:' || $1))", email)


async def other_commitments(conn: asyncpg.Connection, email: str, activity_id: UUID) -> list[Interval]:
    """The person's confirmed or waitlisted places in other activities that take their time: not
    cancelled, and with real dates (a tentative activity's span is a placeholder)."""
    rows = await conn.fetch(
        "SELECT a.id, a.starts_at, a.ends_at, a.titles->>'en' AS title FROM nominations n"
        " JOIN activities a ON a.id = n.activity_id"
        " WHERE n.email = $1 AND n.activity_id <> $2 AND n.status = ANY($3::text[])"
        " AND a.status NOT IN ('cancelled', 'tentative')",
        email,
        activity_id,
        list(ACTIVE),
    )
    return [Interval(r["id"], r["starts_at"], r["ends_at"], r["title"] or "") for r in rows]


async def confirmed_elsewhere_overlapping(conn: asyncpg.Connection, activity_id: UUID) -> frozenset[UUID]:
    """Waitlisted nominations of this activity whose person is confirmed in an overlapping activity
    (neither tentative: a tentative span takes no one's time)."""
    rows = await conn.fetch(
        "SELECT w.id FROM nominations w JOIN activities a ON a.id = w.activity_id"
        " JOIN nominations c ON c.email = w.email AND c.activity_id <> w.activity_id AND c.status = 'confirmed'"
        " JOIN activities b ON b.id = c.activity_id AND b.status NOT IN ('cancelled', 'tentative')"
        " WHERE w.activity_id = $1 AND w.status = 'waitlisted' AND a.status <> 'tentative'"
        " AND b.starts_at < a.ends_at AND a.starts_at < b.ends_at",
        activity_id,
    )
    return frozenset(r["id"] for r in rows)


async def save(conn: asyncpg.Connection, n: Nomination) -> None:
    """Insert a new nomination, or re-activate the person's earlier one (same id, same ICS UID)."""
    await conn.execute(
        "INSERT INTO nominations (id, activity_id, city_id, city_name, city_country, person_id, name, email,"
        " language, timezone, rank, accessibility_needs, status, waiting_since, revision, nominated_by,"
        " attended, attendance_by, created_at, updated_at)"
        " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $19)"
        " ON CONFLICT (id) DO UPDATE SET city_id = EXCLUDED.city_id, city_name = EXCLUDED.city_name,"
        " city_country = EXCLUDED.city_country, name = EXCLUDED.name, language = EXCLUDED.language,"
        " timezone = EXCLUDED.timezone, rank = EXCLUDED.rank, accessibility_needs = EXCLUDED.accessibility_needs,"
        " status = EXCLUDED.status, waiting_since = EXCLUDED.waiting_since, nominated_by = EXCLUDED.nominated_by,"
        " attended = EXCLUDED.attended, attendance_by = EXCLUDED.attendance_by, revision = EXCLUDED.revision,"
        " updated_at = EXCLUDED.updated_at",
        n.id, n.activity_id, n.city_id, n.city_name, n.city_country, n.person_id, n.name, n.email, n.language,
        n.timezone, n.rank, n.accessibility_needs, n.status, n.waiting_since, n.revision, n.nominated_by,
        n.attended, n.attendance_by, n.updated_at,
    )  # fmt: skip


async def save_status(conn: asyncpg.Connection, n: Nomination) -> None:
    """Write only the status (and revision): an erasure may rewrite the person's data meanwhile,
    without the activity lock, and must not be undone."""
    await conn.execute(
        "UPDATE nominations SET status = $2, revision = $3, updated_at = $4 WHERE id = $1",
        n.id,
        n.status,
        n.revision,
        n.updated_at,
    )


async def save_attendance(conn: asyncpg.Connection, n: Nomination) -> None:
    """Write only the attendance (see save_status)."""
    await conn.execute(
        "UPDATE nominations SET attended = $2, attendance_by = $3, updated_at = $4 WHERE id = $1",
        n.id,
        n.attended,
        n.attendance_by,
        n.updated_at,
    )


PLACEHOLDERS = (
    "name = '(erased)', email = 'erased-' || id || '@erased.pactesur.efus.eu', rank = NULL,"
    " accessibility_needs = NULL, erased_at = $1, updated_at = $1"
)
"""The SET clause that replaces a nomination's person by placeholders at $1 (the id keeps emails unique)."""


async def erase_person(conn: asyncpg.Connection, person_id: UUID, email: str, now: datetime) -> list[Nomination]:
    """Replace the person's data by placeholders (counts in reports stay true) and cancel their places;
    returns their nominations as they are now."""
    rows = await conn.fetch(
        f"UPDATE nominations SET {PLACEHOLDERS},"
        " status = CASE WHEN status IN ('confirmed', 'waitlisted') THEN 'cancelled' ELSE status END"
        " WHERE person_id = $2 OR email = $3 RETURNING *",
        now,
        person_id,
        email,
    )
    return [_nomination(r) for r in rows]


async def erase_participants(conn: asyncpg.Connection, activity_id: UUID, now: datetime) -> int:
    """Replace the person of every nomination of an activity by placeholders, status and attendance
    kept (the activity is over: nothing to cancel); returns how many were erased."""
    result = await conn.execute(
        f"UPDATE nominations SET {PLACEHOLDERS} WHERE activity_id = $2 AND erased_at IS NULL", now, activity_id
    )
    return int(result.split()[-1])


async def report(conn: asyncpg.Connection) -> list[ReportLine]:
    """Per activity and city: nominated, confirmed, waitlisted, declined/cancelled, attended, absent."""
    rows = await conn.fetch(
        "SELECT a.id AS activity_id, a.titles->>'en' AS activity, a.starts_at, a.status AS activity_status,"
        " n.city_name AS city, n.city_country AS country, count(*) AS nominated,"
        " count(*) FILTER (WHERE n.status = 'confirmed') AS confirmed,"
        " count(*) FILTER (WHERE n.status = 'waitlisted') AS waitlisted,"
        " count(*) FILTER (WHERE n.status IN ('declined', 'cancelled')) AS withdrawn,"
        " count(*) FILTER (WHERE n.attended) AS attended,"
        " count(*) FILTER (WHERE n.attended = false) AS absent"
        " FROM nominations n JOIN activities a ON a.id = n.activity_id"
        " GROUP BY a.id, a.titles, a.starts_at, a.status, n.city_name, n.city_country"
        " ORDER BY a.starts_at, a.id, n.city_country, n.city_name"
    )
    return [ReportLine(**dict(r)) for r in rows]
