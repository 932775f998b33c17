"""shared.web.http_limits: the per-client rate limit (429 + Retry-After) and the body cap (413). The
limiter here counts in memory; the one in PostgreSQL, shared by replicas, is tests/test_rate_limits.py's."""

import httpx
from fastapi import FastAPI, Request

from shared.security.client_address import networks
from shared.web.http_limits import PublicLimits


class Limiter:
    """`rate` requests per key, then a 20 s wait, until `reset()`."""

    def __init__(self, rate: int) -> None:
        self.rate = rate
        self.counts: dict[str, int] = {}

    async def take(self, key: str) -> float:
        self.counts[key] = self.counts.get(key, 0) + 1
        return 0.0 if self.counts[key] <= self.rate else 20.0

    def reset(self) -> None:
        self.counts.clear()


def app_with_limits(limiter: Limiter | None, max_body: int = 100, trusted: str = "") -> FastAPI:
    app = FastAPI()

    @app.post("/public")
    async def public(request: Request) -> dict:
        return {"size": len(await request.body())}

    @app.post("/staff")
    async def staff(request: Request) -> dict:
        return {"size": len(await request.body())}

    app.add_middleware(
        PublicLimits,
        applies=lambda method, path: path == "/public",
        limiter=limiter,
        max_body_bytes=max_body,
        trusted=networks(tuple(trusted.split(","))),
    )
    return app


def client_of(app: FastAPI, address: str = "203.0.113.7") -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app, client=(address, 1234)), base_url="http://t")


async def test_a_client_over_its_rate_gets_429_with_retry_after_then_recovers():
    limiter = Limiter(3)
    app = app_with_limits(limiter)
    async with client_of(app) as client, client_of(app, "198.51.100.1") as other:
        assert [(await client.post("/public")).status_code for _ in range(3)] == [200, 200, 200]
        refused = await client.post("/public")
        assert refused.status_code == 429 and refused.headers["Retry-After"] == "20"
        assert (await other.post("/public")).status_code == 200  # per client
        assert (await client.post("/staff")).status_code == 200  # only where it applies
        limiter.reset()
        assert (await client.post("/public")).status_code == 200


async def test_the_client_behind_a_trusted_proxy_is_the_forwarded_one():
    limiter = Limiter(1)
    app = app_with_limits(limiter, trusted="10.0.0.0/8")
    async with client_of(app, "10.1.2.3") as proxy, client_of(app, "203.0.113.7") as direct:
        for client in ("198.51.100.1", "198.51.100.2"):
            assert (await proxy.post("/public", headers={"X-Forwarded-For": f"1.2.3.4, {client}"})).status_code == 200
        spoofed = await direct.post("/public", headers={"X-Forwarded-For": "198.51.100.9"})
        assert spoofed.status_code == 200
        again = await direct.post("/public", headers={"X-Forwarded-For": "198.51.100.10"})
        assert again.status_code == 429  # an untrusted peer is counted by its own address
    assert set(limiter.counts) == {"198.51.100.1", "198.51.100.2", "203.0.113.7"}


async def test_oversize_bodies_are_413_declared_or_streamed():
    app = app_with_limits(None)
    async with client_of(app) as client:
        assert (await client.post("/public", content=b"x" * 100)).json() == {"size": 100}
        assert (await client.post("/public", content=b"x" * 101)).status_code == 413

        async def chunks():
            for _ in range(5):
                yield b"x" * 30

        assert (await client.post("/public", content=chunks())).status_code == 413
        assert (await client.post("/staff", content=b"x" * 1000)).status_code == 200
