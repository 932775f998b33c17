"""Nominations: nominate, cancel, decline, record attendance; promote the waitlist when places free.

Each change locks the activity row first, so that two place decisions on one activity never
interleave (capacity and quotas hold under concurrency).
"""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

import asyncpg

from services.scheduling.domain import messages
from services.scheduling.domain import nominations as rules
from services.scheduling.domain.activities import Activity, RuleBroken
from services.scheduling.domain.cities import Actor, SignedUpCity, acting_city
from services.scheduling.domain.links import Links
from services.scheduling.domain.nominations import (
    CityActivity,
    Commitment,
    Listed,
    Nominated,
    Nomination,
    Nominee,
    city_activity,
    commitment,
    for_the_city,
    promotions,
    waitlist_positions,
)
from services.scheduling.domain.reminders import reminders_of
from services.scheduling.storage import activities, cities, nominations, reminders
from shared.contracts import Contact
from shared.dependencies import Dependencies
from shared.refusals import NotFound


async def nominate(deps: Dependencies, activity_id: UUID, city_id: UUID, nominee: Nominee, by: Actor) -> Nominated:
    """Confirm or waitlist a person; refuses late, duplicate and conflicting nominations."""
    now = deps.now()
    async with deps.pool.acquire() as conn, conn.transaction():
        city = acting_city(by, city_id, await cities.member(conn, city_id))
        activity = await locked_activity(conn, activity_id)
        await nominations.lock_person(conn, nominee.address)
        decision = rules.nominate(
            activity,
            city,
            nominee,
            earlier=await nominations.by_email(conn, activity_id, nominee.address),
            nominations=await nominations.of_activity(conn, activity_id),
            commitments=await nominations.other_commitments(conn, nominee.address, activity_id),
            nomination_id=deps.new_id(),
            by=by.name,
            now=now,
        )
        await nominations.save(conn, decision.nomination)
        links = Links.of(deps.settings)
        await deps.publisher.publish(
            conn, messages.nominated(activity, decision, city.focal_point, links, now), key=activity.id, at=now
        )
        if decision.nomination.status == "confirmed":
            await reminders.plan(conn, reminders_of(activity, decision.nomination.id, now, deps.new_id), now)
        await deps.publisher.publish(
            conn, messages.placed(activity, decision, city.focal_point, links, now), key=activity.id, at=now
        )
    return decision


async def cancel(deps: Dependencies, nomination_id: UUID, by: Actor, reason: str | None) -> Nomination:
    """The city (or staff) withdraws a nomination; a freed place goes to the next eligible waitlisted person."""
    return await _withdraw(deps, nomination_id, by, reason)


async def decline(deps: Dependencies, nomination_id: UUID, person_id: UUID | None = None) -> Nomination:
    """The participant declines by the signed link of their invitation, or on their page (`person_id`:
    the page's person; another person's nomination is not found); the place goes on as for `cancel`."""
    if person_id is not None:
        activity, nomination = await invitation(deps, nomination_id)
        if nomination.person_id != person_id:
            raise NotFound(f"no nomination {nomination_id} of this person")
        if deps.now() >= activity.starts_at:
            raise RuleBroken("nomination_id", "The activity has started.")
    return await _withdraw(deps, nomination_id, None, None)


async def _withdraw(deps: Dependencies, nomination_id: UUID, by: Actor | None, reason: str | None) -> Nomination:
    now = deps.now()
    async with deps.pool.acquire() as conn, conn.transaction():
        activity, nomination = await _locked_nomination(conn, nomination_id, by)
        withdrawn = nomination.withdrawn(activity, now, declined=by is None)
        await nominations.save_status(conn, withdrawn)
        await reminders.cancel_pending(conn, nomination_id=nomination_id)
        payload = messages.withdrawn(
            activity,
            withdrawn,
            nomination.status == "confirmed",
            await _focal_point(conn, withdrawn.city_id),
            Links.of(deps.settings),
            now,
            cancelled_by=None if by is None else by.name,
            reason=reason,
        )
        await deps.publisher.publish(conn, payload, key=activity.id, at=now)
        if nomination.status == "confirmed":
            await promote(conn, deps, activity, withdrawn.freed_by, now)
    return withdrawn


async def record_attendance(deps: Dependencies, nomination_id: UUID, attended: bool, by: Actor) -> Nomination:
    """Whether a confirmed participant came, once the activity has started."""
    now = deps.now()
    async with deps.pool.acquire() as conn, conn.transaction():
        activity, nomination = await _locked_nomination(conn, nomination_id, by)
        recorded = nomination.attendance(activity, attended, by.name, now)
        await nominations.save_attendance(conn, recorded)
        focal_point = await _focal_point(conn, recorded.city_id)
        payload = messages.attendance_recorded(activity, recorded, focal_point, Links.of(deps.settings), now)
        await deps.publisher.publish(conn, payload, key=activity.id, at=now)
    return recorded


