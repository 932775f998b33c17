"""What registration holds about one email address, table by table, each row as PostgreSQL turns it
into JSON (dates ISO 8601, ids as text). Secrets that prove nothing about the person (the SHA-256 of a
sign-in link) and internal plumbing (correlation ids) are left out.

Addresses are compared with `lower(...) = lower($1)` and `strpos` rather than LIKE: an address may
hold `%` or `_`."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import asyncpg

from shared.subject_access import json_rows


async def applications(conn: asyncpg.Connection, email: str) -> list[dict[str, Any]]:
    """The applications the address sent as the city's official contact, with their form and status."""
    return await json_rows(
        conn,
        "SELECT (to_jsonb(a) - 'correlation_id')::text FROM applications a"
        " WHERE lower(contact_email) = lower($1) ORDER BY submitted_at",
        email,
    )


async def information_requests(conn: asyncpg.Connection, application_ids: list[UUID]) -> list[dict[str, Any]]:
    """Staff's questions about those applications and the person's answers."""
    return await json_rows(
        conn,
        "SELECT to_jsonb(r)::text FROM information_requests r WHERE application_id = ANY($1::uuid[]) ORDER BY asked_at",
        application_ids,
    )


async def reviews(conn: asyncpg.Connection, application_ids: list[UUID]) -> list[dict[str, Any]]:
    """Staff's scores and comments on those applications: opinions about what the person wrote."""
    return await json_rows(
        conn,
        "SELECT to_jsonb(r)::text FROM reviews r WHERE application_id = ANY($1::uuid[]) ORDER BY reviewed_at",
        application_ids,
    )


async def city_contacts(conn: asyncpg.Connection, email: str) -> list[dict[str, Any]]:
    """Where the address is a city's focal point, deputy or other contact, with the city it is for."""
    return await json_rows(
        conn,
        "SELECT (to_jsonb(c) || jsonb_build_object('city', ci.name, 'city_country', ci.country,"
        " 'city_status', ci.status))::text"
        " FROM city_contacts c JOIN cities ci ON ci.id = c.city_id WHERE lower(c.email) = lower($1)"
        " ORDER BY ci.name",
        email,
    )


async def staff_accounts(conn: asyncpg.Connection, email: str) -> list[dict[str, Any]]:
    return await json_rows(conn, "SELECT to_jsonb(s)::text FROM staff_accounts s WHERE lower(email) = lower($1)", email)


async def sign_in_links(conn: asyncpg.Connection, person_ids: list[UUID]) -> list[dict[str, Any]]:
    """The one-time links sent to the person: when, for which city, whether used (not the token's hash)."""
    return await json_rows(
        conn,
        "SELECT (to_jsonb(l) - 'token_sha256')::text FROM sign_in_links l WHERE person_id = ANY($1::uuid[])"
        " ORDER BY created_at",
        person_ids,
    )


async def sessions(conn: asyncpg.Connection, person_ids: list[UUID]) -> list[dict[str, Any]]:
    """The person's sign-in sessions, with the address they signed in from."""
    return await json_rows(
        conn,
        "SELECT to_jsonb(s)::text FROM sessions s WHERE person_id = ANY($1::uuid[]) ORDER BY created_at",
        person_ids,
    )


async def audit_entries(conn: asyncpg.Connection, email: str, subjects: list[str]) -> list[dict[str, Any]]:
    """Audit entries about the person: about one of `subjects` (their ids, their applications', the
    cities they are a contact of; an erasure or export names several, comma-separated), done by them,
    or naming their address."""
    return await json_rows(
        conn,
        "SELECT (to_jsonb(l) - 'correlation_id')::text FROM audit_log l"
        " WHERE string_to_array(subject, ',') && $2::text[] OR lower(actor) = lower($1)"
        " OR strpos(lower(details::text), lower($1)) > 0 ORDER BY id",
        email,
        subjects,
    )
