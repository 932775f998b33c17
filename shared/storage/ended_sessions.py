"""The ended sign-in sessions a service that does not own the sessions keeps (SQL only; the rule is
shared.security.revocation). The table `ended_sessions` is created by each such service's own
migration: one row per ended session id, or per `ended_before` moment of a person."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from uuid import UUID

import asyncpg

from shared.security.revocation import Ended


async def record(
    conn: asyncpg.Connection,
    person_id: UUID,
    session_ids: Iterable[UUID],
    ended_before: datetime | None,
    ended_at: datetime,
) -> None:
    rows = [(person_id, session_id, None, ended_at) for session_id in session_ids]
    if ended_before is not None:
        rows.append((person_id, None, ended_before, ended_at))
    await conn.executemany(
        "INSERT INTO ended_sessions (person_id, session_id, ended_before, ended_at) VALUES ($1, $2, $3, $4)", rows
    )


async def forget_before(conn: asyncpg.Connection, cutoff: datetime) -> int:
    """Drop what ended before `cutoff` (shared.security.revocation.forget_before): rows stay bounded."""
    status = await conn.execute("DELETE FROM ended_sessions WHERE ended_at < $1", cutoff)
    return int(status.split()[-1])


async def ended_of(conn: asyncpg.Connection, person_id: UUID) -> Ended:
    rows = await conn.fetch("SELECT session_id, ended_before FROM ended_sessions WHERE person_id = $1", person_id)
    moments = [r["ended_before"] for r in rows if r["ended_before"] is not None]
    ids = frozenset(r["session_id"] for r in rows if r["session_id"] is not None)
    return Ended(ids, max(moments, default=None))
