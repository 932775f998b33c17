"""What scheduling consumes: registration's events, each payload class with its handler
(workflows.cities), all run by one idempotent consumer group."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from functools import partial
from typing import Any

import asyncpg

from services.scheduling.workflows import cities
from shared.contracts import ApplicationSubmitted, CitySignedUp, ContactChanged, PersonErased, topics
from shared.contracts.events import Event, Payload
from shared.dependencies import Dependencies

CONSUMER = "scheduling"
TOPIC = topics.REGISTRATION


def handlers(deps: Dependencies) -> Mapping[type[Payload], Callable[[asyncpg.Connection, Event[Any]], Awaitable[None]]]:
    return {
        ApplicationSubmitted: cities.application_submitted,
        CitySignedUp: cities.city_changed,
        ContactChanged: cities.city_changed,
        PersonErased: partial(cities.person_erased, deps),
    }
