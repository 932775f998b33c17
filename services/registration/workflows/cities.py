"""City sign-ups and contacts: the focal point confirms, staff or the focal point edit contacts; a
focal point or deputy who is replaced loses their sessions for the city."""

from __future__ import annotations

from uuid import UUID

import asyncpg

from services.registration.domain import messages
from services.registration.domain.applications import NotEditable
from services.registration.domain.cities import (
    SIGNUP_REMINDER_LEAD,
    AlreadySignedUp,
    City,
    ContactsInput,
    NotOverdue,
    confirm_signup,
    ensure_place_may_be_given_on,
    followed_up,
    no_longer_signing_in,
    replace_contacts,
    signup_follow_up,
)
from services.registration.domain.links import Links
from services.registration.storage import audit, cities, staff
from services.registration.workflows import applicant
from shared.dependencies import Dependencies
from shared.logs import correlation_id
from shared.refusals import NotFound, Refused

FOCAL_POINT = "focal point"


async def list_cities(deps: Dependencies) -> list[City]:
    async with deps.pool.acquire() as conn:
        return await cities.list_cities(conn)


async def city(deps: Dependencies, city_id: UUID) -> City:
    async with deps.pool.acquire() as conn:
        found = await cities.get_city(conn, city_id)
    if found is None:
        raise NotFound("city")
    return found


async def city_by_token(deps: Dependencies, token: str) -> City:
    """shared.security.signing.InvalidToken for a bad or expired sign-up link."""
    city_id = Links.of(deps.settings).city_of(token, deps.now())
    async with deps.pool.acquire() as conn:
        city = await cities.get_city(conn, city_id)
    if city is None:
        raise NotFound("city")
    return city


async def sign_up(deps: Dependencies, city_id: UUID) -> City:
    """Accept the terms; confirming twice is harmless (no second CitySignedUp)."""
    now = deps.now()
    async with deps.pool.acquire() as conn, conn.transaction():
        city = await cities.get_city(conn, city_id, lock=True)
        if city is None:
            raise NotFound("city")
        try:
            city = confirm_signup(city, now)
        except AlreadySignedUp:
            return city
        await cities.save_city(conn, city)
        await deps.publisher.publish(conn, messages.city_signed_up(city), key=city.id, at=now)
        await audit.record(
            conn, at=now, actor=FOCAL_POINT, action="city.signed_up", subject=str(city.id),
            details={"terms": city.terms_version}, correlation_id=correlation_id.get(),
        )  # fmt: skip
    return city


async def decline_place(deps: Dependencies, city: City) -> bool:
    """A selected city that has not signed up gives its place back (its application is withdrawn and the
    pending city dropped); True when the next waitlisted city is offered the place. Refused
    ("signed_up", "not_declinable") when the city signed up already or its place can no longer be given back."""
    if city.status == "signed_up" or city.application_id is None:
        raise Refused("signed_up", "This city has signed up already.")
    try:
        promoted = await applicant.withdraw(deps, city.application_id, actor=FOCAL_POINT)
    except NotEditable as error:
        raise Refused("not_declinable", f"The place cannot be declined: {error}") from None
    except Refused as error:
        raise Refused("not_declinable", f"The place cannot be declined: {error}") from None
    return promoted is not None


async def follow_up_signups(deps: Dependencies) -> int:
    """Selected cities that have not signed up: a reminder to the focal point before the sign-up is due
    (CitySignUpReminder, with a fresh link valid until then), staff told once it is overdue
    (CitySignUpOverdue). Each step once per city; returns how many were taken."""
    now = deps.now()
    async with deps.pool.acquire() as conn, conn.transaction():
        due = await cities.signups_to_follow_up(conn, now, SIGNUP_REMINDER_LEAD)
        for city in due:
            step = signup_follow_up(city, now)
            if step is None:
                continue
            if step == "remind":
                url = Links.of(deps.settings).signup(city.id, city.signup_due_at)
                payload = messages.signup_reminder(city, url, now)
            else:
                payload = messages.signup_overdue(city, now)
            await cities.save_city(conn, followed_up(city, step, now))
            await deps.publisher.publish(conn, payload, key=city.id, at=now)
            await audit.record(
                conn, at=now, actor="system", action=f"city.signup_{step}", subject=str(city.id),
                details={"due": city.signup_due_at.isoformat()}, correlation_id=correlation_id.get(),
            )  # fmt: skip
    return len(due)


async def give_place_to_waitlist(deps: Dependencies, city_id: UUID, actor: str) -> bool:
    """An admin gives the place of a selected city whose sign-up is overdue to the waiting list: its
    application is withdrawn and the next waitlisted city is offered the place (True when one was).
    Refused ("not_overdue") before the due date or for a city that signed up."""
    found = await city(deps, city_id)
    try:
        ensure_place_may_be_given_on(found, deps.now())
    except NotOverdue as error:
        raise Refused("not_overdue", f"The place cannot be given on: {error}.") from None
    try:
        promoted = await applicant.withdraw(deps, found.application_id, actor=actor)
    except NotEditable as error:
        raise Refused("not_overdue", f"The place cannot be given on: {error}.") from None
    return promoted is not None


async def change_contacts(deps: Dependencies, city_id: UUID, wanted: ContactsInput, actor: str) -> City:
    now = deps.now()
    async with deps.pool.acquire() as conn, conn.transaction():
        city = await cities.get_city(conn, city_id, lock=True)
        if city is None:
            raise NotFound("city")
        before = city
        city, removed = replace_contacts(city, wanted, deps.new_id)
        await cities.save_city(conn, city)
        await deps.publisher.publish(conn, messages.contacts_changed(city, removed, actor, now), key=city.id, at=now)
        for replaced in no_longer_signing_in(before, city):
            await _end_city_sessions(conn, deps, city, replaced.person_id)
        await audit.record(
            conn, at=now, actor=actor, action="city.contacts_changed", subject=str(city.id),
            details={"contacts": len(city.contacts), "removed": len(removed)}, correlation_id=correlation_id.get(),
        )  # fmt: skip
    return city


async def _end_city_sessions(conn: asyncpg.Connection, deps: Dependencies, city: City, person_id: UUID) -> None:
    """A replaced focal point's or deputy's sessions for the city end here and in the other services
    (SessionsEnded), which only verify the cookie's signature."""
    now = deps.now()
    ended = await staff.end_sessions_of(conn, person_id, now, city_id=city.id)
    if ended:
        event = messages.sessions_ended(person_id, ended, now, "contact_replaced", all_before_now=False)
        await deps.publisher.publish(conn, event, key=person_id, at=now)