async def promote(
    conn: asyncpg.Connection, deps: Dependencies, activity: Activity, freed_by: str, now: datetime
) -> list[UUID]:
    """Offer every free place to the next eligible waitlisted person (see domain.places), in the
    caller's transaction; the activity row must be locked by the caller. Returns the promoted nominations."""
    offers = promotions(
        activity,
        await nominations.of_activity(conn, activity.id),
        freed_by,
        await nominations.confirmed_elsewhere_overlapping(conn, activity.id),
        now,
    )
    links = Links.of(deps.settings)
    for offer in offers:
        await nominations.save_status(conn, offer.nomination)
        await reminders.plan(conn, reminders_of(activity, offer.nomination.id, now, deps.new_id), now)
        focal_point = await _focal_point(conn, offer.nomination.city_id)
        await deps.publisher.publish(
            conn, messages.promoted(activity, offer, focal_point, links, now), key=activity.id, at=now
        )
    return [offer.nomination.id for offer in offers]


async def listing(deps: Dependencies, activity_id: UUID, by: Actor) -> list[tuple[Nomination, int | None]]:
    """Everyone nominated (a focal point sees its own city), each with their place on the waitlist."""
    async with deps.pool.acquire() as conn:
        if await activities.get(conn, activity_id) is None:
            raise NotFound(f"no activity {activity_id}")
        if by.city_id is not None:
            acting_city(by, by.city_id, await cities.member(conn, by.city_id))
        found = await nominations.of_activity(conn, activity_id)
    positions = waitlist_positions(found)
    return [(n, positions.get(n.id)) for n in found if by.city_id in (None, n.city_id)]


async def roster(deps: Dependencies, activity_id: UUID) -> list[Listed]:
    """Everyone nominated, for staff: each waitlisted person with their place in line and why they wait."""
    async with deps.pool.acquire() as conn:
        activity = await activities.get(conn, activity_id)
        if activity is None:
            raise NotFound(f"no activity {activity_id}")
        return rules.listed(activity, await nominations.of_activity(conn, activity_id))


async def city_programme(deps: Dependencies, by: Actor) -> tuple[SignedUpCity, list[CityActivity]]:
    """The programme as the city's focal point or deputy `by` sees it (domain.nominations.for_the_city),
    in date order; NotYourCity when `by` no longer acts for a signed-up city."""
    async with deps.pool.acquire() as conn:
        city = acting_city(by, by.city_id, await cities.member(conn, by.city_id))  # type: ignore[arg-type]
        found = []
        for activity in await activities.programme(conn):
            everyone = await nominations.of_activity(conn, activity.id)
            if for_the_city(activity, everyone, city.city_id, deps.now()):
                found.append(city_activity(activity, everyone, city.city_id))
    return city, found


async def city_file(deps: Dependencies, activity_id: UUID, by: Actor) -> tuple[SignedUpCity, CityActivity]:
    """One activity as the city's focal point or deputy `by` sees it; NotFound, NotYourCity."""
    async with deps.pool.acquire() as conn:
        city = acting_city(by, by.city_id, await cities.member(conn, by.city_id))  # type: ignore[arg-type]
        activity = await activities.get(conn, activity_id)
        if activity is None:
            raise NotFound(f"no activity {activity_id}")
        return city, city_activity(activity, await nominations.of_activity(conn, activity_id), city.city_id)


async def participant(deps: Dependencies, person_id: UUID) -> list[Commitment]:
    """Every activity the person was nominated for, as their page shows it, in date order."""
    async with deps.pool.acquire() as conn:
        found = []
        for activity_id in await nominations.activities_of_person(conn, person_id):
            activity = await activities.get(conn, activity_id)
            everyone = await nominations.of_activity(conn, activity_id)
            found.append(commitment(activity, everyone, person_id, await activities.sessions(conn, activity_id)))
    return sorted(found, key=lambda c: (c.activity.starts_at, c.activity.id))


async def invitation(deps: Dependencies, nomination_id: UUID) -> tuple[Activity, Nomination]:
    """A nomination with its activity, as the participant's signed links show them."""
    async with deps.pool.acquire() as conn:
        nomination = await _nomination(conn, nomination_id)
        return await activities.get(conn, nomination.activity_id), nomination


async def locked_activity(conn: asyncpg.Connection, activity_id: UUID) -> Activity:
    activity = await activities.get(conn, activity_id, lock=True)
    if activity is None:
        raise NotFound(f"no activity {activity_id}")
    return activity


async def _nomination(conn: asyncpg.Connection, nomination_id: UUID) -> Nomination:
    nomination = await nominations.get(conn, nomination_id)
    if nomination is None:
        raise NotFound(f"no nomination {nomination_id}")
    return nomination


async def _locked_nomination(
    conn: asyncpg.Connection, nomination_id: UUID, by: Actor | None
) -> tuple[Activity, Nomination]:
    """The nomination and its activity, locked, after checking that `by` acts for the nomination's city
    (None: the participant, whose signed link was checked)."""
    nomination = await _nomination(conn, nomination_id)
    if by is not None:
        acting_city(by, nomination.city_id, await cities.member(conn, nomination.city_id))
    activity = await locked_activity(conn, nomination.activity_id)
    return activity, await _nomination(conn, nomination_id)


async def _focal_point(conn: asyncpg.Connection, city_id: UUID) -> Contact:
    city = await cities.member(conn, city_id)
    return city.focal_point
