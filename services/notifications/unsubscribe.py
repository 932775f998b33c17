"""The public unsubscribe link: GET shows a confirmation page in the recipient's language (so that
link scanners do not unsubscribe anyone), POST unsubscribes (also RFC 8058 one-click)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query
from fastapi.responses import HTMLResponse

from services.notifications import storage
from services.notifications.recording import UNSUBSCRIBE_PURPOSE
from services.notifications.rendering import render_page
from shared.runtime import Runtime, runtime_of
from shared.security.signing import InvalidToken, verify

router = APIRouter(tags=["unsubscribe"])
PAGE = "_unsubscribe_page.html"
Token = Annotated[str, Query(min_length=10, max_length=2000)]
INVALID_LINK = {400: {"description": "The link is not valid, or has expired", "content": {"text/html": {}}}}


def _page(language: str, *, done: bool, status: int = 200) -> HTMLResponse:
    html, used = render_page(PAGE, language, {"done": done})
    return HTMLResponse(html, status_code=status, headers={"Content-Language": used})


def _invalid(reason: str) -> HTMLResponse:
    return HTMLResponse(f"<!DOCTYPE html><p>{reason}</p>", status_code=400)


@router.get("/unsubscribe", response_class=HTMLResponse, responses=INVALID_LINK)
async def confirm_page(token: Token, runtime: Annotated[Runtime, Depends(runtime_of)]) -> HTMLResponse:
    try:
        data = verify(runtime.settings.signing_key, UNSUBSCRIBE_PURPOSE, token, now=runtime.clock())
    except InvalidToken as error:
        return _invalid(error.reason)
    return _page(data.get("l", "en"), done=False)


@router.post("/unsubscribe", response_class=HTMLResponse, responses=INVALID_LINK)
async def unsubscribe(token: Token, runtime: Annotated[Runtime, Depends(runtime_of)]) -> HTMLResponse:
    try:
        data = verify(runtime.settings.signing_key, UNSUBSCRIBE_PURPOSE, token, now=runtime.clock())
    except InvalidToken as error:
        return _invalid(error.reason)
    await storage.opt_out(runtime.pool, data["r"], data["k"])
    return _page(data.get("l", "en"), done=True)
