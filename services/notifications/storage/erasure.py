"""Erasing a person from notifications (PersonErased)."""

from __future__ import annotations

import asyncpg


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
