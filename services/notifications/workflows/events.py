"""The consumer's use cases, each inside the transaction the idempotent consumer opened (`conn`):
an event's emails written to the delivery log; each city's focal point and deputy kept (a bounced
focal point's email goes to the deputy, workflows.bounces); a person's address and bodies erased."""

from __future__ import annotations

import logging
from typing import Any

import asyncpg

from services.notifications.domain.dead_letters import EVENT_CONSUMER
from services.notifications.domain.emails import NO_STAFF
from services.notifications.domain.routes import mails_staff, plan
from services.notifications.storage import erasure, focal_points
from services.notifications.workflows.recording import Origin, read_staff, record
from shared.contracts import CitySignedUp, ContactChanged, PersonErased
from shared.contracts.events import Event
from shared.dependencies import Dependencies
from shared.storage.transaction_memo import forget_all

log = logging.getLogger(__name__)

CONSUMER = EVENT_CONSUMER
"""The consumer group, and the name of its ledger entries (processed_events.consumer)."""


async def record_emails(deps: Dependencies, conn: asyncpg.Connection, event: Event[Any]) -> None:
    """Every email the event causes, one delivery row each; staff profiles are read only when staff are mailed."""
    staff = await read_staff(conn, deps.settings) if mails_staff(event.payload) else NO_STAFF
    emails = plan(event, staff.members)
    origin = Origin(event.event_id, event.type, event.correlation_id, event.received_json().decode())
    await record(conn, deps.settings, origin, emails, staff, now=deps.now())


async def keep_city_contacts(conn: asyncpg.Connection, event: Event[CitySignedUp | ContactChanged]) -> None:
    city = event.payload
    await focal_points.remember(conn, city.city_id, city.name, city.focal_point, city.deputy)


async def city_signed_up(deps: Dependencies, conn: asyncpg.Connection, event: Event[CitySignedUp]) -> None:
    await keep_city_contacts(conn, event)
    await record_emails(deps, conn, event)


async def erase_person(conn: asyncpg.Connection, event: Event[PersonErased]) -> None:
    forget_all()  # the person's profile, unsubscriptions and bounces go: later events must not see them
    await focal_points.forget(conn, str(event.payload.email))
    erased = await erasure.erase_person(conn, str(event.payload.email), event.payload.names)
    log.info("person erased from the delivery log", extra={"rows": erased})
