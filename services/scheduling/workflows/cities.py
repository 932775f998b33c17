"""Scheduling's view of the programme's cities, fed by registration's events; who may act for one.

The handlers run in the transaction the idempotent consumer opened for the event (`conn`):

- ApplicationSubmitted: the public list of cities heard of (status 'applicant');
- CitySignedUp / ContactChanged: the cities that may nominate, with focal point and deputy;
- PersonErased: the person's data is replaced by placeholders everywhere here, their places freed.
"""

from __future__ import annotations

from uuid import UUID

import asyncpg

from services.scheduling.domain.cities import ListedCity, SignedUpCity, city_from_application, known_city_of
from services.scheduling.domain.cities import signed_up_city as signed_up
from services.scheduling.storage import cities, nominations, reminders
from services.scheduling.workflows.nominating import locked_activity, promote
from shared.contracts import ApplicationSubmitted, CitySignedUp, Contact, ContactChanged, PersonErased
from shared.contracts.events import Event
from shared.dependencies import Dependencies
from shared.paging import Paged, Window
from shared.refusals import NotFound


async def application_submitted(conn: asyncpg.Connection, event: Event[ApplicationSubmitted]) -> None:
    await cities.upsert_city(conn, city_from_application(event.payload, event.occurred_at))


async def city_changed(conn: asyncpg.Connection, event: Event[CitySignedUp | ContactChanged]) -> None:
    city = signed_up(event.payload, event.occurred_at)
    await cities.upsert_member(conn, city)
    await cities.upsert_city(conn, known_city_of(city))


async def person_erased(deps: Dependencies, conn: asyncpg.Connection, event: Event[PersonErased]) -> None:
    now = deps.now()
    email = str(event.payload.email).lower()
    await cities.erase_contact(conn, event.payload.person_id, email)
    erased = await nominations.erase_person(conn, event.payload.person_id, email, event.occurred_at)
    for nomination in erased:
        await reminders.cancel_pending(conn, nomination_id=nomination.id)
    for activity_id in {nomination.activity_id for nomination in erased}:
        await promote(conn, deps, await locked_activity(conn, activity_id), "nomination_cancelled", now)


async def listed(deps: Dependencies, country: str | None, window: Window) -> Paged[ListedCity]:
    """One window of the cities heard of and how many there are: one per applicant city, so it grows
    with every call's applications and is never answered whole (shared.paging)."""
    async with deps.pool.acquire() as conn, conn.transaction(isolation="repeatable_read", readonly=True):
        found = await cities.listed(conn, country, window.offset, window.limit)
        return Paged(tuple(found), window, await cities.count_listed(conn, country))


async def signed_up_cities(deps: Dependencies) -> list[SignedUpCity]:
    async with deps.pool.acquire() as conn:
        return await cities.members(conn)


async def access_holder(deps: Dependencies, city_id: UUID, *, deputy: bool) -> Contact:
    """Who of a signed-up city gets an access token: its focal point, or its deputy."""
    async with deps.pool.acquire() as conn:
        city = await cities.member(conn, city_id)
    if city is None:
        raise NotFound("This city has not signed up to the programme.")
    return city.contact(deputy=deputy)
