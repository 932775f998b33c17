"""The idempotent consumer's ledger (shared.messaging.consumer writes it), as explanations read it."""

from __future__ import annotations

from uuid import UUID

import asyncpg


async def was_processed(pool: asyncpg.Pool, consumer: str, event_id: UUID) -> bool:
    return bool(
        await pool.fetchval(
            "SELECT EXISTS (SELECT 1 FROM processed_events WHERE consumer = $1 AND event_id = $2)", consumer, event_id
        )
    )
