"""GDPR retention: when the personal data of an application must be erased."""

from __future__ import annotations

from datetime import datetime, timedelta

from services.registration.domain.review import Status

ERASED_NAME = "(erased)"


def erasure_due(status: str, erased_at: datetime | None, closes_at: datetime, now: datetime, keep: timedelta) -> bool:
    """Rejected applicants' personal data is kept `keep` after the call closed, then erased."""
    return status == Status.REJECTED and erased_at is None and now >= closes_at + keep
