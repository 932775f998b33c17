"""The participant's decline page, reached from the signed link in their invitation.

The GET only asks for confirmation: mail scanners follow links, so only the POST declines.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import parse_qs

from fastapi import APIRouter, Request, status
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from services.scheduling.api.access import INVALID_LINK, Deps, verified
from services.scheduling.domain.activities import RuleBroken
from services.scheduling.domain.links import DECLINE_PURPOSE
from services.scheduling.workflows import nominating

router = APIRouter(prefix="/api/v1", tags=["nominations"])
PAGES = Environment(
    loader=FileSystemLoader(Path(__file__).parent / "templates"),
    autoescape=select_autoescape(default=True),
    undefined=StrictUndefined,
)


def _page(status_code: int = status.HTTP_200_OK, **values: object) -> HTMLResponse:
    values = {"token": None, "released": False} | values
    return HTMLResponse(PAGES.get_template("decline.html").render(**values), status_code=status_code)


@router.get("/nominations/decline", response_class=HTMLResponse, responses=INVALID_LINK)
async def decline_page(token: str, deps: Deps) -> HTMLResponse:
    """Asks for confirmation: mail scanners follow links, so only the POST declines."""
    activity, nomination = await nominating.invitation(deps, verified(deps, DECLINE_PURPOSE, token))
    return _page(token=token, name=nomination.name, title=activity.title_in(nomination.language))


@router.post(
    "/nominations/decline",
    response_class=HTMLResponse,
    responses=INVALID_LINK | {409: {"description": "Already released", "content": {"text/html": {}}}},
)
async def decline(request: Request, deps: Deps) -> HTMLResponse:
    """The participant declines (the page's form posts the token); the place goes to the next
    eligible waitlisted person."""
    form = parse_qs((await request.body()).decode(errors="replace"))
    nomination_id = verified(deps, DECLINE_PURPOSE, (form.get("token") or [""])[0])
    try:
        await nominating.decline(deps, nomination_id)
    except RuleBroken:
        return _page(status.HTTP_409_CONFLICT)
    return _page(released=True)
