"""Scheduling's background loops: a round of `workflows.reminding.send_due` every few seconds, at once
again while a full batch came out; every minute, the retention job of participants
(`workflows.retention.erase_ended`)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from functools import partial

from services.scheduling.workflows import reminding, retention
from shared.background import in_rounds
from shared.dependencies import Dependencies

log = logging.getLogger(__name__)

BATCH = 100
POLL_SECONDS = 5.0
RETENTION_INTERVAL_SECONDS = 60.0


async def reminder_round(deps: Dependencies) -> int:
    sent = await reminding.send_due(deps, BATCH)
    if sent:
        log.info("reminders emitted", extra={"count": sent})
    return sent


async def retention_round(deps: Dependencies) -> int:
    erased = await retention.erase_ended(deps)
    if erased:
        log.info("participants of ended activities erased", extra={"nominations": erased})
    return erased


def build(deps: Dependencies, poll_seconds: float = POLL_SECONDS) -> list[Callable[[], Awaitable[None]]]:
    async def send_reminders() -> None:
        await in_rounds(
            "send_reminders", partial(reminder_round, deps), wait=partial(asyncio.sleep, poll_seconds), batch=BATCH
        )

    async def erase_ended_participants() -> None:
        await in_rounds(
            "erase_ended_participants",
            partial(retention_round, deps),
            wait=partial(asyncio.sleep, RETENTION_INTERVAL_SECONDS),
        )

    return [send_reminders, erase_ended_participants]
