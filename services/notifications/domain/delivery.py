"""The delivery log's rows and states, and how sending is retried, paced and spread over SMTP lanes."""

from __future__ import annotations

import zlib
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Literal
from uuid import UUID

Status = Literal[
    "pending", "sending", "sent", "retrying", "failed", "suppressed", "held", "digested", "bounced", "coalesced"
]
LEASE = timedelta(seconds=60)
"""How long a worker owns a row it is sending; after that another worker may send it again."""


@dataclass(frozen=True)
class NewDelivery:
    """An email to record: one row per (event_id, recipient, template), the email's idempotency key."""

    event_id: UUID
    recipient: str
    template: str
    event_type: str
    essential: bool
    language: str
    message_id: str
    subject: str
    body_text: str
    body_html: str
    correlation_id: str
    status: str = "pending"
    decision: str = ""
    event: str | None = None  # the envelope as JSON
    unsubscribe_url: str | None = None
    calendar: str | None = None
    calendar_method: str | None = None
    release_at: datetime | None = None
    """A coalesced staff notice: when its window ends (domain/coalescing.py)."""


@dataclass(frozen=True)
class Delivery:
    """A row of the delivery log as staff list it (without the bodies)."""

    id: int
    event_id: UUID
    event_type: str
    recipient: str
    template: str
    essential: bool
    language: str
    message_id: str
    subject: str
    status: Status
    decision: str
    attempts: int
    last_error: str | None
    next_attempt_at: datetime
    created_at: datetime
    sent_at: datetime | None
    digest_id: int | None


@dataclass(frozen=True)
class DeliveryQuery:
    """Which deliveries staff look at, newest first; `before_id` pages on."""

    recipient: str | None = None
    event_id: UUID | None = None
    status: Status | None = None
    template: str | None = None
    limit: int = 100
    before_id: int | None = None


@dataclass(frozen=True)
class StoredEmail(Delivery):
    """A whole row: what the worker sends, and what staff see of one delivery."""

    body_text: str
    body_html: str
    correlation_id: str
    event: str | None
    unsubscribe_url: str | None
    calendar: str | None
    calendar_method: Literal["REQUEST", "CANCEL"] | None
    lease_until: datetime | None


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


def is_transient_smtp_code(code: int | None) -> bool:
    """4xx replies and no reply at all (connection errors, timeouts) are worth retrying; 5xx are not."""
    return code is None or 400 <= code < 500


def next_attempt_at(now: datetime, attempts: int, jitter: float, policy: RetryPolicy = RetryPolicy()) -> datetime:
    """Exponential backoff (base, 2 x base, 4 x base ... capped) stretched by jitter in [0, 1)."""
    delay = min(policy.base_seconds * 2 ** max(attempts - 1, 0), policy.cap_seconds)
    return now + timedelta(seconds=delay * (1 + jitter))


def retry_at(now: datetime, attempts: int, jitter: float, policy: RetryPolicy, *, transient: bool) -> datetime | None:
    """When to try a failed email again, or None when it has finally failed."""
    if transient and attempts < policy.max_attempts:
        return next_attempt_at(now, attempts, jitter, policy)
    return None


def final_error(error: str, attempts: int, *, transient: bool) -> str:
    return error if not transient else f"gave up after {attempts} attempts: {error}"
