"""Ten thousand "new application" notices in half a minute help nobody: a staff member gets at most
one email of a kind per window (STAFF_NOTICE_WINDOW_SECONDS). The first notice after a quiet window
goes at once; the ones that follow within the window wait and go together, as one email listing them,
when the window ends. Applicants and other people are never coalesced."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from uuid import UUID, uuid5

from services.notifications.domain.emails import NOTICE_NAMESPACE, PlannedEmail

COALESCED = "staff_notices"
"""The template of the email that lists a window's notices."""
LISTED = 20
"""Notices an email lists in full: after a deadline burst a window holds thousands (an email of
megabytes that helps nobody); the others are counted, and the delivery log lists them all."""


@dataclass(frozen=True)
class WaitingNotice:
    """A staff notice waiting for the end of its window."""

    id: int
    recipient: str
    template: str
    language: str
    subject: str
    text: str
    release_at: datetime


def coalesces(email: PlannedEmail) -> bool:
    return email.recipient.is_staff and not email.essential and email.template != COALESCED


def held_until(last_sent_at: datetime | None, now: datetime, window: timedelta) -> datetime | None:
    """When a notice recorded at `now` goes, if it must wait: the end of the window the last one opened."""
    if window <= timedelta(0) or last_sent_at is None or now >= last_sent_at + window:
        return None
    return last_sent_at + window


def coalesced_id(recipient: str, template: str, release_at: datetime) -> UUID:
    """One email per staff member, kind and window, whichever replica composes it."""
    return uuid5(NOTICE_NAMESPACE, f"coalesced:{recipient.lower()}:{template}:{release_at.isoformat()}")
