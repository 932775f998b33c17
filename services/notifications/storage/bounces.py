"""Bounces received and the addresses that bounced permanently (tables bounces, bounced_addresses)."""

from __future__ import annotations

from datetime import datetime

import asyncpg

from services.notifications.domain.bounces import Bounce


async def sent_delivery(conn: asyncpg.Connection, bounce: Bounce) -> int | None:
    """The delivery a bounce is about: the one its return path names if it went to that address, else
    the latest one sent to the address."""
    if bounce.delivery_id is not None:
        found = await conn.fetchval(
            "SELECT id FROM deliveries WHERE id = $1 AND lower(recipient) = lower($2)",
            bounce.delivery_id,
            bounce.recipient,
        )
        if found is not None:
            return found
    return await conn.fetchval(
        "SELECT id FROM deliveries WHERE lower(recipient) = lower($1) AND status IN ('sent', 'bounced')"
        " ORDER BY sent_at DESC NULLS LAST, id DESC LIMIT 1",
        bounce.recipient,
    )


async def record(conn: asyncpg.Connection, bounce: Bounce, delivery_id: int | None, source: str, at: datetime) -> None:
    await conn.execute(
        "INSERT INTO bounces (delivery_id, recipient, kind, status, diagnostic, source, received_at)"
        " VALUES ($1, $2, $3, $4, $5, $6, $7)",
        delivery_id, bounce.recipient.lower(), bounce.kind, bounce.status, bounce.diagnostic, source, at,
    )  # fmt: skip


async def mark_bounced(conn: asyncpg.Connection, delivery_id: int, error: str) -> None:
    await conn.execute("UPDATE deliveries SET status = 'bounced', last_error = $2 WHERE id = $1", delivery_id, error)


async def suppress(conn: asyncpg.Connection, recipient: str, delivery_id: int | None, at: datetime) -> None:
    await conn.execute(
        "INSERT INTO bounced_addresses (recipient, bounced_at, delivery_id) VALUES ($1, $2, $3)"
        " ON CONFLICT (recipient) DO UPDATE SET bounced_at = EXCLUDED.bounced_at, delivery_id = EXCLUDED.delivery_id",
        recipient.lower(),
        at,
        delivery_id,
    )


async def bounced(conn: asyncpg.Connection | asyncpg.Pool, recipients: list[str]) -> set[str]:
    """Which of `recipients` bounced permanently (lower-cased)."""
    if not recipients:
        return set()
    rows = await conn.fetch(
        "SELECT recipient FROM bounced_addresses WHERE recipient = ANY($1::text[])", [r.lower() for r in recipients]
    )
    return {r["recipient"] for r in rows}


async def bounces_of(conn: asyncpg.Connection | asyncpg.Pool, recipient: str) -> list[asyncpg.Record]:
    """Every bounce of an address, newest first (the explainer and the delivery page show them)."""
    return await conn.fetch(
        "SELECT delivery_id, kind, status, diagnostic, received_at FROM bounces WHERE recipient = $1"
        " ORDER BY received_at DESC, id DESC LIMIT 50",
        recipient.lower(),
    )
