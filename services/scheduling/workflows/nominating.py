"""Nominations inside one transaction: nominate, withdraw (cancel or decline), promote, attendance.

Every function runs in the caller's transaction and locks the activity row first, so that two
place decisions on one activity never interleave (capacity and quotas hold under concurrency).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from uuid import UUID

import asyncpg

from services.scheduling.domain import places
from services.scheduling.domain.activities import RuleBroken, plan_reminders
from services.scheduling.domain.cities import SignedUpCity
from services.scheduling.domain.conflicts import Interval, first_overlap
from services.scheduling.storage import activities as activity_rows
from services.scheduling.storage import cities as city_rows
from services.scheduling.storage import nominations as nomination_rows
from services.scheduling.storage import reminders as reminder_rows
from services.scheduling.workflows.publishing import Context, emit
from shared.contracts import (
    Activity,
    AttendanceRecorded,
    Contact,
    NominationCancelled,
    NominationConfirmed,
    NominationDeclined,
    NominationPromoted,
    NominationWaitlisted,
    ParticipantNominated,
    person_id_for_email,
)


class NotFound(LookupError):
    pass


@dataclass(frozen=True)
class Nominee:
    name: str
    email: str
    language: str
    timezone: str
    rank: str | None = None
    accessibility_needs: str | None = None


async def locked_activity(conn: asyncpg.Connection, activity_id: UUID) -> dict[str, Any]:
    row = await activity_rows.activity(conn, activity_id, lock=True)
    if row is None:
        raise NotFound(f"no activity {activity_id}")
    return row


def _seats(rows: list[dict[str, Any]]) -> list[places.Seat]:
    return [places.Seat(r["id"], r["city_id"], r["status"], r["waiting_since"]) for r in rows]


def _limits(row: dict[str, Any]) -> places.Limits:
    return places.Limits(row["capacity"], row["city_quota"])


async def nominate(
    conn: asyncpg.Connection, context: Context, activity_id: UUID, city: SignedUpCity, nominee: Nominee
) -> dict[str, Any]:
    """Confirm or waitlist a person; refuses late, duplicate and conflicting nominations."""
    row = await locked_activity(conn, activity_id)
    if row["status"] in ("cancelled", "done"):
        raise RuleBroken("activity_id", f"This activity is {row['status']}: nominations are closed.")
    if context.now >= row["nomination_deadline"]:
        raise RuleBroken(
            "activity_id", f"The nomination deadline passed ({row['nomination_deadline']:%Y-%m-%d %H:%M} UTC)."
        )
    email = nominee.email.strip().lower()
    await nomination_rows.lock_person(conn, email)
    earlier = await nomination_rows.by_email(conn, activity_id, email)
    if earlier and earlier["status"] in nomination_rows.ACTIVE:
        raise RuleBroken("email", f"{email} is already nominated for this activity ({earlier['status']}).")
    await _refuse_overlap(conn, row, email)
    rows = [r for r in await nomination_rows.nominations(conn, activity_id) if r["status"] in nomination_rows.ACTIVE]
    explanation = places.decide(_limits(row), _seats(rows), city.city_id)
    status = "confirmed" if explanation.reason == "place_available" else "waitlisted"
    nomination = {
        "id": earlier["id"] if earlier else context.new_id(),
        "activity_id": activity_id,
        "city_id": city.city_id,
        "city_name": city.name,
        "city_country": city.country,
        "person_id": person_id_for_email(email),
        "name": nominee.name,
        "email": email,
        "language": nominee.language,
        "timezone": nominee.timezone,
        "rank": nominee.rank,
        "accessibility_needs": nominee.accessibility_needs,
        "status": status,
        "waiting_since": context.now,
        "nominated_by": context.actor,
        "updated_at": context.now,
    }
    await nomination_rows.save(conn, nomination)
    saved = await nomination_rows.nomination(conn, nomination["id"])
    activity = context.activity(row)
    common = dict(activity=activity, invitation=context.invitation(activity, saved), focal_point=city.focal_point)
    await emit(
        conn,
        context,
        ParticipantNominated(**common, occurred_at=context.now, nominated_by=context.actor),
        key=activity_id,
    )
    if status == "confirmed":
        await _plan_reminders(conn, context, row, saved["id"])
        await emit(
            conn,
            context,
            NominationConfirmed(**common, occurred_at=context.now, explanation=explanation),
            key=activity_id,
        )
    else:
        await emit(
            conn,
            context,
            NominationWaitlisted(**common, occurred_at=context.now, explanation=explanation),
            key=activity_id,
        )
    return saved | {"explanation": explanation}


async def _refuse_overlap(conn: asyncpg.Connection, row: dict[str, Any], email: str) -> None:
    here = Interval(row["id"], row["starts_at"], row["ends_at"])
    others = [
        Interval(o["id"], o["starts_at"], o["ends_at"], o["title"] or "")
        for o in await nomination_rows.other_commitments(conn, email, row["id"])
    ]
    clash = first_overlap(here, others)
    if clash is not None:
        raise RuleBroken(
            "email",
            f"{email} is already nominated for '{clash.label}' ({clash.starts_at:%Y-%m-%d %H:%M}–"
            f"{clash.ends_at:%Y-%m-%d %H:%M} UTC), which overlaps this activity.",
        )


async def _plan_reminders(conn: asyncpg.Connection, context: Context, row: dict[str, Any], nomination_id: UUID):
    planned = plan_reminders(row["starts_at"], row["reminder_days"], context.now)
    await reminder_rows.plan(conn, nomination_id, planned, [context.new_id() for _ in planned], context.now)


async def withdraw(
    conn: asyncpg.Connection, context: Context, nomination_id: UUID, *, declined: bool, reason: str | None = None
) -> dict[str, Any]:
    """A cancellation (focal point, staff) or a decline (participant's link); frees the place."""
    current = await nomination_rows.nomination(conn, nomination_id)
    if current is None:
        raise NotFound(f"no nomination {nomination_id}")
    row = await locked_activity(conn, current["activity_id"])
    current = await nomination_rows.nomination(conn, nomination_id)
    if current["status"] not in nomination_rows.ACTIVE:
        raise RuleBroken("nomination_id", f"This nomination is already {current['status']}.")
    if row["status"] in ("cancelled", "done"):
        raise RuleBroken("nomination_id", f"The activity is {row['status']}.")
    was_confirmed = current["status"] == "confirmed"
    saved = await nomination_rows.set_status(conn, nomination_id, "declined" if declined else "cancelled", context.now)
    await reminder_rows.cancel_pending(conn, nomination_id=nomination_id)
    activity = context.activity(row)
    focal_point = await _focal_point(conn, saved["city_id"])
    common = dict(activity=activity, invitation=context.invitation(activity, saved), focal_point=focal_point)
    if declined:
        payload = NominationDeclined(**common, occurred_at=context.now, was_confirmed=was_confirmed)
    else:
        payload = NominationCancelled(
            **common, occurred_at=context.now, cancelled_by=context.actor, reason=reason, was_confirmed=was_confirmed
        )
    await emit(conn, context, payload, key=row["id"])
    if was_confirmed:
        await promote(conn, context, row, "nomination_declined" if declined else "nomination_cancelled")
    return saved


async def promote(conn: asyncpg.Connection, context: Context, row: dict[str, Any], freed_by: str) -> list[UUID]:
    """Offer every free place to the next eligible waitlisted person (see domain.places); the
    activity row must be locked by the caller. Returns the promoted nominations."""
    if row["status"] in ("cancelled", "done"):
        return []
    rows = await nomination_rows.nominations(conn, row["id"])
    active = [r for r in rows if r["status"] in nomination_rows.ACTIVE]
    ineligible = await nomination_rows.confirmed_elsewhere_overlapping(conn, row["id"])
    offers = places.promotions(_limits(row), _seats(active), freed_by, ineligible=ineligible)
    activity = context.activity(row)
    for offer in offers:
        saved = await nomination_rows.set_status(conn, offer.nomination_id, "confirmed", context.now)
        await _plan_reminders(conn, context, row, saved["id"])
        focal_point = await _focal_point(conn, saved["city_id"])
        await emit(
            conn,
            context,
            NominationPromoted(
                activity=activity,
                invitation=context.invitation(activity, saved),
                focal_point=focal_point,
                occurred_at=context.now,
                explanation=offer.explanation,
            ),
            key=row["id"],
        )
    return [o.nomination_id for o in offers]


async def _focal_point(conn: asyncpg.Connection, city_id: UUID) -> Contact:
    city = await city_rows.member(conn, city_id)
    return city.focal_point


async def record_attendance(
    conn: asyncpg.Connection, context: Context, nomination_id: UUID, attended: bool
) -> dict[str, Any]:
    current = await nomination_rows.nomination(conn, nomination_id)
    if current is None:
        raise NotFound(f"no nomination {nomination_id}")
    row = await locked_activity(conn, current["activity_id"])
    if context.now < row["starts_at"]:
        raise RuleBroken("attended", "Attendance can be recorded once the activity has started.")
    if current["status"] != "confirmed":
        raise RuleBroken("nomination_id", f"Only confirmed participants attend; this one is {current['status']}.")
    saved = await nomination_rows.set_attendance(conn, nomination_id, attended, context.actor, context.now)
    activity: Activity = context.activity(row)
    await emit(
        conn,
        context,
        AttendanceRecorded(
            activity=activity,
            invitation=context.invitation(activity, saved),
            focal_point=await _focal_point(conn, saved["city_id"]),
            occurred_at=context.now,
            attended=attended,
            recorded_by=context.actor,
        ),
        key=row["id"],
    )
    return saved
