"""The reminder worker: a round of `workflows.reminding.send_due` every few seconds, at once again
while a full batch came out."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from services.scheduling.workflows import reminding
from shared.dependencies import Dependencies

log = logging.getLogger(__name__)

BATCH = 100
POLL_SECONDS = 5.0


def build(deps: Dependencies, poll_seconds: float = POLL_SECONDS) -> list[Callable[[], Awaitable[None]]]:
    async def send_reminders() -> None:
        """Until cancelled; a failed round is logged and tried again at the next poll."""
        while True:
            try:
                sent = await reminding.send_due(deps, BATCH)
            except Exception as error:
                log.warning("reminder round failed", extra={"error": repr(error)})
                sent = 0
            if sent:
                log.info("reminders emitted", extra={"count": sent})
            if sent < BATCH:
                await asyncio.sleep(poll_seconds)

    return [send_reminders]
