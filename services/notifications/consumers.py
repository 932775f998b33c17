"""What notifications consumes: registration's and scheduling's events, each payload class with its
handler (workflows.events), all run by one idempotent consumer group. Every routed event becomes rows
in the delivery log; CitySignedUp and ContactChanged also keep each city's focal point and deputy (a
bounced focal point's email goes to the deputy); PersonErased removes the person's address and
stored bodies from it; SessionsEnded is kept so that ended sign-in sessions are refused here
(workflows.ended_sessions)."""

from __future__ import annotations

from collections.abc import Mapping
from functools import partial

from services.notifications.domain.routes import ROUTES
from services.notifications.storage.deliveries import WAKEUP_CHANNEL
from services.notifications.workflows import ended_sessions, events
from services.notifications.workflows.events import CONSUMER
from shared.contracts import CitySignedUp, ContactChanged, PersonErased, SessionsEnded, topics
from shared.contracts.events import Payload
from shared.dependencies import Dependencies
from shared.messaging.consumer import Consumption, Handler

TOPICS = (topics.REGISTRATION, topics.SCHEDULING)


def handlers(deps: Dependencies) -> Mapping[type[Payload], Handler]:
    record_emails = partial(events.record_emails, deps)
    ended = partial(ended_sessions.sessions_ended, deps)
    contacts = {CitySignedUp: partial(events.city_signed_up, deps), ContactChanged: events.keep_city_contacts}
    people = {PersonErased: events.erase_person, SessionsEnded: ended}
    return {payload: record_emails for payload in ROUTES} | contacts | people


CONSUMES = Consumption(group=CONSUMER, topics=TOPICS, handlers=handlers, wakes=WAKEUP_CHANNEL)
"""Each committed event wakes this process's delivery loop."""
