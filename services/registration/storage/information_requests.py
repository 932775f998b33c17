"""Staff's requests for more information and the applicants' answers (table information_requests)."""

from __future__ import annotations

from uuid import UUID

import asyncpg

from services.registration.domain.applications import InformationRequest

_COLUMNS = "id, application_id, question, asked_by, asked_at, respond_by, answer, answered_at"


def _request(row: asyncpg.Record) -> InformationRequest:
    return InformationRequest(**dict(row))


async def insert(conn: asyncpg.Connection, request: InformationRequest) -> None:
    await conn.execute(
        f"INSERT INTO information_requests ({_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        request.id, request.application_id, request.question, request.asked_by, request.asked_at,
        request.respond_by, request.answer, request.answered_at,
    )  # fmt: skip


async def save_answer(conn: asyncpg.Connection, request: InformationRequest) -> None:
    await conn.execute(
        "UPDATE information_requests SET answer = $2, answered_at = $3 WHERE id = $1",
        request.id,
        request.answer,
        request.answered_at,
    )


async def requests_of(conn: asyncpg.Connection, application_id: UUID) -> list[InformationRequest]:
    """Oldest first."""
    rows = await conn.fetch(
        f"SELECT {_COLUMNS} FROM information_requests WHERE application_id = $1 ORDER BY asked_at, id",
        application_id,
    )
    return [_request(r) for r in rows]


async def open_request(conn: asyncpg.Connection, application_id: UUID) -> InformationRequest | None:
    """The latest request, if it awaits its answer."""
    row = await conn.fetchrow(
        f"SELECT {_COLUMNS} FROM information_requests WHERE application_id = $1 ORDER BY asked_at DESC, id DESC"
        " LIMIT 1",
        application_id,
    )
    return _request(row) if row and row["answer"] is None else None
