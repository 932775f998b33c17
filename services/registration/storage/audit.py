"""The audit log: who did what, when, from where, to what, and why.

"From where" is the HTTP client's address of the request the action came from (shared.logs sets it
for every request); a command or a consumed event has none unless the caller names one.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import asyncpg

from shared.logs import client_address


async def record(
    conn: asyncpg.Connection,
    *,
    at: datetime,
    actor: str,
    action: str,
    subject: str,
    reason: str | None = None,
    details: dict[str, Any] | None = None,
    correlation_id: str | None = None,
    origin: str | None = None,
) -> None:
    await conn.execute(
        "INSERT INTO audit_log (at, actor, action, subject, reason, details, correlation_id, client_address)"
        " VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7, $8)",
        at,
        actor,
        action,
        subject,
        reason,
        json.dumps(details or {}, default=str),
        correlation_id,
        origin or client_address.get(),
    )


async def entries(conn: asyncpg.Connection, subject: str | None = None, limit: int = 500) -> list[dict[str, Any]]:
    rows = await conn.fetch(
        "SELECT at, actor, action, subject, reason, details, client_address FROM audit_log"
        " WHERE $1::text IS NULL OR subject = $1 ORDER BY id DESC LIMIT $2",
        subject,
        limit,
    )
    return [dict(r) | {"details": json.loads(r["details"])} for r in rows]


async def scrub_person(conn: asyncpg.Connection, email: str) -> None:
    """Erasure reaches the log too: details naming the address lose it."""
    await conn.execute(
        "UPDATE audit_log SET details = '{}'::jsonb WHERE details::text ILIKE '%' || $1 || '%'", email.lower()
    )
