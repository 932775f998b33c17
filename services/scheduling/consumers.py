"""What scheduling consumes: registration's events, each payload class with its handler
(workflows.cities; SessionsEnded: workflows.ended_sessions), all run by one idempotent consumer group."""

from __future__ import annotations

from collections.abc import Mapping
from functools import partial

from services.scheduling.workflows import cities, ended_sessions
from shared.contracts import ApplicationSubmitted, CitySignedUp, ContactChanged, PersonErased, SessionsEnded, topics
from shared.contracts.events import Payload
from shared.dependencies import Dependencies
from shared.messaging.consumer import Consumption, Handler

CONSUMER = "scheduling"
TOPICS = (topics.REGISTRATION,)


def handlers(deps: Dependencies) -> Mapping[type[Payload], Handler]:
    return {
        ApplicationSubmitted: cities.application_submitted,
        CitySignedUp: cities.city_changed,
        ContactChanged: cities.city_changed,
        PersonErased: partial(cities.person_erased, deps),
        SessionsEnded: partial(ended_sessions.sessions_ended, deps),
    }


CONSUMES = Consumption(group=CONSUMER, topics=TOPICS, handlers=handlers)
