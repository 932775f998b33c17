"""Erasing a person from notifications (PersonErased), and emails' bodies once kept long enough."""

from __future__ import annotations

from datetime import datetime

import asyncpg

from services.notifications.domain.retention import SETTLED, KeptBody


async def erase_person(conn: asyncpg.Connection, email: str, names: tuple[str, ...] = ()) -> int:
    """Forget an address: in recipients, stored bodies that quote it or one of the person's `names`
    (staff notices, a focal point's news of a nominee), opt-outs and staff profiles; returns how many
    delivery rows were erased."""
    address = email.lower()
    await conn.execute("DELETE FROM opt_outs WHERE recipient = $1", address)
    await conn.execute("DELETE FROM staff_profiles WHERE email = $1", address)
    result = await conn.execute(
        "UPDATE deliveries SET recipient = 'erased:' || id, subject = '', body_text = '', body_html = '',"
        " event = NULL, unsubscribe_url = NULL, last_error = NULL, calendar = NULL,"
        " status = CASE WHEN status IN ('pending', 'retrying', 'held') THEN 'suppressed' ELSE status END,"
        " decision = decision || ' | personal data erased'"
        " WHERE lower(recipient) = $1 OR strpos(lower(body_text), $1) > 0 OR strpos(lower(subject), $1) > 0"
        " OR EXISTS (SELECT 1 FROM unnest($2::text[]) AS name"
        "  WHERE strpos(lower(body_text), name) > 0 OR strpos(lower(subject), name) > 0)",
        address,
        [name.lower() for name in names],
    )
    return int(result.split()[-1])


async def bodies_kept_before(conn: asyncpg.Connection, before: datetime, limit: int) -> list[KeptBody]:
    """Settled deliveries sent (else recorded) before then whose body is still stored, locked."""
    rows = await conn.fetch(
        "SELECT id, status, created_at, sent_at FROM deliveries"
        " WHERE body_erased_at IS NULL AND status = ANY($2::text[]) AND coalesce(sent_at, created_at) <= $1"
        " ORDER BY coalesce(sent_at, created_at) LIMIT $3 FOR UPDATE SKIP LOCKED",
        before,
        list(SETTLED),
        limit,
    )
    return [KeptBody(**dict(r)) for r in rows]


async def erase_bodies(conn: asyncpg.Connection, ids: list[int], now: datetime, days: int) -> None:
    """Empty what these emails said; recipient, status and dates stay, the decision says why it is gone."""
    await conn.execute(
        "UPDATE deliveries SET subject = '', body_text = '', body_html = '', event = NULL, calendar = NULL,"
        " unsubscribe_url = NULL, body_erased_at = $2,"
        " decision = decision || ' | body erased after ' || $3::int || ' days'"
        " WHERE id = ANY($1::bigint[])",
        ids,
        now,
        days,
    )
