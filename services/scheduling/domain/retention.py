"""GDPR retention of participants: a nomination's person (name, email, rank, accessibility needs) is
kept PARTICIPANT_RETENTION_DAYS after the activity ended, then replaced by placeholders; its status
and attendance stay, so the programme report keeps its counts."""

from __future__ import annotations

from datetime import datetime, timedelta


def participants_erasure_due(status: str, ends_at: datetime, now: datetime, keep: timedelta) -> bool:
    """Whether an activity's participants are erased now: `keep` after it ended (cancelled or not). A
    tentative activity's dates are a placeholder, not when it ended: it keeps its participants."""
    return status != "tentative" and now >= ends_at + keep
