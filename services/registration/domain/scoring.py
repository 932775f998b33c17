"""Reviewers' scores: per criterion 1-5 with a comment, weighted, averaged, ranked.

As in pretalx, a reviewer sees the other reviews of an application only once they have scored it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from services.registration.domain.calls import Criterion

Score = Annotated[int, Field(ge=1, le=5)]


class ReviewInput(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    scores: dict[str, Score] = Field(description="criterion key -> 1..5")
    comment: Annotated[str, StringConstraints(strip_whitespace=True, max_length=4000)] = ""


@dataclass(frozen=True)
class Review:
    application_id: UUID
    reviewer: str
    scores: Mapping[str, int]
    comment: str
    reviewed_at: datetime


class InvalidScores(ValueError):
    pass


def check_scores(scores: Mapping[str, int], criteria: Sequence[Criterion]) -> None:
    """Every criterion scored once, nothing else."""
    expected, given = {c.key for c in criteria}, set(scores)
    if given != expected:
        missing, unknown = sorted(expected - given), sorted(given - expected)
        raise InvalidScores(f"score every criterion exactly once (missing: {missing}, unknown: {unknown})")


def weighted_score(scores: Mapping[str, int], criteria: Sequence[Criterion]) -> float:
    total = sum(c.weight for c in criteria)
    return round(sum(scores[c.key] * c.weight for c in criteria) / total, 3)


def average_score(reviews: Iterable[Review], criteria: Sequence[Criterion]) -> float | None:
    values = [weighted_score(r.scores, criteria) for r in reviews]
    return round(sum(values) / len(values), 3) if values else None


def ranking(scores: Mapping[UUID, float | None], submitted_at: Mapping[UUID, datetime]) -> list[UUID]:
    """Best average first; unscored last; ties by earlier submission."""
    return sorted(scores, key=lambda a: (scores[a] is None, -(scores[a] or 0), submitted_at[a], str(a)))


def visible_reviews(reviews: Sequence[Review], viewer: str, viewer_is_admin: bool) -> list[Review]:
    """Admins see all; a reviewer sees the others' only after scoring themselves."""
    if viewer_is_admin or any(r.reviewer == viewer for r in reviews):
        return list(reviews)
    return []
