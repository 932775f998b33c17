"""Background loops of a service process (outbox relay, delivery worker, reminders), kept running.

A loop is meant to run until the process stops and handles the failures it expects (database or
broker down) itself. An exception it did not expect used to end its task silently: the HTTP side
stayed healthy while, say, no email was ever sent again. `keep_running` logs such a crash with its
traceback, counts it, and starts the loop again after a capped backoff.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

log = logging.getLogger(__name__)

FIRST_DELAY = 1.0
MAX_DELAY = 30.0
STABLE_AFTER = 60.0
"""A loop that ran this long before crashing starts again after FIRST_DELAY, not the grown backoff."""


async def keep_running(
    name: str,
    loop: Callable[[], Awaitable[None]],
    on_crash: Callable[[str], None] = lambda name: None,
    *,
    first_delay: float = FIRST_DELAY,
) -> None:
    """Run `loop()` until cancelled, restarting it whenever it raises or returns."""
    delay = first_delay
    clock = asyncio.get_running_loop().time
    while True:
        started = clock()
        try:
            await loop()
            log.error("background loop returned, starting it again", extra={"loop": name, "retry_in": delay})
        except Exception:
            log.exception("background loop crashed, starting it again", extra={"loop": name, "retry_in": delay})
        on_crash(name)
        if clock() - started >= STABLE_AFTER:
            delay = first_delay
        await asyncio.sleep(delay)
        delay = min(delay * 2, MAX_DELAY)
