"""All SQL of the scheduling service."""

from __future__ import annotations

import asyncpg

from services.scheduling.domain import KnownCity


async def upsert_city(conn: asyncpg.Connection, city: KnownCity) -> None:
    await conn.execute(
        "INSERT INTO cities (city_key, city, country, status, application_id, contact_email, language,"
        " first_seen_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8)"
        " ON CONFLICT (city_key) DO UPDATE SET application_id = EXCLUDED.application_id,"
        " contact_email = EXCLUDED.contact_email, language = EXCLUDED.language, updated_at = EXCLUDED.updated_at",
        city.city_key,
        city.city,
        city.country,
        city.status,
        city.application_id,
        city.contact_email,
        city.language,
        city.seen_at,
    )


async def list_cities(conn: asyncpg.Connection) -> list[asyncpg.Record]:
    return await conn.fetch("SELECT city, country, status, first_seen_at FROM cities ORDER BY country, city")
