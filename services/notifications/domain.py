"""Notification rules: which event becomes which email to whom, and how delivery is retried.

Pure: no I/O. Adding an email for a new event type is one entry in ROUTES plus its templates.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from shared.contracts import ApplicationSubmitted
from shared.events import Event, Payload

STAFF_LANGUAGE = "en"
STAFF_TIMEZONE = "Europe/Brussels"
MESSAGE_ID_DOMAIN = "pactesur.efus.eu"
MAX_ATTEMPTS = 8


@dataclass(frozen=True)
class Recipient:
    email: str
    name: str
    language: str
    timezone: str = STAFF_TIMEZONE


@dataclass(frozen=True)
class Route:
    template: str
    recipients: Callable[[Event[Any], tuple[str, ...]], list[Recipient]]
    essential: bool


@dataclass(frozen=True)
class PlannedEmail:
    recipient: Recipient
    template: str
    essential: bool
    context: dict[str, Any]


def _applicant(event: Event[ApplicationSubmitted], staff: tuple[str, ...]) -> list[Recipient]:
    p = event.payload
    return [Recipient(str(p.contact_email), p.contact_name, p.language, p.timezone)]


def _staff(event: Event[Any], staff: tuple[str, ...]) -> list[Recipient]:
    return [Recipient(email, "Efus staff", STAFF_LANGUAGE) for email in staff]


ROUTES: dict[type[Payload], tuple[Route, ...]] = {
    ApplicationSubmitted: (
        Route("application_received", _applicant, essential=True),
        Route("staff_new_application", _staff, essential=False),
    ),
}


def plan(event: Event[Any], staff: tuple[str, ...]) -> list[PlannedEmail]:
    """Every email an event causes; unknown event types cause none."""
    context = event.payload.model_dump(mode="python") | {"event_id": str(event.event_id)}
    return [
        PlannedEmail(recipient, route.template, route.essential, context)
        for route in ROUTES.get(type(event.payload), ())
        for recipient in route.recipients(event, staff)
    ]


def message_id(event_id: UUID, recipient: str, template: str) -> str:
    """Deterministic Message-ID from the idempotency key: a resend is recognisably the same email."""
    digest = hashlib.sha256(f"{event_id}|{recipient.lower()}|{template}".encode()).hexdigest()[:40]
    return f"<{digest}@{MESSAGE_ID_DOMAIN}>"


def is_transient_smtp_code(code: int | None) -> bool:
    """4xx replies and no reply at all (connection errors, timeouts) are worth retrying; 5xx are not."""
    return code is None or 400 <= code < 500


def next_attempt_at(now: datetime, attempts: int, jitter: float) -> datetime:
    """Exponential backoff (5 s, 10 s, 20 s ... capped at 1 h) stretched by jitter in [0, 1)."""
    base = min(5 * 2 ** max(attempts - 1, 0), 3600)
    return now + timedelta(seconds=base * (1 + jitter))
