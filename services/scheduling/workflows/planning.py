"""Activities and sessions inside one transaction: schedule, change, cancel; every change emits.

A change of dates re-plans the pending reminders of every confirmed participant and re-issues the
invitations with a higher SEQUENCE (the activity's revision grows). Raised capacity or quota, or
new dates, may free places: the waitlist is then promoted (domain.places).
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

import asyncpg

from services.scheduling.domain.activities import (
    RuleBroken,
    as_utc,
    check_activity,
    check_limits,
    check_session,
    local_day,
    plan_reminders,
)
from services.scheduling.domain.conflicts import Interval, first_overlap
from services.scheduling.storage import activities as activity_rows
from services.scheduling.storage import nominations as nomination_rows
from services.scheduling.storage import reminders as reminder_rows
from services.scheduling.workflows.nominating import NotFound, locked_activity, promote
from services.scheduling.workflows.publishing import Context, active_invitations, emit
from shared.contracts import (
    ActivityCancelled,
    ActivityRescheduled,
    ActivityScheduled,
    Session,
    SessionChanged,
)

MOVES = ("starts_at", "ends_at", "timezone", "venue_name", "venue_address", "host_city", "country")


def _checked(values: dict[str, Any]) -> dict[str, Any]:
    check_activity(
        values["starts_at"], values["ends_at"], values["nomination_deadline"], values["city_quota"], values["capacity"]
    )
    return values


async def schedule(
    conn: asyncpg.Connection, context: Context, values: dict[str, Any], *, seed_key: str | None = None
) -> UUID | None:
    """A new activity (values already in UTC); None when the seed key exists already."""
    activity_id = context.new_id()
    if not await activity_rows.insert_activity(conn, activity_id, _checked(values), context.now, seed_key):
        return None
    row = await activity_rows.activity(conn, activity_id)
    payload = ActivityScheduled(activity=context.activity(row), changed_by=context.actor, occurred_at=context.now)
    await emit(conn, context, payload, key=activity_id)
    return activity_id


async def change(conn: asyncpg.Connection, context: Context, activity_id: UUID, changes: dict[str, Any]) -> dict:
    """Reschedule or edit an activity; promotes the waitlist when places free."""
    before = await locked_activity(conn, activity_id)
    if before["status"] in ("cancelled", "done"):
        raise RuleBroken("status", f"This activity is {before['status']}; it cannot change any more.")
    changed = {k: v for k, v in changes.items() if before[k] != v}
    if not changed:
        return before
    merged = _checked(before | changed)
    confirmed = [r for r in await nomination_rows.nominations(conn, activity_id) if r["status"] == "confirmed"]
    per_city: dict[UUID, int] = {}
    for r in confirmed:
        per_city[r["city_id"]] = per_city.get(r["city_id"], 0) + 1
    check_limits(merged["capacity"], merged["city_quota"], len(confirmed), max(per_city.values(), default=0))
    await _sessions_still_inside(conn, activity_id, merged)
    await activity_rows.update_activity(conn, activity_id, changed, context.now)
    after = await activity_rows.activity(conn, activity_id, lock=True)
    if {"starts_at", "reminder_days"} & changed.keys():
        await _replan_reminders(conn, context, after, confirmed)
    activity = context.activity(after)
    await emit(
        conn,
        context,
        ActivityRescheduled(
            activity=activity,
            changed_by=context.actor,
            occurred_at=context.now,
            invitations=await active_invitations(conn, context, activity),
            changed_fields=tuple(sorted(changed)),
            previous_starts_at=before["starts_at"],
            previous_ends_at=before["ends_at"],
            previous_venue=context.activity(before).venue,
        ),
        key=activity_id,
    )
    freed_by = _freed_by(before, changed)
    if freed_by:
        await promote(conn, context, after, freed_by)
    return after


def _freed_by(before: dict[str, Any], changed: dict[str, Any]) -> str | None:
    if "capacity" in changed and changed["capacity"] > before["capacity"]:
        return "capacity_raised"
    if "city_quota" in changed and changed["city_quota"] > before["city_quota"]:
        return "quota_raised"
    if {"starts_at", "ends_at"} & changed.keys():
        return "activity_moved"
    return None


async def _replan_reminders(conn, context: Context, row: dict[str, Any], confirmed: list[dict[str, Any]]) -> None:
    await reminder_rows.cancel_pending(conn, activity_id=row["id"])
    planned = plan_reminders(row["starts_at"], row["reminder_days"], context.now)
    for nomination in confirmed:
        await reminder_rows.plan(conn, nomination["id"], planned, [context.new_id() for _ in planned], context.now)


async def _sessions_still_inside(conn: asyncpg.Connection, activity_id: UUID, merged: dict[str, Any]) -> None:
    for existing in await activity_rows.sessions(conn, activity_id):
        if existing["starts_at"] < merged["starts_at"] or existing["ends_at"] > merged["ends_at"]:
            raise RuleBroken(
                "starts_at", "Sessions of the timetable would fall outside the new dates: move them first."
            )


async def cancel(conn: asyncpg.Connection, context: Context, activity_id: UUID, reason: str) -> dict[str, Any]:
    """Cancel an activity: reminders cancelled, every invitation re-issued as METHOD:CANCEL."""
    before = await locked_activity(conn, activity_id)
    if before["status"] in ("cancelled", "done"):
        raise RuleBroken("status", f"This activity is already {before['status']}.")
    await activity_rows.update_activity(conn, activity_id, {"status": "cancelled"}, context.now)
    await reminder_rows.cancel_pending(conn, activity_id=activity_id)
    after = await activity_rows.activity(conn, activity_id)
    activity = context.activity(after)
    invitations = await active_invitations(conn, context, activity)
    await emit(
        conn,
        context,
        ActivityCancelled(
            activity=activity, changed_by=context.actor, occurred_at=context.now, invitations=invitations, reason=reason
        ),
        key=activity_id,
    )
    return after


async def save_session(
    conn: asyncpg.Connection, context: Context, activity_id: UUID, session: dict[str, Any], *, is_new: bool
) -> dict[str, Any]:
    """Add or change a timetable slot (naive times are the venue's); refuses room clashes."""
    row = await locked_activity(conn, activity_id)
    session = session | {
        "starts_at": as_utc(session["starts_at"], row["timezone"]),
        "ends_at": as_utc(session["ends_at"], row["timezone"]),
    }
    check_session(session["starts_at"], session["ends_at"], row["starts_at"], row["ends_at"])
    room = session["room"].strip().casefold()
    same_room = [
        Interval(s["id"], s["starts_at"], s["ends_at"], s["titles"].get("en", ""))
        for s in await activity_rows.sessions(conn, activity_id)
        if s["room"].strip().casefold() == room
    ]
    clash = first_overlap(Interval(session["id"], session["starts_at"], session["ends_at"]), same_room)
    if clash is not None:
        raise RuleBroken("room", f"Room {session['room']!r} is taken by '{clash.label}' at that time.")
    await activity_rows.save_session(conn, activity_id, session)
    await _emit_session(conn, context, activity_id, session, "added" if is_new else "changed")
    return session


async def remove_session(conn: asyncpg.Connection, context: Context, activity_id: UUID, session_id: UUID) -> None:
    await locked_activity(conn, activity_id)
    session = await activity_rows.session(conn, activity_id, session_id)
    if session is None:
        raise NotFound(f"no session {session_id}")
    await activity_rows.delete_session(conn, session_id)
    await _emit_session(conn, context, activity_id, session, "removed")


async def _emit_session(conn, context: Context, activity_id: UUID, session: dict[str, Any], change: str) -> None:
    await activity_rows.touch_activity(conn, activity_id, context.now)
    row = await activity_rows.activity(conn, activity_id)
    activity = context.activity(row)
    await emit(
        conn,
        context,
        SessionChanged(
            activity=activity,
            changed_by=context.actor,
            occurred_at=context.now,
            invitations=await active_invitations(conn, context, activity),
            change=change,
            session=Session(
                session_id=session["id"],
                day=local_day(session["starts_at"], row["timezone"]),
                starts_at=session["starts_at"],
                ends_at=session["ends_at"],
                room=session["room"],
                titles=session["titles"],
                speaker=session["speaker"],
            ),
        ),
        key=activity_id,
    )
