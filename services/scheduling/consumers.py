"""Kafka subscribers of scheduling: registration's events feed the city projections.

- ApplicationSubmitted: the public list of cities heard of (status 'applicant');
- CitySignedUp / ContactChanged: the cities that may nominate, with focal point and deputy;
- PersonErased: the person's data is replaced by placeholders everywhere here, their places freed.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import asyncpg

from services.scheduling.domain.cities import city_from_application, known_city_of, signed_up_city
from services.scheduling.storage import cities as city_rows
from services.scheduling.storage import nominations as nomination_rows
from services.scheduling.storage import reminders as reminder_rows
from services.scheduling.workflows import nominating
from services.scheduling.workflows.publishing import context_of
from shared.contracts import ApplicationSubmitted, CitySignedUp, ContactChanged, PersonErased, topics
from shared.contracts.events import Event
from shared.contracts.topics import Topic
from shared.messaging.consumer import IdempotentConsumer
from shared.runtime import Runtime

CONSUMER = "scheduling"


async def on_application_submitted(conn: asyncpg.Connection, event: Event[Any]) -> None:
    await city_rows.upsert_city(conn, city_from_application(event.payload, event.occurred_at))


async def on_city_event(conn: asyncpg.Connection, event: Event[Any]) -> None:
    city = signed_up_city(event.payload, event.occurred_at)
    await city_rows.upsert_member(conn, city)
    await city_rows.upsert_city(conn, known_city_of(city))


def erasure_handler(runtime: Runtime):
    async def on_person_erased(conn: asyncpg.Connection, event: Event[Any]) -> None:
        payload: PersonErased = event.payload
        email = str(payload.email).lower()
        await city_rows.erase_contact(conn, payload.person_id, email)
        erased = await nomination_rows.erase_person(conn, payload.person_id, email, event.occurred_at)
        for nomination_id in erased:
            await reminder_rows.cancel_pending(conn, nomination_id=nomination_id)
        work = context_of(runtime.settings, runtime.clock, "privacy erasure")
        for activity_id in {(await nomination_rows.nomination(conn, n))["activity_id"] for n in erased}:
            row = await nominating.locked_activity(conn, activity_id)
            await nominating.promote(conn, work, row, "nomination_cancelled")

    return on_person_erased


def build(runtime: Runtime) -> Sequence[tuple[Topic, IdempotentConsumer]]:
    handlers = {
        ApplicationSubmitted: on_application_submitted,
        CitySignedUp: on_city_event,
        ContactChanged: on_city_event,
        PersonErased: erasure_handler(runtime),
    }
    return [(topics.REGISTRATION, IdempotentConsumer(CONSUMER, runtime.pool, handlers, runtime.dead_letters))]
