"""The participant page, from the signed link in every invitation email (domain.links.Links.participant):
`/participants/{token}` lists every activity the person was nominated for (their state, waitlist
position and why they wait, dates in their timezone, venue, working languages, timetable) in their
language; `/participants/{token}/calendar.ics` is their personal feed (webcal), made on each request
from current data with shared.calendar (the same UID and SEQUENCE as their emailed invitations);
`/participants/{token}/nominations/{id}/decline` asks to confirm, and its POST declines through the
workflow the decline link uses (workflows.nominating.decline), which promotes the waitlist.

The token names the person (person_id, the same for every nomination under one email address), so
one link shows all their activities, whichever email it came from. The page is public: no sign-in,
no staff navigation; a link not valid (tampered) is a 404 page, an expired one a 410 page.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, Request, status
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from services.scheduling.domain import messages
from services.scheduling.domain.activities import RuleBroken
from services.scheduling.domain.links import Links
from services.scheduling.domain.nominations import Commitment
from services.scheduling.web.participant_texts import PAGES, PARTICIPANT_LANGUAGES, Person
from services.scheduling.workflows import nominating
from shared.calendar import calendar, feed_event, session_event
from shared.dependencies import Dependencies
from shared.refusals import NotFound
from shared.runtime import dependencies_of
from shared.security import signing
from shared.web.pages.forms import csrf_ok, posted
from shared.web.pages.rendering import kept_language
from shared.web.pages.texts import N_

router = APIRouter(prefix="/participants", include_in_schema=False)
Deps = Annotated[Dependencies, Depends(dependencies_of)]
ICS_MEDIA = "text/calendar; charset=utf-8"


@dataclass(frozen=True)
class Page:
    """The person's page: whose it is, their activities, and their signed links."""

    person_id: UUID
    person: Person | None
    commitments: list[Commitment]
    token: str
    feed_url: str

    @property
    def webcal_url(self) -> str:
        return "webcal://" + self.feed_url.split("://", 1)[1]


class BadLink(Exception):
    """The token is not valid (404) or has expired (410)."""

    def __init__(self, expired: bool) -> None:
        super().__init__("expired" if expired else "not valid")
        self.expired = expired


async def _page(request: Request, deps: Dependencies, token: str) -> Page:
    links = Links.of(deps.settings)
    try:
        person_id = links.person_of(token, deps.now())
    except signing.InvalidToken as error:
        raise BadLink("expired" in error.reason) from None
    found = await nominating.participant(deps, person_id)
    latest = max((c.place.nomination for c in found), key=lambda n: n.updated_at, default=None)
    person = Person(latest.name, latest.language, latest.timezone) if latest else None
    request.state.participant = person
    return Page(person_id, person, found, token, f"{links.base_url}/participants/{token}/calendar.ics")


def _render(request: Request, template: str, code: int = 200, **context: Any) -> HTMLResponse:
    return PAGES.render(request, template, code, **context)


def _message(request: Request, code: int, title: str, body: str) -> HTMLResponse:
    return PAGES.message(request, code, title, body)


def _bad_link(request: Request, bad: BadLink) -> HTMLResponse:
    body = N_("Please use the link in your latest email from PACTESUR 2.")
    if bad.expired:
        return _message(request, status.HTTP_410_GONE, N_("This link has expired"), body)
    return _message(request, status.HTTP_404_NOT_FOUND, N_("This link is not valid"), body)


@router.get("/{token}", response_class=HTMLResponse)
async def participant_page(token: str, request: Request, deps: Deps) -> Response:
    try:
        page = await _page(request, deps, token)
    except BadLink as bad:
        return _bad_link(request, bad)
    declined = request.query_params.get("declined")
    notice = next((c for c in page.commitments if str(c.place.nomination.id) == declined), None)
    return _render(request, "page.html", page=page, now=deps.now(), declined=notice)


@router.get("/{token}/calendar.ics", response_class=Response)
async def participant_calendar(token: str, request: Request, deps: Deps) -> Response:
    """The person's confirmed activities and their sessions, as they stand now (METHOD:PUBLISH)."""
    try:
        page = await _page(request, deps, token)
    except BadLink as bad:
        return _bad_link(request, bad)
    links, events = Links.of(deps.settings), []
    for c in page.commitments:
        if c.place.nomination.status != "confirmed":
            continue
        activity = messages.activity(c.activity, links)
        invitation = messages.invitation(c.activity, c.place.nomination, links)
        events.append(feed_event(activity, invitation))
        events += [session_event(activity, messages.session(s, c.activity.timezone), invitation) for s in c.sessions]
    text = calendar(events, stamp=deps.now(), name="PACTESUR 2")
    return Response(text, media_type=ICS_MEDIA)


def _chosen(page: Page, nomination_id: UUID) -> Commitment | None:
    return next((c for c in page.commitments if c.place.nomination.id == nomination_id), None)


@router.get("/{token}/nominations/{nomination_id}/decline", response_class=HTMLResponse)
async def decline_page(token: str, nomination_id: UUID, request: Request, deps: Deps) -> Response:
    """Asks for confirmation: mail scanners follow links, so only the POST declines."""
    try:
        page = await _page(request, deps, token)
    except BadLink as bad:
        return _bad_link(request, bad)
    chosen = _chosen(page, nomination_id)
    if chosen is None or not chosen.declinable_at(deps.now()):
        return _cannot_decline(request)
    return _render(request, "decline.html", page=page, commitment=chosen)


@router.post("/{token}/nominations/{nomination_id}/decline", response_class=HTMLResponse)
async def decline(token: str, nomination_id: UUID, request: Request, deps: Deps) -> Response:
    """Declines the place (workflows.nominating.decline, as the decline link): the next eligible
    waitlisted person is promoted and told."""
    try:
        page = await _page(request, deps, token)
    except BadLink as bad:
        return _bad_link(request, bad)
    if not csrf_ok(request, await posted(request)):
        body = N_("Session expired: please try again.")
        return _message(request, status.HTTP_403_FORBIDDEN, N_("Nothing saved"), body)
    try:
        await nominating.decline(deps, nomination_id, page.person_id)
    except (NotFound, RuleBroken):
        return _cannot_decline(request)
    kept = kept_language(request, PARTICIPANT_LANGUAGES).replace("?", "&")
    return RedirectResponse(f"/participants/{token}?declined={nomination_id}{kept}", status.HTTP_303_SEE_OTHER)


def _cannot_decline(request: Request) -> HTMLResponse:
    body = N_("It is already declined or cancelled, or the activity has started.")
    return _message(request, status.HTTP_409_CONFLICT, N_("This place can no longer be declined."), body)
