"""GDPR retention of the delivery log: what an email said (subject, bodies, calendar, the event it came
from) is kept DELIVERY_BODY_RETENTION_DAYS after the email's fate was settled, then emptied; the row
(recipient, template, status, decision, dates) stays, so the log still tells what was sent when."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

SETTLED = ("sent", "failed", "suppressed", "bounced", "digested")
"""States no worker sends from again (a resend is staff's choice): their body may go. Pending, sending,
retrying and held rows still need theirs."""


@dataclass(frozen=True)
class KeptBody:
    """A delivery whose body is still stored."""

    id: int
    status: str
    created_at: datetime
    sent_at: datetime | None


def body_erasure_due(row: KeptBody, now: datetime, keep: timedelta) -> bool:
    """Due `keep` after the email was sent, or (never sent: failed, suppressed, digested) recorded."""
    return row.status in SETTLED and now >= (row.sent_at or row.created_at) + keep
