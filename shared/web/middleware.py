"""The one skeleton of our pure ASGI middlewares, and the unit-of-work middleware every service runs.

Pure ASGI (not Starlette's BaseHTTPMiddleware) keeps streaming and background tasks intact and costs
one function call per request. A middleware subclasses `HttpMiddleware` and writes `handle`; other
scopes (lifespan, websocket) and requests it does not `apply` to pass through untouched.
`watching_response_start` gives it the response's status and headers as they go out.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shared.logs import client_address, correlation_id
from shared.messaging.outbox import collecting_writes
from shared.security.client_address import client_of

CORRELATION_HEADER = "X-Correlation-ID"


class HttpMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not self.applies(scope):
            await self.app(scope, receive, send)
            return
        await self.handle(scope, receive, send)

    def applies(self, scope: Scope) -> bool:
        return True

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        raise NotImplementedError


def watching_response_start(send: Send, watch: Callable[[Message], None]) -> Send:
    """`send`, calling `watch(message)` first on the response start (it may read the status or add headers)."""

    async def watched(message: Message) -> None:
        if message["type"] == "http.response.start":
            watch(message)
        await send(message)

    return watched


class UnitOfWorkMiddleware(HttpMiddleware):
    """Around every request: the correlation id (from X-Correlation-ID or new) is set for logs and
    events and echoed in the response, the client's address for audit logs; if the request committed
    outbox rows, the relay is woken once the response is out (see shared.messaging.outbox.collecting_writes)."""

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        value = _correlation_value(dict(scope["headers"]).get(CORRELATION_HEADER.lower().encode(), b""))
        header = (CORRELATION_HEADER.encode(), value.encode())

        def add_header(message: Message) -> None:
            message["headers"] = [*message.get("headers", []), header]

        token = correlation_id.set(value)
        runtime = scope["app"].state.runtime
        client = client_address.set(client_of(scope, runtime.settings.proxy_networks))
        try:
            with collecting_writes() as writes:
                await self.app(scope, receive, watching_response_start(send, add_header))
        finally:
            client_address.reset(client)
            correlation_id.reset(token)
        if writes.written:
            runtime.relay.wake()


def _correlation_value(incoming: bytes) -> str:
    text = incoming.decode("latin-1")
    return text if 0 < len(text) <= 200 and text.isprintable() else str(uuid.uuid4())
