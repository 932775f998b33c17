"""Planned emails -> delivery-log rows, inside the caller's transaction: preferences applied, rendered
in the recipient's language, an unsubscribe link for non-essential ones. The step every workflow that
writes emails shares (an event's emails, the failure notices, the digest); also where the staff are
read, once, and only when an email goes to them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from uuid import UUID

import asyncpg

from services.notifications.domain.coalescing import coalesces, held_until
from services.notifications.domain.delivery import NewDelivery
from services.notifications.domain.emails import (
    Disposition,
    PlannedEmail,
    Preferences,
    Staff,
    disposition,
    message_id,
    staff_of,
)
from services.notifications.domain.unsubscribe import unsubscribe_url
from services.notifications.mail.rendering import render
from services.notifications.storage import bounces, coalescing, deliveries, preferences
from shared.calendar import build_ics
from shared.settings import Settings
from shared.storage.transaction_memo import remembered


@dataclass(frozen=True)
class Origin:
    """Where planned emails come from: the event (or notice) that is their idempotency key."""

    event_id: UUID
    event_type: str
    correlation_id: str
    event_json: str | None = None


async def read_staff(conn: asyncpg.Connection, settings: Settings) -> Staff:
    """STAFF_EMAILS with their profiles: one read of staff_profiles (per transaction of events)."""
    profiles = await remembered(("staff_profiles",), lambda: preferences.staff_profiles(conn, settings.staff_emails))
    return staff_of(settings.staff_emails, profiles)


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
    (domain/coalescing.py): a waiting notice is rendered without its HTML part, which nobody reads
    (the email that lists it quotes its subject and text)."""
    if not emails:
        return []
    optional = tuple(sorted({e.recipient.email.lower() for e in emails if not e.essential}))
    chosen = Preferences(
        opted_out=frozenset(
            await remembered(("opted_out", optional), lambda: preferences.opted_out(conn, list(optional)))
        ),
        digest=staff.digest,
        bounced=frozenset(await remembered(("bounced", optional), lambda: bounces.bounced(conn, list(optional)))),
    )
    decided = [disposition(email, chosen) for email in emails]
    waiting = await _waiting(conn, settings, emails, decided, now) if now is not None else {}
    rows = [_row(settings, origin, e, d, waiting.get(i)) for i, (e, d) in enumerate(zip(emails, decided, strict=True))]
    return await deliveries.add_deliveries(conn, rows)


def _row(
    settings: Settings, origin: Origin, email: PlannedEmail, decided: Disposition, release_at: datetime | None
) -> NewDelivery:
    link = None if email.essential else unsubscribe_url(settings, email.recipient, email.template)
    rendered = render(
        email.template, email.recipient.language, email.context, unsubscribe_url=link, html=release_at is None
    )
    status, decision = (
        decided.status,
        f"{decided.decision}; language {rendered.language} (asked {email.recipient.language})",
    )
    if release_at is not None:
        status, decision = (
            "coalesced",
            f"coalesced: sent with the other notices of this kind at {release_at:%H:%M:%S} UTC",
        )
    return NewDelivery(
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
        status=status,
        decision=decision,
        event=origin.event_json,
        unsubscribe_url=link,
        calendar=build_ics(email.calendar) if email.calendar else None,
        calendar_method=email.calendar.method if email.calendar else None,
        release_at=release_at,
    )


async def _waiting(
    conn: asyncpg.Connection,
    settings: Settings,
    emails: list[PlannedEmail],
    decided: list[Disposition],
    now: datetime,
) -> dict[int, datetime]:
    """Staff notices going now: the first of a window goes (and opens one), the others wait for its end.
    {index of a waiting email: when its window ends}."""
    window = timedelta(seconds=settings.staff_notice_window_seconds)
    candidates = [
        i for i, (e, d) in enumerate(zip(emails, decided, strict=True)) if coalesces(e) and d.status == "pending"
    ]
    if window <= timedelta(0) or not candidates:
        return {}
    keys = {i: (emails[i].recipient.email.lower(), emails[i].template) for i in candidates}
    last = await coalescing.last_sent(conn, list(keys.values()))
    opened, waiting = [], {}
    for i, key in keys.items():
        until = held_until(last.get(key), now, window)
        if until is None:
            opened.append(key)
            last[key] = now
        else:
            waiting[i] = until
    await coalescing.opened(conn, opened, now)
    return waiting
