"""Kafka subscribers of registration: none. Registration is the source of its events and needs no
other service's: selected cities become cities here, in the release transaction."""

from __future__ import annotations

from collections.abc import Sequence

from shared.contracts.topics import Topic
from shared.dependencies import Dependencies
from shared.messaging.consumer import IdempotentConsumer


def build(deps: Dependencies) -> Sequence[tuple[Topic, IdempotentConsumer]]:
    return ()
