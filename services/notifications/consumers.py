"""Kafka subscribers of notifications: {payload class: handler} built from Dependencies (FastStream-free),
in one idempotent consumer on the registration and scheduling topics. Every routed event becomes rows in
the delivery log; PersonErased removes the person's address and stored bodies from it."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import partial
from typing import TYPE_CHECKING

from services.notifications.domain.routes import ROUTES
from services.notifications.storage.deliveries import WAKEUP_CHANNEL
from services.notifications.workflows import events
from services.notifications.workflows.events import CONSUMER
from shared.contracts import PersonErased, topics
from shared.contracts.events import Payload
from shared.dependencies import Dependencies
from shared.messaging.consumer import IdempotentConsumer

if TYPE_CHECKING:
    from shared.contracts.topics import Topic
    from shared.messaging.consumer import Handler
    from shared.runtime import Runtime

TOPICS = (topics.REGISTRATION, topics.SCHEDULING)


def handlers(deps: Dependencies) -> Mapping[type[Payload], Handler]:
    record_emails = partial(events.record_emails, deps)
    return {payload: record_emails for payload in ROUTES} | {PersonErased: events.erase_person}


def build(runtime: Runtime) -> Sequence[tuple[Topic, IdempotentConsumer]]:
    """Each committed event wakes this process's delivery worker."""
    wake_delivery = runtime.wakeup(WAKEUP_CHANNEL).poke
    consumer = IdempotentConsumer(
        CONSUMER, runtime.pool, handlers(runtime.dependencies), runtime.dead_letters, after_commit=wake_delivery
    )
    return [(topic, consumer) for topic in TOPICS]
