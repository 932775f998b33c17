"""GDPR retention: when the personal data of an application must be erased, stage by stage.

- rejected: `rejected` after the call closed;
- withdrawn: `withdrawn` after the withdrawal, or after the call closed if that is later (until then
  staff may still need to see why the city left, and the city may apply again);
- waitlisted (never offered a place): `waitlisted` after the call closed, but never while the city is
  still in line, that is while a selected city of the call has not signed up yet: it may still give
  its place back, or staff give it on, and the place then goes to the waiting list;
- selected (the city's own record) and undecided applications: no period here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from services.registration.domain.review import Status
from shared.settings import Settings

ERASED_NAME = "(erased)"


@dataclass(frozen=True)
class Retention:
    """How long each stage's personal data is kept (the *_RETENTION_DAYS settings)."""

    withdrawn: timedelta
    waitlisted: timedelta
    rejected: timedelta

    @classmethod
    def of(cls, settings: Settings) -> Retention:
        return cls(
            timedelta(days=settings.withdrawn_retention_days),
            timedelta(days=settings.waitlisted_retention_days),
            timedelta(days=settings.rejected_retention_days),
        )

    def kept(self, status: str) -> timedelta | None:
        """The period of a stage, None for a stage kept here (selected, undecided)."""
        periods = {Status.WITHDRAWN: self.withdrawn, Status.WAITLISTED: self.waitlisted, Status.REJECTED: self.rejected}
        return periods.get(Status(status))


def erasure_due_at(
    status: str, closes_at: datetime, withdrawn_at: datetime | None, retention: Retention
) -> datetime | None:
    """From when the application's personal data is due for erasure; None for a stage kept here."""
    kept = retention.kept(status)
    if kept is None:
        return None
    start = max(closes_at, withdrawn_at or closes_at) if status == Status.WITHDRAWN else closes_at
    return start + kept


def erasure_due(
    status: str,
    erased_at: datetime | None,
    closes_at: datetime,
    withdrawn_at: datetime | None,
    now: datetime,
    retention: Retention,
    *,
    places_to_offer: bool,
) -> bool:
    """Whether the retention job erases this application now; `places_to_offer`: a selected city of
    the call has not signed up yet, so a waitlisted city is still in line and kept."""
    due = erasure_due_at(status, closes_at, withdrawn_at, retention)
    if erased_at is not None or due is None or now < due:
        return False
    return not (status == Status.WAITLISTED and places_to_offer)
