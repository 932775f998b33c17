"""Wake a background loop on PostgreSQL NOTIFY, with polling as the fallback.

A notification is delivered on commit of the transaction that sent it; it can be lost when the
listening connection drops, which is why every waiter also wakes after `poll_interval`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

import asyncpg

log = logging.getLogger(__name__)


class NotifyWakeup:
    def __init__(self, dsn: str, channel: str) -> None:
        self.dsn = dsn
        self.channel = channel
        self._event = asyncio.Event()
        self._conn: asyncpg.Connection | None = None

    async def _ensure_listening(self) -> None:
        """Best effort, never raises: LISTEN again on a new connection, else the waiter just polls.

        Any error counts, not only "cannot connect": PostgreSQL stopping between the connection and the
        LISTEN raises InterfaceError ("connection was closed in the middle of operation"), which used to
        escape from `wait()` and end the loop waiting here (the outbox relay, the delivery worker)."""
        if self._conn is not None and not self._conn.is_closed():
            return
        conn = None
        try:
            conn = await asyncpg.connect(self.dsn, timeout=5)
            async with asyncio.timeout(5):  # not wait_for: see wait()
                await conn.add_listener(self.channel, self._on_notify)
            self._conn = conn
        except Exception as error:
            self._conn = None
            if conn is not None:
                conn.terminate()
            log.debug("LISTEN unavailable, polling only", extra={"channel": self.channel, "error": repr(error)})

    def _on_notify(self, *_: object) -> None:
        self._event.set()

    def poke(self) -> None:
        """Wake the waiter from within this process."""
        self._event.set()

    async def wait(self, poll_interval: float) -> None:
        """Return on the next notification or after poll_interval seconds, whichever comes first."""
        await self._ensure_listening()
        # Not asyncio.wait_for: on Python 3.11 it loses a cancellation that arrives as the event is set,
        # and the loop calling us (the outbox relay, the delivery worker) would then never stop.
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(poll_interval):
                await self._event.wait()
        self._event.clear()

    async def close(self) -> None:
        if self._conn is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._conn.close(), 2)
            self._conn = None
