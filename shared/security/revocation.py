"""Which sign-in sessions have ended, for a service that does not own them (the pure rule).

Registration owns accounts and sessions and checks its own session record on every request. Scheduling
and notifications only see the signed cookie, so registration tells them when sessions end (the event
`SessionsEnded`: sign-out, deactivation, role change, a city contact replaced) and they keep what it
said (`shared.storage.ended_sessions`) for as long as a cookie can live (`sessions.LIFETIME`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from shared.security import sessions


@dataclass(frozen=True)
class Ended:
    """What is known to have ended of one person's sessions."""

    session_ids: frozenset[UUID] = frozenset()
    ended_before: datetime | None = None
    """Every session of the person that began before this moment is ended (the latest such moment)."""


def started_at(session: sessions.Session) -> datetime:
    """When a session began, as its cookie tells (its expiry, to the second, minus the lifetime)."""
    return session.expires_at - sessions.LIFETIME


def is_ended(session: sessions.Session, ended: Ended) -> bool:
    """Whether `session` was ended: by its id, or because it began before the person's `ended_before`.

    A cookie tells its start to the second only (rounded down), so registration sends `ended_before`
    rounded down to the second too and names the sessions it ended by id: a session opened in the same
    second, just before the end, is ended by its id; one opened just after is not refused."""
    if session.session_id in ended.session_ids:
        return True
    return ended.ended_before is not None and started_at(session) < ended.ended_before


def forget_before(now: datetime) -> datetime:
    """What ended before this moment need not be kept: every cookie of such a session has expired."""
    return now - sessions.LIFETIME
