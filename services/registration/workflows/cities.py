"""City sign-ups and contacts: the focal point confirms, staff or the focal point edit contacts."""

from __future__ import annotations

from uuid import UUID

from services.registration.domain import messages
from services.registration.domain.cities import AlreadySignedUp, City, ContactsInput, confirm_signup, replace_contacts
from services.registration.domain.links import Links
from services.registration.storage import audit, cities
from shared.dependencies import Dependencies
from shared.logs import correlation_id
from shared.refusals import NotFound

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


async def change_contacts(deps: Dependencies, city_id: UUID, wanted: ContactsInput, actor: str) -> City:
    now = deps.now()
    async with deps.pool.acquire() as conn, conn.transaction():
        city = await cities.get_city(conn, city_id, lock=True)
        if city is None:
            raise NotFound("city")
        city, removed = replace_contacts(city, wanted, deps.new_id)
        await cities.save_city(conn, city)
        await deps.publisher.publish(conn, messages.contacts_changed(city, removed, actor, now), key=city.id, at=now)
        await audit.record(
            conn, at=now, actor=actor, action="city.contacts_changed", subject=str(city.id),
            details={"contacts": len(city.contacts), "removed": len(removed)}, correlation_id=correlation_id.get(),
        )  # fmt: skip
    return city
