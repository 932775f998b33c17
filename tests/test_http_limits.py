"""shared.web.http_limits: the per-client token bucket (429 + Retry-After) and the body cap (413)."""

import httpx
from fastapi import FastAPI, Request

from shared.web.http_limits import PublicLimits, TokenBuckets


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def app_with_limits(clock: Clock, rate: int = 3, max_body: int = 100) -> FastAPI:
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
        rate_per_minute=rate,
        max_body_bytes=max_body,
        clock=clock,
    )
    return app


def client_of(app: FastAPI, address: str = "203.0.113.7") -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app, client=(address, 1234)), base_url="http://t")


async def test_a_client_over_its_rate_gets_429_with_retry_after_then_recovers():
    clock = Clock()
    app = app_with_limits(clock)
    async with client_of(app) as client, client_of(app, "198.51.100.1") as other:
        assert [(await client.post("/public")).status_code for _ in range(3)] == [200, 200, 200]
        refused = await client.post("/public")
        assert refused.status_code == 429 and refused.headers["Retry-After"] == "20"
        assert (await other.post("/public")).status_code == 200  # per client
        assert (await client.post("/staff")).status_code == 200  # only where it applies
        clock.now += 20
        assert (await client.post("/public")).status_code == 200


async def test_oversize_bodies_are_413_declared_or_streamed():
    app = app_with_limits(Clock(), rate=0)
    async with client_of(app) as client:
        assert (await client.post("/public", content=b"x" * 100)).json() == {"size": 100}
        assert (await client.post("/public", content=b"x" * 101)).status_code == 413

        async def chunks():
            for _ in range(5):
                yield b"x" * 30

        assert (await client.post("/public", content=chunks())).status_code == 413
        assert (await client.post("/staff", content=b"x" * 1000)).status_code == 200


def test_buckets_forget_full_clients_when_too_many():
    clock = Clock()
    buckets = TokenBuckets(2, 60.0, clock)
    for n in range(10_050):
        buckets.take(f"client-{n}")
        clock.now += 0.001
    assert len(buckets._buckets) <= 10_001
