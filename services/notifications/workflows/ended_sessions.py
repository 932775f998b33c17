"""Sign-in sessions registration ended: kept from its SessionsEnded events, and refused on every staff
page and API call here (the rule: shared.security.revocation; the SQL: shared.storage.ended_sessions)."""

from __future__ import annotations

import asyncpg

from shared.contracts import SessionsEnded
from shared.contracts.events import Event
from shared.dependencies import Dependencies
from shared.security import revocation, sessions
from shared.storage import ended_sessions


async def sessions_ended(deps: Dependencies, conn: asyncpg.Connection, event: Event[SessionsEnded]) -> None:
    """Keep what ended (in the consumer's transaction) and forget what no cookie can still name."""
    ended = event.payload
    await ended_sessions.record(conn, ended.person_id, ended.session_ids, ended.ended_before, ended.ended_at)
    await ended_sessions.forget_before(conn, revocation.forget_before(deps.now()))


async def is_ended(deps: Dependencies, session: sessions.Session) -> bool:
    async with deps.pool.acquire() as conn:
        ended = await ended_sessions.ended_of(conn, session.person_id)
    return revocation.is_ended(session, ended)
