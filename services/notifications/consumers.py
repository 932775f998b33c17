"""Kafka subscribers of notifications: {payload class: handler} on the registration and scheduling
topics, built from Dependencies (`__main__` puts them in one idempotent consumer). Every routed event
becomes rows in the delivery log; PersonErased removes the person's address and stored bodies from it."""

from __future__ import annotations

from collections.abc import Mapping
from functools import partial
from typing import TYPE_CHECKING

from services.notifications.domain.routes import ROUTES
from services.notifications.workflows import events
from shared.contracts import PersonErased, topics
from shared.contracts.events import Payload
from shared.dependencies import Dependencies

if TYPE_CHECKING:
    from shared.messaging.consumer import Handler

TOPICS = (topics.REGISTRATION, topics.SCHEDULING)


def handlers(deps: Dependencies) -> Mapping[type[Payload], Handler]:
    record_emails = partial(events.record_emails, deps)
    return {payload: record_emails for payload in ROUTES} | {PersonErased: events.erase_person}
