"""Finding 10 of [4/6]: the public rate limit trusts X-Forwarded-For only from configured proxies and is
counted across replicas. Alone: which address is the client, and how long to wait. Over real PostgreSQL:
the shared counter. Over two registration processes on one database: one limit for both."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Iterator

import asyncpg
import httpx
import pytest

from deploy.local.processes import free_port
from deploy.local.stack import ServiceProcess
from shared.security.client_address import forwarded_client, networks
from shared.storage.rate_limits import SharedRateLimit, wait_after
from tests.registration_helpers import email, form, new_call

PROXIES = networks(("10.0.0.0/8", "2001:db8::/32"))


def test_forwarded_for_is_read_from_the_right_and_only_from_trusted_proxies():
    assert forwarded_client("203.0.113.7", "198.51.100.1", PROXIES) == "203.0.113.7"  # not a proxy: ignored
    assert forwarded_client("10.0.0.2", None, PROXIES) == "10.0.0.2"
    assert forwarded_client("10.0.0.2", "198.51.100.1", PROXIES) == "198.51.100.1"
    # what the client wrote on the left is ignored; proxies on the right are skipped
    assert forwarded_client("10.0.0.2", "6.6.6.6, 198.51.100.1, 10.0.0.9", PROXIES) == "198.51.100.1"
    assert forwarded_client("2001:db8::1", "2001:db8::2, 192.0.2.5", PROXIES) == "192.0.2.5"
    assert forwarded_client("10.0.0.2", "10.0.0.3, 10.0.0.4", PROXIES) == "10.0.0.3"
    assert forwarded_client("10.0.0.2", "unknown", PROXIES) == "10.0.0.2"
    with pytest.raises(ValueError):
        networks(("not-an-address",))


def test_the_sliding_window_waits_as_long_as_the_previous_window_still_counts():
    assert wait_after(3, 0, 10.0, capacity=3, period=60.0) == 0
    assert wait_after(4, 0, 10.0, capacity=3, period=60.0) == 50
    assert wait_after(1, 3, 30.0, capacity=3, period=60.0) == 0  # 1.5 of the previous 3 still count
    assert wait_after(2, 3, 15.0, capacity=3, period=60.0) == 25  # 3 x (1 - 40/60) + 2 = 3 at 40 s
    assert wait_after(1, 9, 0.0, capacity=3, period=60.0) >= 1


async def test_the_counter_in_postgresql_is_one_for_every_process(stack):
    pools = [
        await asyncpg.create_pool(stack.config.database_url, min_size=1, max_size=2,
                                  server_settings={"search_path": "registration"})
        for _ in range(2)
    ]  # fmt: skip
    try:
        first, second = (SharedRateLimit(lambda p=p: p, capacity=4, period=3600.0) for p in pools)
        client = f"test-{email()}"
        waits = [await (first if n % 2 else second).take(client) for n in range(6)]
        assert waits[:4] == [0, 0, 0, 0] and all(w > 0 for w in waits[4:])
        assert await first.take(f"other-{client}") == 0
        concurrent = await asyncio.gather(*(first.take(f"burst-{client}") for _ in range(10)))
        assert sum(1 for w in concurrent if w == 0) == 4
    finally:
        for pool in pools:
            await pool.close()


async def test_a_database_that_cannot_be_reached_lets_the_request_through():
    class Gone:
        def acquire(self):
            raise OSError("connection refused")

    assert await SharedRateLimit(lambda: Gone(), capacity=1).take("anyone") == 0


LIMIT = 3


@pytest.fixture(scope="module")
def replicas(stack, tmp_path_factory) -> Iterator[list[ServiceProcess]]:
    """Two more registration processes on the same database: a low limit, localhost as a trusted proxy."""
    processes = []
    for n in range(2):
        config = dataclasses.replace(
            stack.config,
            ports=dict(stack.config.ports, registration=free_port()),
            log_dir=tmp_path_factory.mktemp(f"replica-{n}"),
            extra_env=dict(stack.config.extra_env, PUBLIC_RATE_LIMIT=str(LIMIT), TRUSTED_PROXIES="127.0.0.1/32"),
        )
        processes.append(ServiceProcess("registration", config))
    for process in processes:
        process.start()
    try:
        for process in processes:
            process.wait_ready()
        yield processes
    finally:
        for process in processes:
            process.stop()


async def test_10_the_rate_limit_trusts_forwarded_for_only_from_proxies_and_counts_across_replicas(client, replicas):
    slug = await new_call(client)
    path = f"/api/v1/calls/{slug}/applications"
    clients = [httpx.AsyncClient(base_url=p.url, timeout=20) for p in replicas]
    try:
        behind_proxy = {"X-Forwarded-For": "198.51.100.23"}
        answers = [
            (await clients[n % 2].post(path, json=form(email()), headers=behind_proxy)).status_code
            for n in range(LIMIT + 2)
        ]
        assert answers == [201] * LIMIT + [429] * 2  # one limit whichever replica answers
        neighbour = await clients[0].post(path, json=form(email()), headers={"X-Forwarded-For": "198.51.100.24"})
        assert neighbour.status_code == 201  # another client behind the same proxy has its own
    finally:
        for c in clients:
            await c.aclose()
