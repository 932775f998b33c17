"""Notification rules: who gets which email, whether it goes now, later or not at all, and how
delivery is retried and paced.

Pure: no I/O; the clock and random jitter are passed in. The routing table itself is in routes.py.
"""

from __future__ import annotations

import hashlib
import zlib
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from typing import Any, Literal
from uuid import UUID, uuid5
from zoneinfo import ZoneInfo

from shared.calendar import CalendarInvite

STAFF_LANGUAGE = "en"
STAFF_TIMEZONE = "Europe/Brussels"
MESSAGE_ID_DOMAIN = "pactesur.efus.eu"
FAILURE_NOTICE = "staff_delivery_failed"
DIGEST = "staff_digest"
DIGEST_TIME = time(17, 0)
NOTICE_NAMESPACE = UUID("5d0c8f55-6c1f-4b53-9c7e-8a0d7f2b3e11")

InitialStatus = Literal["pending", "suppressed", "held"]


@dataclass(frozen=True)
class Recipient:
    email: str
    name: str
    language: str
    timezone: str = STAFF_TIMEZONE
    is_staff: bool = False


@dataclass(frozen=True)
class PlannedEmail:
    recipient: Recipient
    template: str
    essential: bool
    context: dict[str, Any]
    calendar: CalendarInvite | None = None


@dataclass(frozen=True)
class Preferences:
    """What recipients chose: kinds they unsubscribed from, kinds staff want in the daily digest."""

    opted_out: frozenset[tuple[str, str]] = frozenset()  # (lower-cased address, kind)
    digest: frozenset[tuple[str, str]] = frozenset()


@dataclass(frozen=True)
class Disposition:
    status: InitialStatus
    decision: str


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int = 8
    base_seconds: float = 5.0
    cap_seconds: float = 3600.0


@dataclass
class SendPace:
    """Token bucket: at most `rate` emails per second on average, bursts of `burst`; 0 = unlimited."""

    rate: float
    burst: float = 1.0
    _tokens: float = field(default=1.0, init=False)
    _at: datetime | None = field(default=None, init=False)

    def wait_before_next(self, now: datetime) -> float:
        """Seconds to wait before sending one more email at `now` (and book that email)."""
        if self.rate <= 0:
            return 0.0
        if self._at is not None:
            self._tokens = min(self.burst, self._tokens + (now - self._at).total_seconds() * self.rate)
        self._at = now
        self._tokens -= 1
        return 0.0 if self._tokens >= 0 else -self._tokens / self.rate


def lane_of(recipient: str, lanes: int) -> int:
    """The SMTP connection a recipient's emails go over: always the same one, so they arrive in order."""
    return zlib.crc32(recipient.lower().encode()) % lanes


def disposition(email: PlannedEmail, preferences: Preferences) -> Disposition:
    """Essential emails always go; others respect an unsubscribe, and staff's digest choice."""
    key = (email.recipient.email.lower(), email.template)
    if email.essential:
        return Disposition("pending", "essential: always sent")
    if key in preferences.opted_out:
        return Disposition("suppressed", "not sent: the recipient unsubscribed from this kind of email")
    if email.recipient.is_staff and key in preferences.digest:
        return Disposition("held", "held for the recipient's daily digest")
    return Disposition("pending", "sent immediately")


def message_id(event_id: UUID, recipient: str, template: str) -> str:
    """Deterministic Message-ID from the idempotency key: a resend is recognisably the same email."""
    digest = hashlib.sha256(f"{event_id}|{recipient.lower()}|{template}".encode()).hexdigest()[:40]
    return f"<{digest}@{MESSAGE_ID_DOMAIN}>"


def is_transient_smtp_code(code: int | None) -> bool:
    """4xx replies and no reply at all (connection errors, timeouts) are worth retrying; 5xx are not."""
    return code is None or 400 <= code < 500


def next_attempt_at(now: datetime, attempts: int, jitter: float, policy: RetryPolicy = RetryPolicy()) -> datetime:
    """Exponential backoff (base, 2 x base, 4 x base ... capped) stretched by jitter in [0, 1)."""
    delay = min(policy.base_seconds * 2 ** max(attempts - 1, 0), policy.cap_seconds)
    return now + timedelta(seconds=delay * (1 + jitter))


def failure_notices(
    delivery_id: int, recipient: str, template: str, subject: str, error: str, staff: tuple[Recipient, ...]
) -> tuple[UUID, list[PlannedEmail]]:
    """Staff are told when an email is finally not delivered (never about a failed notice itself).

    The notice's event id derives from the failed delivery, so telling twice is impossible."""
    notice_id = uuid5(NOTICE_NAMESPACE, f"delivery-failed:{delivery_id}")
    if template == FAILURE_NOTICE:
        return notice_id, []
    context = {"recipient": recipient, "failed_subject": subject, "error": error[:500], "delivery_id": delivery_id}
    return notice_id, [PlannedEmail(member, FAILURE_NOTICE, False, context) for member in staff]


def digest_cutoff(now: datetime, timezone: str = STAFF_TIMEZONE) -> datetime:
    """The latest daily digest time (17:00 in the staff's zone) at or before `now`."""
    local = now.astimezone(ZoneInfo(timezone))
    day = local.date() if local.time() >= DIGEST_TIME else local.date() - timedelta(days=1)
    return datetime.combine(day, DIGEST_TIME, tzinfo=local.tzinfo).astimezone(UTC)


def digest_id(recipient: str, cutoff: datetime) -> UUID:
    """One digest per recipient and day, whichever replica composes it."""
    return uuid5(NOTICE_NAMESPACE, f"digest:{recipient.lower()}:{cutoff.astimezone(UTC).isoformat()}")
