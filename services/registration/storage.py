"""All SQL of the registration service."""

from __future__ import annotations

import json

import asyncpg

from services.registration.domain import Application, Call


class DuplicateApplication(Exception):
    """The city already applied to this call."""


def _call(row: asyncpg.Record) -> Call:
    return Call(
        slug=row["slug"],
        title=json.loads(row["title"]),
        description=json.loads(row["description"]),
        opens_at=row["opens_at"],
        closes_at=row["closes_at"],
        timezone=row["timezone"],
        quota=row["quota"],
    )


async def get_call(conn: asyncpg.Connection, slug: str) -> Call | None:
    row = await conn.fetchrow("SELECT * FROM calls WHERE slug = $1", slug)
    return _call(row) if row else None


async def upsert_call(conn: asyncpg.Connection, call: Call) -> None:
    await conn.execute(
        "INSERT INTO calls (slug, title, description, opens_at, closes_at, timezone, quota)"
        " VALUES ($1, $2::jsonb, $3::jsonb, $4, $5, $6, $7)"
        " ON CONFLICT (slug) DO UPDATE SET title = EXCLUDED.title, description = EXCLUDED.description,"
        " opens_at = EXCLUDED.opens_at, closes_at = EXCLUDED.closes_at, timezone = EXCLUDED.timezone,"
        " quota = EXCLUDED.quota, updated_at = now()",
        call.slug,
        json.dumps(call.title),
        json.dumps(call.description),
        call.opens_at,
        call.closes_at,
        call.timezone,
        call.quota,
    )


async def insert_application(conn: asyncpg.Connection, application: Application, correlation_id: str) -> None:
    form = application.form
    try:
        await conn.execute(
            "INSERT INTO applications (id, call_slug, city, country, contact_name, contact_email, language,"
            " motivation, status, submitted_at, correlation_id)"
            " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
            application.id,
            application.call_slug,
            form.city,
            form.country,
            form.contact_name,
            str(form.contact_email),
            form.language,
            form.motivation,
            application.status,
            application.submitted_at,
            correlation_id,
        )
    except asyncpg.UniqueViolationError as error:
        raise DuplicateApplication from error


async def count_applications(conn: asyncpg.Connection, call_slug: str) -> int:
    return await conn.fetchval("SELECT count(*) FROM applications WHERE call_slug = $1", call_slug)
