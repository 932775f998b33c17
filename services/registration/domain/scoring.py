"""Reviewers' scores: per criterion 1-5 with a comment, weighted, averaged, ranked.

As in pretalx, a reviewer sees the other reviews of an application only once they have scored it.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from services.registration.domain.calls import Criterion
from services.registration.domain.review import Status

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


@dataclass(frozen=True)
class Sheet:
    """A review as the ranking reads it: who scored what, without the comment (only the file shows it)."""

    reviewer: str
    scores: Mapping[str, int]


@dataclass(frozen=True)
class Candidate:
    """An application as the ranking and a list's filters see it: the few columns they need, never the
    form (a list ranks every application of the call, then loads the full rows of one page only)."""

    id: UUID
    submitted_at: datetime
    status: Status
    country: str

    def matches(self, status: str | None, country: str | None) -> bool:
        """Of this status and country (None: any)."""
        return status in (None, self.status.value) and country in (None, self.country)


@dataclass(frozen=True)
class Place:
    """An application's place in one staff member's list: its rank and score when they may see them."""

    application_id: UUID
    rank: int | None
    score: float | None
    reviewed_by_me: bool


class InvalidScores(ValueError):
    pass


def check_scores(scores: Mapping[str, int], criteria: Sequence[Criterion]) -> None:
    """Every criterion scored once, nothing else."""
    expected, given = {c.key for c in criteria}, set(scores)
    if given != expected:
        missing, unknown = sorted(expected - given), sorted(given - expected)
        raise InvalidScores(f"score every criterion exactly once (missing: {missing}, unknown: {unknown})")


def scored_criteria(scores: Mapping[str, int], criteria: Sequence[Criterion]) -> tuple[Criterion, ...]:
    """The call's criteria that a review scored: all of them, unless the call's criteria changed after it
    (a review keeps the criteria it was given; one added later is not in it, one removed is ignored)."""
    return tuple(c for c in criteria if c.key in scores)


def weighted_score(scores: Mapping[str, int], criteria: Sequence[Criterion]) -> float | None:
    """The review's weighted score over the criteria it scored (scored_criteria); None if it scored none of them."""
    used = scored_criteria(scores, criteria)
    total = sum(c.weight for c in used)
    if total <= 0:
        return None
    return round(sum(scores[c.key] * c.weight for c in used) / total, 3)


def average_score(reviews: Iterable[Review | Sheet], criteria: Sequence[Criterion]) -> float | None:
    values = [v for v in (weighted_score(r.scores, criteria) for r in reviews) if v is not None]
    return round(sum(values) / len(values), 3) if values else None


def ranking(scores: Mapping[UUID, float | None], submitted_at: Mapping[UUID, datetime]) -> list[UUID]:
    """Best average first; unscored last; ties by earlier submission."""
    return sorted(scores, key=lambda a: (scores[a] is None, -(scores[a] or 0), submitted_at[a], str(a)))


def order_for_viewer(
    scores: Mapping[UUID, float | None],
    submitted_at: Mapping[UUID, datetime],
    scored_by_viewer: Collection[UUID],
    viewer_is_admin: bool,
) -> list[tuple[UUID, int | None]]:
    """The applications in the order one staff member may see them, each with its rank (1 = best) if shown.

    Admins see the whole ranking. A reviewer sees the applications they scored ranked among themselves
    (they may read those scores), then the others in order of submission and unranked: an application's
    place in the ranking would tell the scores hidden from them until they score it."""
    if viewer_is_admin:
        return [(a, n) for n, a in enumerate(ranking(scores, submitted_at), start=1)]
    mine = [a for a in ranking(scores, submitted_at) if a in scored_by_viewer]
    others = sorted((a for a in scores if a not in scored_by_viewer), key=lambda a: (submitted_at[a], str(a)))
    return [(a, n) for n, a in enumerate(mine, start=1)] + [(a, None) for a in others]


def places_for_viewer(
    candidates: Iterable[Candidate],
    sheets: Mapping[UUID, Sequence[Sheet]],
    criteria: Sequence[Criterion],
    viewer: str,
    viewer_is_admin: bool,
) -> list[Place]:
    """Every candidate in the order `viewer` may see them (order_for_viewer), scored and ranked only
    where they may see it; `sheets` are the call's reviews by application."""
    submitted_at = {c.id: c.submitted_at for c in candidates}
    scores = {a: average_score(sheets.get(a, ()), criteria) for a in submitted_at}
    mine = {a for a, done in sheets.items() if any(s.reviewer == viewer for s in done)}
    return [
        Place(a, rank, scores[a] if viewer_is_admin or a in mine else None, a in mine)
        for a, rank in order_for_viewer(scores, submitted_at, mine, viewer_is_admin)
    ]


def visible_reviews(reviews: Sequence[Review], viewer: str, viewer_is_admin: bool) -> list[Review]:
    """Admins see all; a reviewer sees the others' only after scoring themselves."""
    if viewer_is_admin or any(r.reviewer == viewer for r in reviews):
        return list(reviews)
    return []
