"""The key store's SQL (schema keystore, table person_keys): wrapped data keys by person and by id."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

import asyncpg


@dataclass(frozen=True)
class StoredKey:
    kid: UUID
    wrapped: str
    erased: bool


def _key(row: asyncpg.Record) -> StoredKey:
    return StoredKey(row["kid"], row["wrapped"], row["erased_at"] is not None)


_FIND_OR_ADD = """
WITH candidate (kid, subject, wrapped) AS (SELECT * FROM unnest($1::uuid[], $2::bytea[], $3::text[])),
added AS (
    INSERT INTO keystore.person_keys (kid, subject, wrapped) SELECT kid, subject, wrapped FROM candidate
    ON CONFLICT (subject) DO NOTHING
    RETURNING subject, kid, wrapped, erased_at
)
SELECT subject, kid, wrapped, erased_at FROM added
UNION ALL
SELECT subject, kid, wrapped, erased_at FROM keystore.person_keys
WHERE subject = ANY($2::bytea[]) AND subject NOT IN (SELECT subject FROM added)
"""
"""Both halves read the statement's snapshot: the stored keys come from the table, the new ones from
RETURNING (the table does not show them to the same statement). An existing subject costs no write."""

_KEYS_NOW = (
    "INSERT INTO keystore.person_keys (kid, subject, wrapped)"
    " SELECT * FROM unnest($1::uuid[], $2::bytea[], $3::text[])"
    " ON CONFLICT (subject) DO UPDATE SET subject = EXCLUDED.subject"
    " RETURNING subject, kid, wrapped, erased_at"
)
"""The no-op update makes RETURNING give the committed key even when the snapshot does not show it."""


async def find_or_add_keys(
    conn: asyncpg.Connection, candidates: list[tuple[UUID, bytes, str]]
) -> dict[bytes, StoredKey]:
    """The key of each subject of the (kid, subject, wrapped key) candidates: its stored one, else the
    candidate, now added; one statement.

    A subject whose key another transaction added after this statement's snapshot was taken (its INSERT
    waited for that one to commit, then did nothing) is in neither half of the answer: a second statement
    reads the key it has now, so that both transactions use the one key."""
    rows = await conn.fetch(_FIND_OR_ADD, *_columns(candidates))
    found = {bytes(row["subject"]): _key(row) for row in rows}
    raced = [candidate for candidate in candidates if candidate[1] not in found]
    if raced:
        rows = await conn.fetch(_KEYS_NOW, *_columns(raced))
        found |= {bytes(row["subject"]): _key(row) for row in rows}
    return found


def _columns(candidates: list[tuple[UUID, bytes, str]]) -> tuple[list[UUID], list[bytes], list[str]]:
    return [c[0] for c in candidates], [c[1] for c in candidates], [c[2] for c in candidates]


async def keys_by_id(conn: asyncpg.Connection | asyncpg.Pool, kids: list[UUID]) -> dict[UUID, StoredKey]:
    rows = await conn.fetch(
        "SELECT kid, wrapped, erased_at FROM keystore.person_keys WHERE kid = ANY($1::uuid[])", kids
    )
    return {row["kid"]: _key(row) for row in rows}


async def mark_erased(conn: asyncpg.Connection, subject: bytes, at: datetime) -> list[UUID]:
    """The person's key opens only their PersonErased from now on; their address no longer finds it."""
    rows = await conn.fetch(
        "UPDATE keystore.person_keys SET erased_at = $2, subject = NULL WHERE subject = $1 RETURNING kid", subject, at
    )
    return [row["kid"] for row in rows]


async def destroy_erased(conn: asyncpg.Connection | asyncpg.Pool, erased_before: datetime) -> int:
    """Crypto-shredding: the keys of people erased before `erased_before` are gone for good."""
    result = await conn.execute("DELETE FROM keystore.person_keys WHERE erased_at < $1", erased_before)
    return int(result.split()[-1])
