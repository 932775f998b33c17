"""The topics of the platform: part of the wire contract (each payload names its topic).

The broker runs with auto-creation off: `shared.messaging.kafka.ensure_topics` creates these
explicitly at start-up, so a topic with the wrong partition count cannot appear by accident. Each
producing service owns one topic; events are keyed by aggregate id.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Topic:
    name: str
    partitions: int
    owner: str = ""
    """The service that produces to it (empty: any service, e.g. the dead-letter topic)."""
    retention_ms: int = 14 * 24 * 3600 * 1000


REGISTRATION = Topic("pactesur.registration.events", partitions=6, owner="registration")
SCHEDULING = Topic("pactesur.scheduling.events", partitions=6, owner="scheduling")
NOTIFICATIONS = Topic("pactesur.notifications.events", partitions=3, owner="notifications")
DEAD_LETTER = Topic("pactesur.deadletter", partitions=3, retention_ms=90 * 24 * 3600 * 1000)

ALL_TOPICS: tuple[Topic, ...] = (REGISTRATION, SCHEDULING, NOTIFICATIONS, DEAD_LETTER)
