"""Reviewers' scores."""

from __future__ import annotations

import json
from uuid import UUID

import asyncpg

from services.registration.domain.scoring import Review


def _review(row: asyncpg.Record) -> Review:
    return Review(row["application_id"], row["reviewer"], json.loads(row["scores"]), row["comment"], row["reviewed_at"])


async def save_review(conn: asyncpg.Connection, review: Review) -> None:
    await conn.execute(
        "INSERT INTO reviews (application_id, reviewer, scores, comment, reviewed_at)"
        " VALUES ($1, $2, $3::jsonb, $4, $5)"
        " ON CONFLICT (application_id, reviewer) DO UPDATE SET scores = EXCLUDED.scores, comment = EXCLUDED.comment,"
        " reviewed_at = EXCLUDED.reviewed_at",
        review.application_id,
        review.reviewer,
        json.dumps(dict(review.scores)),
        review.comment,
        review.reviewed_at,
    )


async def reviews_of(conn: asyncpg.Connection, application_id: UUID) -> list[Review]:
    rows = await conn.fetch("SELECT * FROM reviews WHERE application_id = $1 ORDER BY reviewed_at", application_id)
    return [_review(r) for r in rows]


async def reviews_of_call(conn: asyncpg.Connection, call_slug: str) -> dict[UUID, list[Review]]:
    rows = await conn.fetch(
        "SELECT r.* FROM reviews r JOIN applications a ON a.id = r.application_id WHERE a.call_slug = $1"
        " ORDER BY r.reviewed_at",
        call_slug,
    )
    found: dict[UUID, list[Review]] = {}
    for row in rows:
        found.setdefault(row["application_id"], []).append(_review(row))
    return found
