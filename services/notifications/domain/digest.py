"""The staff daily digest: at 17:00 (Europe/Brussels) the notices each staff member chose to take as a
digest are summarised in one email; one digest per recipient and day, whichever replica composes it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from uuid import UUID, uuid5
from zoneinfo import ZoneInfo

from services.notifications.domain.emails import NOTICE_NAMESPACE, STAFF_TIMEZONE

DIGEST = "staff_digest"
DIGEST_TIME = time(17, 0)


@dataclass(frozen=True)
class HeldNotice:
    """A staff notice held for its recipient's digest."""

    id: int
    recipient: str
    language: str
    subject: str
    text: str


def digest_cutoff(now: datetime, timezone: str = STAFF_TIMEZONE) -> datetime:
    """The latest daily digest time (17:00 in the staff's zone) at or before `now`."""
    local = now.astimezone(ZoneInfo(timezone))
    day = local.date() if local.time() >= DIGEST_TIME else local.date() - timedelta(days=1)
    return datetime.combine(day, DIGEST_TIME, tzinfo=local.tzinfo).astimezone(UTC)


def digest_id(recipient: str, cutoff: datetime) -> UUID:
    """One digest per recipient and day, whichever replica composes it."""
    return uuid5(NOTICE_NAMESPACE, f"digest:{recipient.lower()}:{cutoff.astimezone(UTC).isoformat()}")
