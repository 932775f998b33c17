"""Registration's background loop: every minute, announce the calls that closed, erase the personal
data whose retention period is over, destroy the keys of people erased past the grace period, and
follow up selected cities that have not signed up
(workflows/calls.py, workflows/privacy.py, workflows/cities.py)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from functools import partial

from services.registration.workflows.calls import announce_closed_calls
from services.registration.workflows.cities import follow_up_signups
from services.registration.workflows.privacy import destroy_erased_keys, erase_expired
from shared.background import in_rounds
from shared.dependencies import Dependencies

log = logging.getLogger(__name__)

INTERVAL_SECONDS = 60.0


async def periodic_round(deps: Dependencies) -> int:
    """One pass at the clock of `deps`; returns calls announced closed + applications erased."""
    closed = await announce_closed_calls(deps)
    erased = await erase_expired(deps)
    followed = await follow_up_signups(deps)
    shredded = await destroy_erased_keys(deps)
    if closed or erased or followed or shredded:
        extra = {"calls_closed": closed, "applications_erased": erased, "signups_followed_up": followed}
        extra["keys_destroyed"] = shredded
        log.info("periodic jobs", extra=extra)
    return closed + erased + followed


def build(deps: Dependencies) -> list[Callable[[], Awaitable[None]]]:
    async def periodic_jobs() -> None:
        await in_rounds("periodic_jobs", partial(periodic_round, deps), wait=partial(asyncio.sleep, INTERVAL_SECONDS))

    return [periodic_jobs]
