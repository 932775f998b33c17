"""Kafka subscribers of registration. It reacts to no other service's events yet ([2/5] adds some)."""

from __future__ import annotations

from collections.abc import Sequence

from shared.consumer import IdempotentConsumer
from shared.runtime import Runtime
from shared.topics import Topic


def build(runtime: Runtime) -> Sequence[tuple[Topic, IdempotentConsumer]]:
    return ()
