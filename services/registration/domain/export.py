"""The CSV export of a call's applications and scores; its columns derive from the form's fields."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass

from services.registration.domain.applications import FIELDS, Application
from services.registration.domain.fields import Section

STANDING = ("status", "staged_decision", "waitlist_position", "score", "reviews")
"""Where an application stands in the review."""


def _columns() -> tuple[str, ...]:
    exported = [f for f in FIELDS if f.in_csv]
    city = [f.name for f in exported if f.section is Section.CITY]
    short = [f.name for f in exported if f.section is not Section.CITY and not f.long_text]
    long = [f.name for f in exported if f.section is not Section.CITY and f.long_text]
    return ("id", *city, *STANDING, *short, "submitted_at", *long)


CSV_COLUMNS = _columns()
"""The city, where its application stands, how to reach it and what it commits to, when it applied,
then the long answers last (wide cells do not push the others off the screen)."""


@dataclass(frozen=True)
class Ranked:
    """One line of the export: an application, its average score and how many reviews it has."""

    application: Application
    score: float | None
    reviews: int


def _cell(value: object) -> str:
    """Spreadsheet-safe: a cell starting with = + - @ is not run as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def applications_csv(ranked: Iterable[Ranked], *, header: bool = True) -> str:
    """The lines in the order given (best first), one column per CSV_COLUMNS; without the header line
    for the batches after the first (an export is written one batch of full rows at a time)."""
    out = io.StringIO()
    writer = csv.writer(out)
    if header:
        writer.writerow(CSV_COLUMNS)
    for line in ranked:
        a = line.application
        row = a.form.answers() | {
            "id": a.id,
            "status": a.status.value,
            "staged_decision": a.staged_decision.value if a.staged_decision else "",
            "waitlist_position": a.waitlist_position,
            "score": line.score,
            "reviews": line.reviews,
            "submitted_at": a.submitted_at.isoformat(),
        }
        writer.writerow([_cell(row.get(column)) for column in CSV_COLUMNS])
    return out.getvalue()
