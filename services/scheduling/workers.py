"""Scheduling's background loop: a round of `workflows.reminding.send_due` every few seconds, at once
again while a full batch came out."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from functools import partial

from services.scheduling.workflows import reminding
from shared.background import in_rounds
from shared.dependencies import Dependencies

log = logging.getLogger(__name__)

BATCH = 100
POLL_SECONDS = 5.0


async def reminder_round(deps: Dependencies) -> int:
    sent = await reminding.send_due(deps, BATCH)
    if sent:
        log.info("reminders emitted", extra={"count": sent})
    return sent


def build(deps: Dependencies, poll_seconds: float = POLL_SECONDS) -> list[Callable[[], Awaitable[None]]]:
    async def send_reminders() -> None:
        await in_rounds(
            "send_reminders", partial(reminder_round, deps), wait=partial(asyncio.sleep, poll_seconds), batch=BATCH
        )

    return [send_reminders]
