"""Background loops of a service process (outbox relay, delivery worker, reminders), kept running.

A worker is a loop of rounds (`in_rounds`): each round is one workflow call; a round that did a
full batch is followed at once by the next, otherwise the loop waits (a timer or a wakeup); a round
that fails as expected (database or broker down) is logged and tried again after the wait.

An exception a loop did not expect used to end its task silently: the HTTP side stayed healthy
while, say, no email was ever sent again. `keep_running` logs such a crash with its traceback,
counts it, and starts the loop again after a capped backoff.
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


async def in_rounds(
    name: str,
    round_: Callable[[], Awaitable[int]],
    *,
    wait: Callable[[], Awaitable[object]],
    batch: int | None = None,
    expected: tuple[type[BaseException], ...] = (Exception,),
    pause_after_failure: float = 0.0,
) -> None:
    """Run `round_()` (it returns how much it did) until cancelled; see the module docstring."""
    while True:
        try:
            done = await round_()
        except expected as error:
            log.warning("background round failed", extra={"loop": name, "error": repr(error)})
            done = 0
            await asyncio.sleep(pause_after_failure)
        if batch is None or done < batch:
            await wait()


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
