"""Planned emails -> delivery-log rows, inside the caller's transaction: preferences applied, rendered
in the recipient's language, an unsubscribe link for non-essential ones. The step every workflow that
writes emails shares (an event's emails, the failure notices, the digest); also where the staff are
read, once, and only when an email goes to them."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from uuid import UUID

import asyncpg

from services.notifications.domain.coalescing import coalesces, held_until
from services.notifications.domain.delivery import NewDelivery
from services.notifications.domain.emails import PlannedEmail, Preferences, Staff, disposition, message_id, staff_of
from services.notifications.domain.unsubscribe import unsubscribe_url
from services.notifications.mail.rendering import render
from services.notifications.storage import bounces, coalescing, deliveries, preferences
from shared.calendar import build_ics
from shared.settings import Settings


@dataclass(frozen=True)
class Origin:
    """Where planned emails come from: the event (or notice) that is their idempotency key."""

    event_id: UUID
    event_type: str
    correlation_id: str
    event_json: str | None = None


async def read_staff(conn: asyncpg.Connection, settings: Settings) -> Staff:
    """STAFF_EMAILS with their profiles: one read of staff_profiles."""
    return staff_of(settings.staff_emails, await preferences.staff_profiles(conn, settings.staff_emails))


async def record(
    conn: asyncpg.Connection,
    settings: Settings,
    origin: Origin,
    emails: list[PlannedEmail],
    staff: Staff,
    now: datetime | None = None,
) -> list[int]:
    """Write one row per planned email; returns the new row ids. `staff` carries the digest choices
    (emails to staff come from it; without any, NO_STAFF). Given `now`, staff notices are coalesced
    (domain/coalescing.py)."""
    if not emails:
        return []
    optional = [e.recipient.email for e in emails if not e.essential]
    chosen = Preferences(
        opted_out=frozenset(await preferences.opted_out(conn, optional)),
        digest=staff.digest,
        bounced=frozenset(await bounces.bounced(conn, optional)),
    )
    rows = []
    for email in emails:
        decided = disposition(email, chosen)
        link = None if email.essential else unsubscribe_url(settings, email.recipient, email.template)
        rendered = render(email.template, email.recipient.language, email.context, unsubscribe_url=link)
        rows.append(
            NewDelivery(
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
    if now is not None:
        rows = await _coalesced(conn, settings, emails, rows, now)
    return await deliveries.add_deliveries(conn, rows)


async def _coalesced(
    conn: asyncpg.Connection, settings: Settings, emails: list[PlannedEmail], rows: list[NewDelivery], now: datetime
) -> list[NewDelivery]:
    """Staff notices going now: the first of a window goes (and opens one), the others wait for its end."""
    window = timedelta(seconds=settings.staff_notice_window_seconds)
    candidates = [
        i for i, (e, r) in enumerate(zip(emails, rows, strict=True)) if coalesces(e) and r.status == "pending"
    ]
    if window <= timedelta(0) or not candidates:
        return rows
    last = await coalescing.last_sent(conn, [(rows[i].recipient.lower(), rows[i].template) for i in candidates])
    opened = []
    for i in candidates:
        key = (rows[i].recipient.lower(), rows[i].template)
        until = held_until(last.get(key), now, window)
        if until is None:
            opened.append(key)
            last[key] = now
        else:
            decision = f"coalesced: sent with the other notices of this kind at {until:%H:%M:%S} UTC"
            rows[i] = replace(rows[i], status="coalesced", decision=decision, release_at=until)
    await coalescing.opened(conn, opened, now)
    return rows
