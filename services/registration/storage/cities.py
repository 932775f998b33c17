"""Cities of the programme and their contacts."""

from __future__ import annotations

from datetime import datetime, timedelta
from uuid import UUID

import asyncpg

from services.registration.domain.cities import City, CityContact, sorted_contacts


async def _contacts(conn: asyncpg.Connection, city_id: UUID) -> tuple[CityContact, ...]:
    rows = await conn.fetch("SELECT * FROM city_contacts WHERE city_id = $1", city_id)
    return sorted_contacts(
        [
            CityContact(
                r["person_id"], r["designation"], r["name"], r["email"], r["language"], r["timezone"], r["role"]
            )
            for r in rows
        ]
    )


async def _city(conn: asyncpg.Connection, row: asyncpg.Record) -> City:
    return City(
        id=row["id"],
        name=row["name"],
        country=row["country"].strip(),
        region=row["region"],
        role=row["role"],
        languages=tuple(row["languages"]),
        timezone=row["timezone"],
        contacts=await _contacts(conn, row["id"]),
        status=row["status"],
        application_id=row["application_id"],
        signed_up_at=row["signed_up_at"],
        terms_version=row["terms_version"],
        signup_due_at=row["signup_due_at"],
        signup_reminded_at=row["signup_reminded_at"],
        signup_overdue_at=row["signup_overdue_at"],
    )


async def get_city(conn: asyncpg.Connection, city_id: UUID, *, lock: bool = False) -> City | None:
    row = await conn.fetchrow(f"SELECT * FROM cities WHERE id = $1{' FOR UPDATE' if lock else ''}", city_id)
    return await _city(conn, row) if row else None


async def find_city(conn: asyncpg.Connection, name: str, country: str) -> City | None:
    row = await conn.fetchrow(
        "SELECT * FROM cities WHERE city_key(name) = city_key($1) AND country = $2", name, country
    )
    return await _city(conn, row) if row else None


async def list_cities(conn: asyncpg.Connection) -> list[City]:
    return [await _city(conn, r) for r in await conn.fetch("SELECT * FROM cities ORDER BY role, name")]


async def save_city(conn: asyncpg.Connection, city: City) -> None:
    """Insert or update the city and replace its contact set."""
    await conn.execute(
        "INSERT INTO cities (id, name, country, region, role, languages, timezone, status, application_id,"
        " signed_up_at, terms_version, signup_due_at, signup_reminded_at, signup_overdue_at)"
        " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)"
        " ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, country = EXCLUDED.country, region = EXCLUDED.region,"
        " role = EXCLUDED.role, languages = EXCLUDED.languages, timezone = EXCLUDED.timezone,"
        " status = EXCLUDED.status, signed_up_at = EXCLUDED.signed_up_at, terms_version = EXCLUDED.terms_version,"
        " signup_due_at = EXCLUDED.signup_due_at, signup_reminded_at = EXCLUDED.signup_reminded_at,"
        " signup_overdue_at = EXCLUDED.signup_overdue_at",
        city.id,
        city.name,
        city.country,
        city.region,
        city.role,
        list(city.languages),
        city.timezone,
        city.status,
        city.application_id,
        city.signed_up_at,
        city.terms_version,
        city.signup_due_at,
        city.signup_reminded_at,
        city.signup_overdue_at,
    )
    await conn.execute("DELETE FROM city_contacts WHERE city_id = $1", city.id)
    await conn.executemany(
        "INSERT INTO city_contacts (city_id, person_id, designation, name, email, language, timezone, role)"
        " VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        [(city.id, c.person_id, c.designation, c.name, c.email, c.language, c.timezone, c.role) for c in city.contacts],
    )


async def cities_with_person(conn: asyncpg.Connection, email: str) -> list[City]:
    rows = await conn.fetch(
        "SELECT DISTINCT c.* FROM cities c JOIN city_contacts k ON k.city_id = c.id WHERE lower(k.email) = lower($1)",
        email,
    )
    return [await _city(conn, r) for r in rows]


async def contact_names(conn: asyncpg.Connection, email: str) -> list[str]:
    """The names an address is known by among the cities' contacts (PersonErased carries them)."""
    rows = await conn.fetch("SELECT DISTINCT name FROM city_contacts WHERE lower(email) = lower($1)", email)
    return [r["name"] for r in rows]


async def erase_contact(conn: asyncpg.Connection, email: str) -> list[UUID]:
    """Remove the person from every city's contacts; returns their person ids."""
    rows = await conn.fetch("DELETE FROM city_contacts WHERE lower(email) = lower($1) RETURNING person_id", email)
    return [r["person_id"] for r in rows]


async def places_to_offer(conn: asyncpg.Connection, call_slug: str) -> bool:
    """Whether a selected city of the call has not signed up yet: its place may still go to the waiting list."""
    return await conn.fetchval(
        "SELECT EXISTS (SELECT 1 FROM cities c JOIN applications a ON a.id = c.application_id"
        " WHERE a.call_slug = $1 AND c.status = 'pending')",
        call_slug,
    )


async def drop_pending_city(conn: asyncpg.Connection, application_id: UUID) -> None:
    """A selected city that withdrew before signing up is not a city of the programme."""
    await conn.execute(
        "DELETE FROM city_contacts WHERE city_id IN"
        " (SELECT id FROM cities WHERE application_id = $1 AND status = 'pending')",
        application_id,
    )
    await conn.execute("DELETE FROM cities WHERE application_id = $1 AND status = 'pending'", application_id)


async def signups_to_follow_up(conn: asyncpg.Connection, now: datetime, lead: timedelta) -> list[City]:
    """Pending sign-ups due for a reminder or overdue and not yet told (locked; others skip them)."""
    rows = await conn.fetch(
        "SELECT * FROM cities WHERE status = 'pending' AND signup_due_at IS NOT NULL AND ("
        " (signup_reminded_at IS NULL AND signup_due_at - $2::interval <= $1 AND $1 < signup_due_at)"
        " OR (signup_overdue_at IS NULL AND signup_due_at <= $1))"
        " ORDER BY signup_due_at LIMIT 100 FOR UPDATE SKIP LOCKED",
        now,
        lead,
    )
    return [await _city(conn, row) for row in rows]
