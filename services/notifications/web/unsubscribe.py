"""The public unsubscribe link: GET shows a confirmation page in the recipient's language (so that
link scanners do not unsubscribe anyone), POST unsubscribes (also RFC 8058 one-click)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from fastapi.responses import HTMLResponse

from services.notifications.mail.rendering import environment
from services.notifications.workflows import preferences
from shared.dependencies import Dependencies
from shared.runtime import dependencies_of
from shared.security.signing import InvalidToken

router = APIRouter(tags=["unsubscribe"])
PAGES = Path(__file__).parent / "templates"
PAGE = "_unsubscribe_page.html"
Token = Annotated[str, Query(min_length=10, max_length=2000)]
Deps = Annotated[Dependencies, Depends(dependencies_of)]
INVALID_LINK = {400: {"description": "The link is not valid, or has expired", "content": {"text/html": {}}}}


def render_page(template: str, language: str, context: dict[str, Any]) -> tuple[str, str]:
    """An HTML page for a recipient, and the language used."""
    env = environment(PAGES, language)
    return env.get_template(template).render(context), env.globals["content_language"]


def _page(language: str, *, done: bool, status: int = 200) -> HTMLResponse:
    html, used = render_page(PAGE, language, {"done": done})
    return HTMLResponse(html, status_code=status, headers={"Content-Language": used})


def _invalid(reason: str) -> HTMLResponse:
    return HTMLResponse(f"<!DOCTYPE html><p>{reason}</p>", status_code=400)


@router.get("/unsubscribe", response_class=HTMLResponse, responses=INVALID_LINK)
async def confirm_page(token: Token, deps: Deps) -> HTMLResponse:
    try:
        wish = preferences.asked(deps, token)
    except InvalidToken as error:
        return _invalid(error.reason)
    return _page(wish.language, done=False)


@router.post("/unsubscribe", response_class=HTMLResponse, responses=INVALID_LINK)
async def unsubscribe(token: Token, deps: Deps) -> HTMLResponse:
    try:
        wish = await preferences.unsubscribe(deps, token)
    except InvalidToken as error:
        return _invalid(error.reason)
    return _page(wish.language, done=True)
