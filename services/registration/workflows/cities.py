"""City sign-ups and contacts: the focal point confirms, staff or the focal point edit contacts."""

from __future__ import annotations

from uuid import UUID

from services.registration.domain import messages
from services.registration.domain.cities import AlreadySignedUp, City, ContactsInput, confirm_signup, replace_contacts
from services.registration.emit import emit
from services.registration.links import Links
from services.registration.storage import audit, cities
from shared.logs import correlation_id
from shared.refusals import NotFound
from shared.runtime import Runtime

FOCAL_POINT = "focal point"


async def city_by_token(runtime: Runtime, token: str) -> City:
    """shared.security.signing.InvalidToken for a bad or expired sign-up link."""
    city_id = Links(runtime.settings).city_of(token, runtime.clock())
    async with runtime.pool.acquire() as conn:
        city = await cities.get_city(conn, city_id)
    if city is None:
        raise NotFound("city")
    return city


async def sign_up(runtime: Runtime, city_id: UUID) -> City:
    """Accept the terms; confirming twice is harmless (no second CitySignedUp)."""
    now = runtime.clock()
    async with runtime.pool.acquire() as conn, conn.transaction():
        city = await cities.get_city(conn, city_id, lock=True)
        if city is None:
            raise NotFound("city")
        try:
            city = confirm_signup(city, now)
        except AlreadySignedUp:
            return city
        await cities.save_city(conn, city)
        await emit(conn, messages.city_signed_up(city), key=str(city.id), now=now)
        await audit.record(
            conn, at=now, actor=FOCAL_POINT, action="city.signed_up", subject=str(city.id),
            details={"terms": city.terms_version}, correlation_id=correlation_id.get(),
        )  # fmt: skip
    return city


async def change_contacts(runtime: Runtime, city_id: UUID, wanted: ContactsInput, actor: str) -> City:
    now = runtime.clock()
    async with runtime.pool.acquire() as conn, conn.transaction():
        city = await cities.get_city(conn, city_id, lock=True)
        if city is None:
            raise NotFound("city")
        city, removed = replace_contacts(city, wanted, runtime.new_id)
        await cities.save_city(conn, city)
        await emit(conn, messages.contacts_changed(city, removed, actor, now), key=str(city.id), now=now)
        await audit.record(
            conn, at=now, actor=actor, action="city.contacts_changed", subject=str(city.id),
            details={"contacts": len(city.contacts), "removed": len(removed)}, correlation_id=correlation_id.get(),
        )  # fmt: skip
    return city
