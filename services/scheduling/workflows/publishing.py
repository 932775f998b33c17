"""The context of one transaction (clock, ids, links, who acts) and the one way scheduling emits events."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from email.utils import parseaddr
from typing import Any

import asyncpg

from services.scheduling.domain.invitations import (
    DEFAULT_ORGANISER,
    Links,
    activity_of,
    invitation_of,
    scheduling_base_url,
)
from services.scheduling.storage import nominations as nomination_rows
from shared.contracts import Activity, Invitation, Organiser
from shared.contracts.events import Payload, new_event
from shared.logs import correlation_id
from shared.messaging.outbox import enqueue
from shared.settings import Settings

PRODUCER = "scheduling"


@dataclass(frozen=True)
class Context:
    """What a change needs besides the database: the time, new ids, links, and who acts."""

    now: datetime
    new_id: Callable[[], uuid.UUID]
    links: Links
    actor: str

    def activity(self, row: dict[str, Any]) -> Activity:
        return activity_of(row, self.links)

    def invitation(self, activity: Activity, nomination: dict[str, Any]) -> Invitation:
        return invitation_of(activity, nomination, self.links)


def links_of(settings: Settings) -> Links:
    base = scheduling_base_url(str(settings.public_base_url), settings.registration_port, settings.scheduling_port)
    name, address = parseaddr(settings.mail_from)
    organiser = Organiser(name=name or "PACTESUR 2", email=address) if "@" in address else DEFAULT_ORGANISER
    return Links(base_url=base, secret=settings.signing_key, organiser=organiser)


def context_of(settings: Settings, clock: Callable[[], datetime], actor: str) -> Context:
    return Context(now=clock(), new_id=uuid.uuid4, links=links_of(settings), actor=actor)


async def emit(conn: asyncpg.Connection, context: Context, payload: Payload, *, key: Any) -> None:
    """Write the event to the outbox in the caller's transaction (key: the activity id)."""
    event = new_event(
        payload,
        key=str(key),
        event_id=context.new_id(),
        occurred_at=context.now,
        producer=PRODUCER,
        correlation_id=correlation_id.get() or str(context.new_id()),
    )
    await enqueue(conn, event)


async def active_invitations(conn: asyncpg.Connection, context: Context, activity: Activity) -> tuple:
    """The invitations of everyone confirmed or waitlisted, as they stand now."""
    rows = await nomination_rows.nominations(conn, activity.activity_id)
    return tuple(context.invitation(activity, r) for r in rows if r["status"] in nomination_rows.ACTIVE)
