"""Reviewers' scores."""

from __future__ import annotations

import json
from uuid import UUID

import asyncpg

from services.registration.domain.scoring import Review, Sheet


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


async def sheets_of_call(conn: asyncpg.Connection, call_slug: str) -> dict[UUID, list[Sheet]]:
    """Who scored what, for every application of the call: what the ranking reads, without the comments
    (up to 4,000 characters each, read only on an application's own page). In the order reviews_of
    gives, so that an average is summed the same way every time and a list keeps its order across pages."""
    rows = await conn.fetch(
        "SELECT r.application_id, r.reviewer, r.scores FROM reviews r JOIN applications a ON a.id = r.application_id"
        " WHERE a.call_slug = $1 ORDER BY r.reviewed_at, r.reviewer",
        call_slug,
    )
    found: dict[UUID, list[Sheet]] = {}
    for row in rows:
        found.setdefault(row["application_id"], []).append(Sheet(row["reviewer"], json.loads(row["scores"])))
    return found
