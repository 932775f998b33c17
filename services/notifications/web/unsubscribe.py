"""The public unsubscribe link: GET shows a confirmation page in the recipient's language (so that
link scanners do not unsubscribe anyone), POST unsubscribes (also RFC 8058 one-click: no CSRF token,
the signed link is the proof).

The page is on the shared layout (shared.web.pages) in every EU language: its words are in the emails'
catalogue (`messages`, templates/_unsubscribe_page.html), the layout's in `pages`. The language is the
one the link names (the email's), or ?lang=; a link not valid or expired is a 400 page, in ?lang= or
the browser's language.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse

from services.notifications.workflows import preferences
from shared.dependencies import Dependencies
from shared.runtime import dependencies_of
from shared.security.signing import InvalidToken
from shared.web.pages.rendering import Pages
from shared.web.pages.viewer import PUBLIC_LANGUAGES, LinkHolder

router = APIRouter(tags=["unsubscribe"])
PAGE = "_unsubscribe_page.html"
PAGES = Pages(
    Path(__file__).parent / "templates", Path(__file__).parents[1] / "locales", "messages", languages=PUBLIC_LANGUAGES
)
"""The unsubscribe page on the shared layout, from the emails' catalogue."""
Token = Annotated[str, Query(min_length=10, max_length=2000)]
Deps = Annotated[Dependencies, Depends(dependencies_of)]
INVALID_LINK = {400: {"description": "The link is not valid, or has expired", "content": {"text/html": {}}}}


def _page(request: Request, language: str, state: str) -> HTMLResponse:
    request.state.link_holder = LinkHolder(language)
    return PAGES.render(request, PAGE, state=state)


def _invalid(request: Request, error: InvalidToken) -> HTMLResponse:
    return PAGES.render(request, PAGE, 400, state="expired" if "expired" in error.reason else "invalid")


@router.get("/unsubscribe", response_class=HTMLResponse, responses=INVALID_LINK)
async def confirm_page(request: Request, token: Token, deps: Deps) -> HTMLResponse:
    try:
        wish = preferences.asked(deps, token)
    except InvalidToken as error:
        return _invalid(request, error)
    return _page(request, wish.language, "ask")


@router.post("/unsubscribe", response_class=HTMLResponse, responses=INVALID_LINK)
async def unsubscribe(request: Request, token: Token, deps: Deps) -> HTMLResponse:
    try:
        wish = await preferences.unsubscribe(deps, token)
    except InvalidToken as error:
        return _invalid(request, error)
    return _page(request, wish.language, "done")
