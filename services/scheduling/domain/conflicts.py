"""Conflicts: one person in two overlapping activities; two sessions in one room at once.

Times are timezone-aware (stored in UTC, entered in the venue's timezone): 09:00-17:00 in Lisbon
and 09:00-17:00 in Riga overlap for one hour, although the wall-clock times look identical.
Intervals are half-open: an activity ending at 12:00 does not overlap one starting at 12:00.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID


@dataclass(frozen=True)
class Interval:
    owner: UUID
    starts_at: datetime
    ends_at: datetime
    label: str = ""


def overlaps(a: Interval, b: Interval) -> bool:
    return a.starts_at < b.ends_at and b.starts_at < a.ends_at


def first_overlap(candidate: Interval, others: Iterable[Interval]) -> Interval | None:
    """The first of `others` (not the candidate itself) that overlaps the candidate."""
    return next((o for o in others if o.owner != candidate.owner and overlaps(candidate, o)), None)
