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


async def keys_of_subjects(conn: asyncpg.Connection, subjects: list[bytes]) -> dict[bytes, StoredKey]:
    rows = await conn.fetch(
        "SELECT subject, kid, wrapped, erased_at FROM keystore.person_keys WHERE subject = ANY($1::bytea[])", subjects
    )
    return {bytes(row["subject"]): _key(row) for row in rows}


async def add_keys(conn: asyncpg.Connection, new: list[tuple[UUID, bytes, str]]) -> dict[bytes, StoredKey]:
    """New (kid, subject, wrapped key) rows, and the key each subject has now: a subject that got a key
    meanwhile keeps that one (the no-op update makes RETURNING give it, in the same round trip)."""
    rows = await conn.fetch(
        "INSERT INTO keystore.person_keys (kid, subject, wrapped)"
        " SELECT * FROM unnest($1::uuid[], $2::bytea[], $3::text[])"
        " ON CONFLICT (subject) DO UPDATE SET subject = EXCLUDED.subject"
        " RETURNING subject, kid, wrapped, erased_at",
        [n[0] for n in new], [n[1] for n in new], [n[2] for n in new],
    )  # fmt: skip
    return {bytes(row["subject"]): _key(row) for row in rows}


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
