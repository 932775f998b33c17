"""Liveness and readiness endpoints, the same on every service."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

Check = Callable[[Any], Awaitable[object]]
"""A readiness check receives `app.state.runtime` and raises when its dependency does not answer."""

CHECK_TIMEOUT = 3.0


async def _run(check: Check, runtime: Any) -> str:
    try:
        await asyncio.wait_for(check(runtime), CHECK_TIMEOUT)
    except Exception as error:
        return f"unavailable: {type(error).__name__}"
    return "ok"


def health_router(checks: Mapping[str, Check]) -> APIRouter:
    """`/health/live`: the process answers. `/health/ready`: every dependency answers now (else 503)."""
    router = APIRouter(prefix="/health", tags=["health"])

    @router.get("/live")
    async def live() -> dict[str, str]:
        return {"status": "live"}

    @router.get("/ready")
    async def ready(request: Request) -> JSONResponse:
        runtime = request.app.state.runtime
        names = list(checks)
        results = dict(zip(names, await asyncio.gather(*(_run(checks[n], runtime) for n in names)), strict=True))
        ok = all(r == "ok" for r in results.values())
        return JSONResponse(
            {"status": "ready" if ok else "not ready", "checks": results}, status_code=200 if ok else 503
        )

    return router
