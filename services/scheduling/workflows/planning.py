"""The programme: staff schedule, change and cancel activities and edit their timetable; every change
is published with the invitations of everyone concerned.

A change of dates re-plans the pending reminders of every confirmed participant and re-issues the
invitations with a higher SEQUENCE (the activity's revision grows). Raised capacity or quota, or
new dates, may free places: the waitlist is then promoted (domain.places).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any
from uuid import UUID

import asyncpg

from services.scheduling.domain import messages
from services.scheduling.domain.activities import (
    Activity,
    Session,
    Timetable,
    new_activity,
    new_session,
    places_freed_by,
    refuse_room_clash,
    reminders_move,
)
from services.scheduling.domain.links import Links
from services.scheduling.domain.reminders import reminders_of
from services.scheduling.storage import activities, nominations, reminders
from services.scheduling.workflows.nominating import locked_activity, promote
from shared.dependencies import Dependencies
from shared.refusals import NotFound


async def programme(deps: Dependencies) -> list[Activity]:
    """Every activity, in date order."""
    async with deps.pool.acquire() as conn:
        return await activities.programme(conn)


async def timetable(deps: Dependencies, activity_id: UUID) -> Timetable:
    async with deps.pool.acquire() as conn:
        activity = await activities.get(conn, activity_id)
        if activity is None:
            raise NotFound(f"no activity {activity_id}")
        return await _timetable(conn, activity)


async def schedule(deps: Dependencies, values: Mapping[str, Any], by: str) -> Timetable:
    """A new activity from every field's value (naive times are the venue's)."""
    now = deps.now()
    activity = new_activity(deps.new_id(), values, now)
    async with deps.pool.acquire() as conn, conn.transaction():
        await add_to_programme(conn, deps, activity, by, now)
    return Timetable(activity, ())


async def add_to_programme(
    conn: asyncpg.Connection, deps: Dependencies, activity: Activity, by: str, now: datetime
) -> bool:
    """Insert and publish a new activity in the caller's transaction; False when its seed key exists already."""
    if not await activities.insert(conn, activity):
        return False
    payload = messages.scheduled(activity, Links.of(deps.settings), by, now)
    await deps.publisher.publish(conn, payload, key=activity.id, at=now)
    return True


async def change(deps: Dependencies, activity_id: UUID, wanted: Mapping[str, Any], by: str) -> Timetable:
    """Reschedule or edit an activity; promotes the waitlist when places free."""
    now = deps.now()
    async with deps.pool.acquire() as conn, conn.transaction():
        before = await locked_activity(conn, activity_id)
        after = before.changed(wanted, now)
        if after is before:
            return await _timetable(conn, before)
        current = await nominations.of_activity(conn, activity_id)
        confirmed = [n for n in current if n.status == "confirmed"]
        after.admits([n.seat for n in confirmed])
        sessions = await activities.sessions(conn, activity_id)
        after.holds(sessions)
        await activities.save(conn, after)
        if reminders_move(before, after):
            await reminders.cancel_pending(conn, activity_id=activity_id)
            for nomination in confirmed:
                await reminders.plan(conn, reminders_of(after, nomination.id, now, deps.new_id), now)
        payload = messages.rescheduled(before, after, current, Links.of(deps.settings), by, now)
        await deps.publisher.publish(conn, payload, key=activity_id, at=now)
        freed_by = places_freed_by(before, after)
        if freed_by:
            await promote(conn, deps, after, freed_by, now)
    return Timetable(after, sessions)


async def cancel(deps: Dependencies, activity_id: UUID, reason: str, by: str) -> Timetable:
    """Cancel an activity: reminders cancelled, every invitation re-issued as METHOD:CANCEL."""
    now = deps.now()
    async with deps.pool.acquire() as conn, conn.transaction():
        cancelled = (await locked_activity(conn, activity_id)).cancelled(now)
        await activities.save(conn, cancelled)
        await reminders.cancel_pending(conn, activity_id=activity_id)
        current = await nominations.of_activity(conn, activity_id)
        payload = messages.cancelled(cancelled, current, reason, Links.of(deps.settings), by, now)
        await deps.publisher.publish(conn, payload, key=activity_id, at=now)
        return await _timetable(conn, cancelled)


async def add_session(deps: Dependencies, activity_id: UUID, values: Mapping[str, Any], by: str) -> Timetable:
    """A new slot of the timetable (naive times are the venue's); refuses room clashes."""
    now = deps.now()
    async with deps.pool.acquire() as conn, conn.transaction():
        activity = await locked_activity(conn, activity_id)
        return await add_session_to(conn, deps, activity, values, by, now)


async def add_session_to(
    conn: asyncpg.Connection, deps: Dependencies, activity: Activity, values: Mapping[str, Any], by: str, now: datetime
) -> Timetable:
    """`add_session` in the caller's transaction, `activity` locked or new in it (the seed's)."""
    session = new_session(activity, deps.new_id(), values)
    await _save_session(conn, activity, session)
    return await _session_changed(conn, deps, activity, session, "added", by, now)


async def change_session(
    deps: Dependencies, activity_id: UUID, session_id: UUID, values: Mapping[str, Any], by: str
) -> Timetable:
    now = deps.now()
    async with deps.pool.acquire() as conn, conn.transaction():
        await _session(conn, activity_id, session_id)
        activity = await locked_activity(conn, activity_id)
        session = new_session(activity, session_id, values)
        await _save_session(conn, activity, session)
        return await _session_changed(conn, deps, activity, session, "changed", by, now)


async def remove_session(deps: Dependencies, activity_id: UUID, session_id: UUID, by: str) -> Timetable:
    now = deps.now()
    async with deps.pool.acquire() as conn, conn.transaction():
        activity = await locked_activity(conn, activity_id)
        session = await _session(conn, activity_id, session_id)
        await activities.delete_session(conn, session_id)
        return await _session_changed(conn, deps, activity, session, "removed", by, now)


async def _save_session(conn: asyncpg.Connection, activity: Activity, session: Session) -> None:
    refuse_room_clash(session, await activities.sessions(conn, activity.id))
    await activities.save_session(conn, session)


async def _session_changed(
    conn: asyncpg.Connection,
    deps: Dependencies,
    activity: Activity,
    session: Session,
    change: str,
    by: str,
    now: datetime,
) -> Timetable:
    """The timetable changed: the activity's revision grows and everyone's invitation is re-issued."""
    touched = activity.touched(now)
    await activities.save(conn, touched)
    current = await nominations.of_activity(conn, activity.id)
    payload = messages.session_changed(touched, session, change, current, Links.of(deps.settings), by, now)
    await deps.publisher.publish(conn, payload, key=activity.id, at=now)
    return await _timetable(conn, touched)


async def _session(conn: asyncpg.Connection, activity_id: UUID, session_id: UUID) -> Session:
    session = await activities.session(conn, activity_id, session_id)
    if session is None:
        raise NotFound(f"no session {session_id}")
    return session


async def _timetable(conn: asyncpg.Connection, activity: Activity) -> Timetable:
    return Timetable(activity, await activities.sessions(conn, activity.id))
