"""Registration's background loop: on a timer, announce the calls that closed and erase the personal
data whose retention period is over (workflows/calls.py, workflows/privacy.py)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from datetime import timedelta

from services.registration.workflows.calls import announce_closed_calls
from services.registration.workflows.privacy import erase_expired
from shared.dependencies import Dependencies

log = logging.getLogger(__name__)

INTERVAL_SECONDS = 60.0


async def run_once(deps: Dependencies) -> tuple[int, int]:
    """One pass at the clock of `deps`: (calls announced closed, applications erased)."""
    closed = await announce_closed_calls(deps)
    erased = await erase_expired(deps, timedelta(days=deps.settings.rejected_retention_days))
    if closed or erased:
        log.info("periodic jobs", extra={"calls_closed": closed, "applications_erased": erased})
    return closed, erased


def workers(deps: Dependencies) -> Sequence[Callable[[], Awaitable[None]]]:
    async def periodic_jobs() -> None:
        while True:
            try:
                await run_once(deps)
            except Exception as error:  # a failed pass is retried at the next tick
                log.warning("periodic jobs failed", extra={"error": repr(error)})
            await asyncio.sleep(INTERVAL_SECONDS)

    return [periodic_jobs]
