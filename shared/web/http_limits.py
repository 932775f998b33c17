"""Limits for public endpoints: a per-client token bucket (429 + Retry-After) and a body-size cap (413).

An ASGI middleware, so that an oversize body is refused before any handler parses it. The client is
the connection's peer address (behind a reverse proxy, configure the proxy to pass the real address
with uvicorn's --proxy-headers). Buckets live in the process: each replica limits on its own.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Callable
from dataclasses import dataclass

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shared.web.middleware import HttpMiddleware
from shared.web.openapi import Answers, detail_answer

MAX_TRACKED_CLIENTS = 10_000
LIMIT_ANSWERS: Answers = {
    413: detail_answer("The body is larger than the limit"),
    429: detail_answer("Too many requests from this client", headers={"Retry-After": {"schema": {"type": "integer"}}}),
}
"""What PublicLimits may answer instead of the handler, for the OpenAPI document."""


@dataclass
class _Bucket:
    tokens: float
    updated: float


class TokenBuckets:
    """`capacity` requests at once per key, refilled at `capacity` per `period` seconds."""

    def __init__(self, capacity: int, period: float = 60.0, clock: Callable[[], float] = time.monotonic) -> None:
        self.capacity = capacity
        self.rate = capacity / period
        self.clock = clock
        self._buckets: dict[str, _Bucket] = {}

    def take(self, key: str) -> float:
        """0 when allowed (a token is taken), else the seconds until the next token."""
        now = self.clock()
        bucket = self._buckets.get(key)
        if bucket is None:
            self._forget_full(now)
            bucket = self._buckets[key] = _Bucket(float(self.capacity), now)
        bucket.tokens = min(self.capacity, bucket.tokens + (now - bucket.updated) * self.rate)
        bucket.updated = now
        if bucket.tokens >= 1:
            bucket.tokens -= 1
            return 0.0
        return (1 - bucket.tokens) / self.rate

    def _forget_full(self, now: float) -> None:
        if len(self._buckets) >= MAX_TRACKED_CLIENTS:
            full = [k for k, b in self._buckets.items() if b.tokens + (now - b.updated) * self.rate >= self.capacity]
            for key in full or list(self._buckets)[: MAX_TRACKED_CLIENTS // 10]:
                del self._buckets[key]


class PublicLimits(HttpMiddleware):
    """Applies to requests for which `applies(method, path)` is true; others pass untouched.

    `rate_per_minute` 0 turns rate limiting off (the body cap stays).
    """

    def __init__(
        self,
        app: ASGIApp,
        *,
        applies: Callable[[str, str], bool],
        rate_per_minute: int,
        max_body_bytes: int,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__(app)
        self.applies_to = applies
        self.max_body_bytes = max_body_bytes
        self.buckets = TokenBuckets(rate_per_minute, 60.0, clock) if rate_per_minute > 0 else None

    def applies(self, scope: Scope) -> bool:
        return self.applies_to(scope["method"], scope["path"])

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self.buckets is not None:
            client = (scope.get("client") or ("unknown", 0))[0]
            wait = self.buckets.take(client)
            if wait > 0:
                retry = str(max(1, math.ceil(wait)))
                await _answer(send, 429, "Too many requests: please wait and try again.", {"retry-after": retry})
                return
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > self.max_body_bytes):
            await _answer(send, 413, f"The request body is larger than {self.max_body_bytes} bytes.")
            return
        body, complete = await _read_at_most(receive, self.max_body_bytes)
        if not complete:
            await _answer(send, 413, f"The request body is larger than {self.max_body_bytes} bytes.")
            return
        await self.app(scope, _replay(body), send)


async def _read_at_most(receive: Receive, limit: int) -> tuple[bytes, bool]:
    chunks, size = [], 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return b"", False
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            return b"", False
        chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks), True


def _replay(body: bytes) -> Receive:
    sent = False

    async def receive() -> Message:
        nonlocal sent
        if sent:
            return {"type": "http.disconnect"}
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    return receive


async def _answer(send: Send, status: int, detail: str, headers: dict[str, str] | None = None) -> None:
    body = json.dumps({"detail": detail}).encode()
    raw = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    raw += [(k.encode(), v.encode()) for k, v in (headers or {}).items()]
    await send({"type": "http.response.start", "status": status, "headers": raw})
    await send({"type": "http.response.body", "body": body})
