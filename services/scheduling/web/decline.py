"""The decline page of the link in every invitation email (`/api/v1/nominations/decline?token=`), on the
shared layout in the nomination's language (every EU language; the participant page's words and
catalogue, web/participant_texts.py, so that declining reads the same from the email and the page).

The GET only asks for confirmation: mail scanners follow links, so only the POST (the page's form,
which posts the token and the CSRF token) declines, through workflows.nominating.decline as the
participant page does. A link not valid or expired is a 400 page; a place already released a 409 page.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, status
from fastapi.responses import HTMLResponse, Response

from services.scheduling.api.access import Deps
from services.scheduling.domain.activities import Activity, RuleBroken
from services.scheduling.domain.links import DECLINE_PURPOSE, Links
from services.scheduling.domain.nominations import Nomination
from services.scheduling.web.participant import BadLink
from services.scheduling.web.participant_texts import PAGES, Person
from services.scheduling.workflows import nominating
from shared.dependencies import Dependencies
from shared.refusals import NotFound
from shared.security import signing
from shared.web.pages.forms import csrf_ok, posted
from shared.web.pages.texts import N_

router = APIRouter(prefix="/api/v1", tags=["nominations"])
Token = Annotated[str, Query(max_length=2000)]
PAGE_ANSWERS = {
    400: {"description": "The signed link is not valid, or has expired", "content": {"text/html": {}}},
    409: {"description": "Already released", "content": {"text/html": {}}},
}


async def _invitation(request: Request, deps: Dependencies, token: str) -> tuple[Activity, Nomination]:
    """The link's nomination and activity; the page speaks the nomination's language from here on."""
    try:
        nomination_id = Links.of(deps.settings).nomination_of(DECLINE_PURPOSE, token, deps.now())
        activity, nomination = await nominating.invitation(deps, nomination_id)
    except signing.InvalidToken as error:
        raise BadLink("expired" in error.reason) from None
    except NotFound:
        raise BadLink(False) from None
    request.state.participant = Person(nomination.name, nomination.language, nomination.timezone)
    return activity, nomination


def _message(request: Request, code: int, title: str, body: str) -> HTMLResponse:
    """A message page; `title` and `body` are msgids."""
    t = PAGES.texts(PAGES.viewer(request))
    return PAGES.render(request, "message.html", code, title=t(title), body=t(body))


def _bad_link(request: Request, bad: BadLink) -> HTMLResponse:
    title = N_("This link has expired") if bad.expired else N_("This link is not valid")
    body = N_("Please use the link in your latest email from PACTESUR 2.")
    return _message(request, status.HTTP_400_BAD_REQUEST, title, body)


def _cannot_decline(request: Request) -> HTMLResponse:
    body = N_("It is already declined or cancelled, or the activity has started.")
    return _message(request, status.HTTP_409_CONFLICT, N_("This place can no longer be declined."), body)


def _participant_link(deps: Dependencies, activity: Activity, nomination: Nomination, label: str) -> dict[str, str]:
    return {"url": Links.of(deps.settings).participant(nomination.person_id, activity.ends_at), "label": label}


@router.get("/nominations/decline", response_class=HTMLResponse, responses=PAGE_ANSWERS)
async def decline_page(request: Request, deps: Deps, token: Token = "") -> Response:
    """Asks for confirmation: mail scanners follow links, so only the POST declines."""
    try:
        activity, nomination = await _invitation(request, deps, token)
    except BadLink as bad:
        return _bad_link(request, bad)
    if not nomination.active or deps.now() >= activity.starts_at:
        return _cannot_decline(request)
    t = PAGES.texts(PAGES.viewer(request))
    page = _participant_link(deps, activity, nomination, t(N_("Keep my place")))
    return PAGES.render(request, "invitation_decline.html", token=token, activity=activity, participant_page=page)


@router.post("/nominations/decline", response_class=HTMLResponse, responses=PAGE_ANSWERS)
async def decline(request: Request, deps: Deps) -> Response:
    """The participant declines (the page's form posts the token); the place goes to the next
    eligible waitlisted person."""
    data = await posted(request)
    try:
        activity, nomination = await _invitation(request, deps, data.get("token", "")[:2000])
    except BadLink as bad:
        return _bad_link(request, bad)
    if not csrf_ok(request, data):
        body = N_("Session expired: please try again.")
        return _message(request, status.HTTP_403_FORBIDDEN, N_("Nothing saved"), body)
    try:
        await nominating.decline(deps, nomination.id)
    except (NotFound, RuleBroken):
        return _cannot_decline(request)
    t = PAGES.texts(PAGES.viewer(request))
    title = t(N_("You declined your place in %(title)s."), title=t.title(activity))
    link = _participant_link(deps, activity, nomination, t(N_("Your activities in PACTESUR 2")))
    return PAGES.render(request, "message.html", title=title, body="", link=link)
