"""What scheduling holds about one email address, each row as PostgreSQL turns it into JSON. Addresses
are compared with `lower(...) = lower($1)`, never LIKE: an address may hold `%` or `_`."""

from __future__ import annotations

from typing import Any

import asyncpg

from shared.subject_access import json_rows


async def nominations(conn: asyncpg.Connection, email: str) -> list[dict[str, Any]]:
    """The person's nominations (participations), with the activity each is for."""
    return await json_rows(
        conn,
        "SELECT (to_jsonb(n) || jsonb_build_object('activity_titles', a.titles, 'activity_starts_at', a.starts_at,"
        " 'activity_ends_at', a.ends_at, 'activity_host_city', a.host_city))::text"
        " FROM nominations n JOIN activities a ON a.id = n.activity_id WHERE lower(n.email) = lower($1)"
        " ORDER BY a.starts_at",
        email,
    )


async def reminders(conn: asyncpg.Connection, email: str) -> list[dict[str, Any]]:
    """The reminders planned or sent for those nominations."""
    return await json_rows(
        conn,
        "SELECT to_jsonb(r)::text FROM reminders r JOIN nominations n ON n.id = r.nomination_id"
        " WHERE lower(n.email) = lower($1) ORDER BY r.due_at",
        email,
    )


async def city_contacts(conn: asyncpg.Connection, email: str) -> list[dict[str, Any]]:
    """The signed-up cities (projection of registration's events) where the address is focal point or deputy."""
    return await json_rows(
        conn,
        "SELECT to_jsonb(m)::text FROM city_members m WHERE lower(m.focal_point->>'email') = lower($1)"
        " OR lower(m.deputy->>'email') = lower($1) ORDER BY m.name",
        email,
    )


async def cities_heard_of(conn: asyncpg.Connection, email: str) -> list[dict[str, Any]]:
    """The cities heard of from applications where the address is the contact."""
    return await json_rows(
        conn,
        "SELECT to_jsonb(c)::text FROM cities c WHERE lower(c.contact_email) = lower($1) ORDER BY c.city",
        email,
    )
