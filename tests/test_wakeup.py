"""A wakeup never fails its waiter: without LISTEN (PostgreSQL down or stopping) it falls back to polling."""

import asyncio

import asyncpg
import pytest

from shared.messaging import wakeup
from shared.messaging.wakeup import NotifyWakeup


class ClosedMidOperation:
    """A connection that PostgreSQL closes between connecting and LISTEN (it is shutting down)."""

    terminated = False

    async def add_listener(self, channel, callback):
        raise asyncpg.ConnectionDoesNotExistError("connection was closed in the middle of operation")

    def is_closed(self) -> bool:
        return self.terminated

    def terminate(self) -> None:
        self.terminated = True


@pytest.mark.parametrize(
    "connect_error",
    [None, ConnectionRefusedError(111, "Connection refused"), asyncpg.CannotConnectNowError("starting up")],
    ids=["closed-before-listen", "refused", "starting-up"],
)
async def test_a_wait_polls_when_listen_is_unavailable(monkeypatch, connect_error):
    made = []

    async def connect(dsn, timeout):
        if connect_error is not None:
            raise connect_error
        made.append(ClosedMidOperation())
        return made[-1]

    monkeypatch.setattr(wakeup.asyncpg, "connect", connect)
    waiter = NotifyWakeup("postgresql://stopping.example.eu/db", "outbox_wakeup")
    started = asyncio.get_running_loop().time()
    await waiter.wait(poll_interval=0.05)
    assert asyncio.get_running_loop().time() - started >= 0.04, "it waited for the poll interval"
    assert all(conn.terminated for conn in made), "a half-made connection is not left open"
    waiter.poke()
    await asyncio.wait_for(waiter.wait(poll_interval=10), 1)
