"""Registration's periodic worker: announce closed calls, erase expired personal data."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from datetime import timedelta

from services.registration.workflows.privacy import announce_closed_calls, erase_expired
from shared.runtime import Runtime

log = logging.getLogger(__name__)

INTERVAL_SECONDS = 60.0


async def run_once(runtime: Runtime) -> tuple[int, int]:
    """One pass at the runtime's clock: (calls announced closed, applications erased)."""
    now = runtime.clock()
    closed = await announce_closed_calls(runtime.pool, now)
    erased = await erase_expired(runtime.pool, now, timedelta(days=runtime.settings.rejected_retention_days))
    if closed or erased:
        log.info("periodic jobs", extra={"calls_closed": closed, "applications_erased": erased})
    return closed, erased


def workers(runtime: Runtime) -> Sequence[Callable[[], Awaitable[None]]]:
    async def periodic_jobs() -> None:
        while True:
            try:
                await run_once(runtime)
            except Exception as error:  # a failed pass is retried at the next tick
                log.warning("periodic jobs failed", extra={"error": repr(error)})
            await asyncio.sleep(INTERVAL_SECONDS)

    return [periodic_jobs]
