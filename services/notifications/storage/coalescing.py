"""The staff notice windows (table staff_notice_windows) and the notices waiting for theirs."""

from __future__ import annotations

from datetime import datetime

import asyncpg

from services.notifications.domain.coalescing import WaitingNotice

Key = tuple[str, str]
"""(lower-cased address, template)."""


async def last_sent(conn: asyncpg.Connection, keys: list[Key]) -> dict[Key, datetime]:
    if not keys:
        return {}
    rows = await conn.fetch(
        "SELECT w.recipient, w.template, w.sent_at FROM staff_notice_windows w"
        " JOIN unnest($1::text[], $2::text[]) AS k (recipient, template) USING (recipient, template)",
        [k[0] for k in keys],
        [k[1] for k in keys],
    )
    return {(r["recipient"], r["template"]): r["sent_at"] for r in rows}


async def opened(conn: asyncpg.Connection, keys: list[Key], at: datetime) -> None:
    """An email of these kinds went to these staff members at `at`: a new window each."""
    await conn.executemany(
        "INSERT INTO staff_notice_windows (recipient, template, sent_at) VALUES ($1, $2, $3)"
        " ON CONFLICT (recipient, template) DO UPDATE SET sent_at = EXCLUDED.sent_at",
        [(recipient, template, at) for recipient, template in keys],
    )


async def due(conn: asyncpg.Connection, now: datetime) -> list[WaitingNotice]:
    """Waiting notices whose window ended, grouped by staff member and kind (locked; others skip them)."""
    rows = await conn.fetch(
        "SELECT id, recipient, template, language, subject, body_text, release_at FROM deliveries"
        " WHERE status = 'coalesced' AND release_at <= $1"
        " ORDER BY lower(recipient), template, id LIMIT 5000 FOR UPDATE SKIP LOCKED",
        now,
    )
    return [
        WaitingNotice(r["id"], r["recipient"], r["template"], r["language"], r["subject"], r["body_text"],
                      r["release_at"])
        for r in rows
    ]  # fmt: skip


async def released(conn: asyncpg.Connection, ids: list[int], email_id: int) -> None:
    """The notices went inside email `email_id` (the digest column names the email that carried them)."""
    await conn.execute(
        "UPDATE deliveries SET status = 'digested', digest_id = $2 WHERE id = ANY($1::bigint[])", ids, email_id
    )
