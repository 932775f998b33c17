"""A dead letter of notifications as staff see it, and what a replay does with it (one rule for both)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

ReplayAction = Literal["resend", "republish", "skip"]
REPLAY_ACTIONS: tuple[ReplayAction, ...] = ("resend", "republish", "skip")
DELIVERY_CONSUMER = "notifications.delivery"
"""Who dead-letters an event whose email finally failed (workflows/sending.py)."""
EVENT_CONSUMER = "notifications"
"""The consumer of events (workflows/events.CONSUMER)."""


@dataclass(frozen=True)
class DeadLetter:
    topic: str
    partition: int
    offset: int
    dead_lettered_at: datetime
    consumer: str
    source: str
    """`topic/partition/offset` of a consumed message, `deliveries/<id>` of a finally failed email."""
    reason: str
    action: ReplayAction


def replay_action(consumer: str | None, source: str) -> ReplayAction:
    """A failed email is made due again; a message the consumer could not process is produced again
    to its source topic; anything else (another service's dead letter) is left alone."""
    if consumer == DELIVERY_CONSUMER and source.startswith("deliveries/"):
        return "resend"
    if consumer == EVENT_CONSUMER and source.count("/") == 2:
        return "republish"
    return "skip"
