"""Planned emails -> delivery-log rows: preferences applied, rendered in the recipient's language,
unsubscribe link for non-essential ones. Used by the consumer, the failure notices and the digest.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote
from uuid import UUID

import asyncpg

from services.notifications import storage
from services.notifications.domain import (
    STAFF_LANGUAGE,
    STAFF_TIMEZONE,
    PlannedEmail,
    Preferences,
    Recipient,
    disposition,
    message_id,
)
from services.notifications.rendering import render
from shared.calendar import build_ics
from shared.security.signing import sign
from shared.settings import Settings

UNSUBSCRIBE_PURPOSE = "unsubscribe"


@dataclass(frozen=True)
class Origin:
    """Where planned emails come from: the event (or notice) that is their idempotency key."""

    event_id: UUID
    event_type: str
    correlation_id: str
    event_json: str | None = None


def unsubscribe_url(settings: Settings, recipient: Recipient, kind: str) -> str:
    """A signed link that does not expire: an old email's link must still work."""
    token = sign(
        settings.signing_key,
        UNSUBSCRIBE_PURPOSE,
        {"r": recipient.email.lower(), "k": kind, "l": recipient.language},
        expires_at=None,
    )
    return f"{public_url(settings)}/unsubscribe?token={quote(token)}"


def public_url(settings: Settings) -> str:
    configured = settings.notifications_public_url
    return str(configured).rstrip("/") if configured else f"http://127.0.0.1:{settings.notifications_port}"


async def staff_recipients(conn: asyncpg.Connection | asyncpg.Pool, settings: Settings) -> tuple[Recipient, ...]:
    profiles = await storage.staff_profiles(conn, settings.staff_emails)
    recipients = []
    for email in settings.staff_emails:
        profile = profiles.get(email.lower())
        language = profile.language if profile else STAFF_LANGUAGE
        timezone = profile.timezone if profile else STAFF_TIMEZONE
        recipients.append(Recipient(email, "Efus staff", language, timezone, is_staff=True))
    return tuple(recipients)


async def preferences(conn: asyncpg.Connection, settings: Settings, emails: list[PlannedEmail]) -> Preferences:
    """Opt-outs of the non-essential emails' recipients and staff's digest choices (essential emails
    always go, so an event that plans only those, like a confirmation, costs no query here)."""
    optional = [e for e in emails if not e.essential]
    staff = tuple(e.recipient.email for e in optional if e.recipient.is_staff)
    digest = {
        (profile.email, kind)
        for profile in (await storage.staff_profiles(conn, staff)).values()
        for kind in profile.digest_kinds
    }
    opted_out = await storage.opted_out(conn, [e.recipient.email for e in optional])
    return Preferences(opted_out=frozenset(opted_out), digest=frozenset(digest))


async def record(conn: asyncpg.Connection, settings: Settings, origin: Origin, emails: list[PlannedEmail]) -> list[int]:
    """Write one row per planned email (in the caller's transaction); returns the new row ids."""
    if not emails:
        return []
    chosen = await preferences(conn, settings, emails)
    rows = []
    for email in emails:
        decided = disposition(email, chosen)
        link = None if email.essential else unsubscribe_url(settings, email.recipient, email.template)
        rendered = render(email.template, email.recipient.language, email.context, unsubscribe_url=link)
        rows.append(
            storage.NewDelivery(
                event_id=origin.event_id,
                recipient=email.recipient.email,
                template=email.template,
                event_type=origin.event_type,
                essential=email.essential,
                language=rendered.language,
                message_id=message_id(origin.event_id, email.recipient.email, email.template),
                subject=rendered.subject,
                body_text=rendered.text,
                body_html=rendered.html,
                correlation_id=origin.correlation_id,
                status=decided.status,
                decision=f"{decided.decision}; language {rendered.language} (asked {email.recipient.language})",
                event=origin.event_json,
                unsubscribe_url=link,
                calendar=build_ics(email.calendar) if email.calendar else None,
                calendar_method=email.calendar.method if email.calendar else None,
            )
        )
    return await storage.add_deliveries(conn, rows)
