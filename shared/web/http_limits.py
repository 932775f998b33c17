"""Limits for public endpoints: a per-client rate limit (429 + Retry-After) and a body-size cap (413).

An ASGI middleware, so that an oversize body is refused before any handler parses it. The client is
the connection's peer, or behind trusted reverse proxies the address they forwarded
(shared.security.client_address); the requests are counted in PostgreSQL across every replica
(shared.storage.rate_limits), so a client gets the same limit whichever process or host answers.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from typing import Protocol

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shared.security.client_address import Network, client_of
from shared.web.middleware import HttpMiddleware
from shared.web.openapi import Answers, detail_answer

LIMIT_ANSWERS: Answers = {
    413: detail_answer("The body is larger than the limit"),
    429: detail_answer("Too many requests from this client", headers={"Retry-After": {"schema": {"type": "integer"}}}),
}
"""What PublicLimits may answer instead of the handler, for the OpenAPI document."""


class RateLimiter(Protocol):
    """Counts a request of `key`: 0 when allowed, else the seconds to wait (shared.storage.rate_limits)."""

    async def take(self, key: str) -> float: ...


class PublicLimits(HttpMiddleware):
    """Applies to requests for which `applies(method, path)` is true; others pass untouched.

    `limiter` None turns rate limiting off (the body cap stays). The client is
    shared.security.client_address's (X-Forwarded-For believed only from `trusted` proxies).
    """

    def __init__(
        self,
        app: ASGIApp,
        *,
        applies: Callable[[str, str], bool],
        limiter: RateLimiter | None,
        max_body_bytes: int,
        trusted: tuple[Network, ...] = (),
    ) -> None:
        super().__init__(app)
        self.applies_to = applies
        self.max_body_bytes = max_body_bytes
        self.limiter = limiter
        self.trusted = trusted

    def applies(self, scope: Scope) -> bool:
        return self.applies_to(scope["method"], scope["path"])

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self.limiter is not None:
            wait = await self.limiter.take(client_of(scope, self.trusted) or "unknown")
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
