"""SQL of the city projections: every city heard of (`cities`) and the signed-up ones (`city_members`);
rows in, domain.cities objects out."""

from __future__ import annotations

import json
from uuid import UUID

import asyncpg

from services.scheduling.domain.cities import KnownCity, ListedCity, SignedUpCity
from shared.contracts import Contact


async def upsert_city(conn: asyncpg.Connection, city: KnownCity) -> None:
    """A city heard of; a signed-up city's role replaces the 'applicant' status, never the reverse."""
    await conn.execute(
        "INSERT INTO cities (city_key, city, country, status, application_id, contact_email, language,"
        " first_seen_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8)"
        " ON CONFLICT (city_key) DO UPDATE SET"
        " application_id = COALESCE(EXCLUDED.application_id, cities.application_id),"
        " contact_email = COALESCE(EXCLUDED.contact_email, cities.contact_email),"
        " language = EXCLUDED.language, updated_at = EXCLUDED.updated_at,"
        " status = CASE WHEN EXCLUDED.status = 'applicant' THEN cities.status ELSE EXCLUDED.status END",
        city.city_key,
        city.city,
        city.country,
        city.status,
        city.application_id,
        city.contact_email,
        city.language,
        city.seen_at,
    )


async def listed(conn: asyncpg.Connection, country: str | None, offset: int, limit: int) -> list[ListedCity]:
    """One window of the cities heard of (of one country, or all), by country then name (the index's order)."""
    rows = await conn.fetch(
        "SELECT city, country, status, first_seen_at FROM cities WHERE $1::text IS NULL OR country = $1"
        " ORDER BY country, city, city_key OFFSET $2 LIMIT $3",
        country,
        offset,
        limit,
    )
    return [ListedCity(**dict(r)) for r in rows]


async def count_listed(conn: asyncpg.Connection, country: str | None) -> int:
    return await conn.fetchval("SELECT count(*) FROM cities WHERE $1::text IS NULL OR country = $1", country)


async def upsert_member(conn: asyncpg.Connection, city: SignedUpCity) -> None:
    await conn.execute(
        "INSERT INTO city_members (city_id, name, country, role, languages, timezone, focal_point, deputy,"
        " updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb, $8::jsonb, $9)"
        " ON CONFLICT (city_id) DO UPDATE SET name = EXCLUDED.name, country = EXCLUDED.country,"
        " role = EXCLUDED.role, languages = EXCLUDED.languages, timezone = EXCLUDED.timezone,"
        " focal_point = EXCLUDED.focal_point, deputy = EXCLUDED.deputy, updated_at = EXCLUDED.updated_at"
        " WHERE city_members.updated_at <= EXCLUDED.updated_at",
        city.city_id,
        city.name,
        city.country,
        city.role,
        list(city.languages),
        city.timezone,
        city.focal_point.model_dump_json(),
        city.deputy.model_dump_json() if city.deputy else None,
        city.updated_at,
    )


async def member(conn: asyncpg.Connection, city_id: UUID) -> SignedUpCity | None:
    row = await conn.fetchrow("SELECT * FROM city_members WHERE city_id = $1", city_id)
    return _member(row) if row else None


async def members(conn: asyncpg.Connection) -> list[SignedUpCity]:
    return [_member(r) for r in await conn.fetch("SELECT * FROM city_members ORDER BY country, name")]


def _member(row: asyncpg.Record) -> SignedUpCity:
    return SignedUpCity(
        city_id=row["city_id"],
        name=row["name"],
        country=row["country"],
        role=row["role"],
        languages=tuple(row["languages"]),
        timezone=row["timezone"],
        focal_point=Contact.model_validate_json(row["focal_point"]),
        deputy=Contact.model_validate_json(row["deputy"]) if row["deputy"] else None,
        updated_at=row["updated_at"],
    )


async def erase_contact(conn: asyncpg.Connection, person_id: UUID, email: str) -> None:
    """Drop an erased person from the cities' contacts (deputy) and from the public list's emails.

    A city's focal point cannot be left empty: registration sends ContactChanged with the new one;
    meanwhile the erased focal point's personal data is replaced by placeholders."""
    placeholder = json.dumps({"name": "(erased)", "email": f"erased-{person_id}@erased.pactesur.efus.eu"})
    await conn.execute(
        "UPDATE city_members SET deputy = NULL WHERE deputy->>'person_id' = $1 OR lower(deputy->>'email') = $2",
        str(person_id),
        email,
    )
    await conn.execute(
        "UPDATE city_members SET focal_point = focal_point || $3::jsonb"
        " WHERE focal_point->>'person_id' = $1 OR lower(focal_point->>'email') = $2",
        str(person_id),
        email,
        placeholder,
    )
    await conn.execute("UPDATE cities SET contact_email = NULL WHERE lower(contact_email) = $1", email)
