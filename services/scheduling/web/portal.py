"""The city portal's programme (for a city's focal point or deputy, signed in by an emailed link):
`/city/programme` lists the activities with the places left overall and for the city and the city's
nominations; `/city/programme/{id}` shows one, with the city's nominations (state, waitlist position),
a form to nominate, and buttons to cancel a nomination or record attendance once the activity started.

Every change goes through the workflows the JSON API calls (workflows.nominating), acting as the
contact (domain.cities.Actor with the session's city and person): they refuse a contact acting for
another city (NotYourCity, answered here with the 404 page, as for something unknown). The session's
city id is registration's city id, which is also the id of CitySignedUp, so scheduling's city is found
under it unchanged. Pages speak the contact's language (all 24 EU languages, ?lang= switches) and show
dates in the contact's timezone, else the city's.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Annotated, Any
from urllib.parse import urlencode
from uuid import UUID
from zoneinfo import available_timezones

from fastapi import APIRouter, Depends, Request, status
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from services.scheduling.api.nominations import NominationIn
from services.scheduling.domain.activities import RuleBroken
from services.scheduling.domain.cities import Actor, NotYourCity, SignedUpCity
from services.scheduling.domain.nominations import Nominee
from services.scheduling.web.portal_texts import PAGES, PORTAL_LANGUAGES, PortalTexts
from services.scheduling.workflows import nominating
from shared.dependencies import Dependencies
from shared.refusals import NotFound
from shared.runtime import dependencies_of
from shared.security.sessions import SignedInContact
from shared.web.pages.contact_guard import ContactPage, seen_in_zone
from shared.web.pages.forms import csrf_ok, posted
from shared.web.pages.rendering import kept_language
from shared.web.pages.texts import N_

router = APIRouter(prefix="/city", include_in_schema=False)
Deps = Annotated[Dependencies, Depends(dependencies_of)]
Contact = Annotated[SignedInContact, Depends(ContactPage())]
FIELDS = ("name", "email", "rank", "language", "timezone", "accessibility_needs")
"""The nominate form's fields: NominationIn's, the city aside (it is the contact's)."""
OPTIONAL = ("rank", "accessibility_needs")
ZONES = tuple(sorted(z for z in available_timezones() if z.startswith("Europe/") or z.startswith("Atlantic/")))
"""The timezones a participant may be given (the programme's people live in or near Europe)."""


@dataclass(frozen=True)
class NominationForm:
    """The nominate form: its values (as posted, or the first ones) and each refused field's message."""

    values: dict[str, str]
    errors: dict[str, str] = field(default_factory=dict)

    def value(self, name: str) -> str:
        return self.values.get(name, "")

    def error(self, name: str) -> str | None:
        return self.errors.get(name)


def actor(contact: SignedInContact) -> Actor:
    """The contact as the workflows record and check them (their city only, while they hold the role)."""
    return Actor(f"{contact.name} ({contact.kind.replace('_', ' ')})", contact.city_id, contact.person_id)


PLACE = {"current": "city-programme", "navigation_name": N_("City portal")}
"""Where the programme pages sit in the portal's navigation."""


def _viewing(request: Request, contact: SignedInContact, city: SignedUpCity) -> PortalTexts:
    """The page's texts, dates in the contact's timezone or the city's."""
    seen_in_zone(request, contact, city.timezone)
    return PAGES.texts(PAGES.viewer(request))  # type: ignore[return-value]


def render(request: Request, template: str, code: int = 200, **context: Any) -> HTMLResponse:
    return PAGES.render(request, template, code, **PLACE, **context)


def message(request: Request, code: int, title: str, body: str) -> HTMLResponse:
    return PAGES.message(request, code, title, body, **PLACE)


def not_found(request: Request) -> HTMLResponse:
    return message(
        request, 404, N_("No such activity or nomination"), N_("It does not exist, or it belongs to another city.")
    )


def not_acting(request: Request) -> HTMLResponse:
    body = N_("Your city has not signed up to the programme yet, or you no longer act for it.")
    return message(request, 403, N_("Your city cannot nominate"), body)


def _to_activity(request: Request, activity_id: UUID, notice: str) -> RedirectResponse:
    language = (request.query_params.get("lang") or "").lower()
    kept = {"lang": language} if kept_language(request, PORTAL_LANGUAGES) else {}
    target = f"/city/programme/{activity_id}?{urlencode({'notice': notice} | kept)}"
    return RedirectResponse(target, status.HTTP_303_SEE_OTHER)


@router.get("/programme", response_class=HTMLResponse)
async def programme(request: Request, deps: Deps, contact: Contact) -> Response:
    try:
        city, lines = await nominating.city_programme(deps, actor(contact))
    except NotYourCity:
        return not_acting(request)
    _viewing(request, contact, city)
    return render(request, "programme.html", city=city, lines=lines, now=deps.now())


@router.get("/programme/{activity_id}", response_class=HTMLResponse)
async def activity_page(activity_id: UUID, request: Request, deps: Deps, contact: Contact) -> Response:
    return await _activity(request, deps, contact, activity_id)


async def _activity(
    request: Request,
    deps: Dependencies,
    contact: SignedInContact,
    activity_id: UUID,
    form: NominationForm | None = None,
    code: int = 200,
    problem: str | None = None,
) -> Response:
    """The activity as the city sees it; `form` as posted and `problem` (a refused change) when shown again."""
    try:
        city, file = await nominating.city_file(deps, activity_id, actor(contact))
    except NotYourCity:
        return not_acting(request)
    except NotFound:
        return not_found(request)
    t = _viewing(request, contact, city)
    first = {"language": city.languages[0] if city.languages else "en", "timezone": city.timezone}
    return render(
        request,
        "activity.html",
        code,
        city=city,
        file=file,
        activity=file.activity,
        now=deps.now(),
        form=form or NominationForm(first),
        problem=problem,
        language_choices=_languages(t),
        zones=tuple((zone, zone) for zone in sorted({*ZONES, city.timezone})),
        notice=request.query_params.get("notice"),
    )


def _languages(t: PortalTexts) -> tuple[tuple[str, str], ...]:
    """The EU languages, by name in the viewer's language, in that language's order of names."""
    return tuple(sorted(((c, t.language_name(c)) for c in PORTAL_LANGUAGES), key=lambda pair: pair[1].lower()))


def _problems(error: ValidationError) -> dict[str, str]:
    """The first problem of each refused field, as a FIELD_PROBLEMS kind."""
    found: dict[str, str] = {}
    for item in error.errors():
        name = str(item["loc"][0]) if item["loc"] else "name"
        if item["type"] in ("missing", "string_too_short"):
            kind = "required"
        elif item["type"] == "string_too_long":
            kind = "too_long"
        else:
            kind = name if name in ("email", "language", "timezone") else "required"
        found.setdefault(name, kind)
    return found


@router.post("/programme/{activity_id}/nominations", response_class=HTMLResponse)
async def nominate(activity_id: UUID, request: Request, deps: Deps, contact: Contact) -> Response:
    """Nominates a participant as POST /api/v1/activities/{id}/nominations does (same body, same workflow)."""
    data = await posted(request)
    values = {name: data.get(name, "").strip() for name in FIELDS}
    if not csrf_ok(request, data):
        return await _activity(request, deps, contact, activity_id, NominationForm(values), 403, "session")
    body = {k: (v or None) if k in OPTIONAL else v for k, v in values.items()}
    try:
        wanted = NominationIn.model_validate(body | {"city_id": contact.city_id})
    except ValidationError as error:
        return await _activity(request, deps, contact, activity_id, NominationForm(values, _problems(error)), 422)
    nominee = Nominee(**wanted.model_dump(exclude={"city_id"}))
    try:
        decision = await nominating.nominate(deps, activity_id, contact.city_id, nominee, actor(contact))
    except NotYourCity:
        return not_acting(request)
    except NotFound:
        return not_found(request)
    except RuleBroken as broken:
        refused = NominationForm(values, {"email": "rule"} if broken.field == "email" else {})
        return await _activity(request, deps, contact, activity_id, refused, 422, broken.field)
    t = PAGES.texts(PAGES.viewer(request))
    n, position = decision.nomination, decision.explanation.waitlist_position
    if n.status == "confirmed":
        notice = t(N_("%(name)s is confirmed; an invitation is on its way."), name=n.name)
    else:
        notice = t(N_("%(name)s is on the waitlist, position %(position)s."), name=n.name, position=position)
    return _to_activity(request, activity_id, notice)


@router.post("/nominations/{nomination_id}/cancel", response_class=HTMLResponse)
async def cancel(nomination_id: UUID, request: Request, deps: Deps, contact: Contact) -> Response:
    """Withdraws the nomination; a freed place goes to the next eligible waitlisted person (the workflow)."""

    async def change() -> tuple[UUID, str, str]:
        cancelled = await nominating.cancel(deps, nomination_id, actor(contact), None)
        return cancelled.activity_id, N_("The nomination of %(name)s is cancelled."), cancelled.name

    return await _change(request, deps, contact, nomination_id, change)


@router.post("/nominations/{nomination_id}/attendance", response_class=HTMLResponse)
async def attendance(nomination_id: UUID, request: Request, deps: Deps, contact: Contact) -> Response:
    async def change() -> tuple[UUID, str, str]:
        came = (await posted(request)).get("attended") == "yes"
        recorded = await nominating.record_attendance(deps, nomination_id, came, actor(contact))
        return recorded.activity_id, N_("Attendance of %(name)s recorded."), recorded.name

    return await _change(request, deps, contact, nomination_id, change)


Change = Callable[[], Awaitable[tuple[UUID, str, str]]]
"""A change of one nomination: runs its workflow, answers the activity, the notice's msgid and the name."""


async def _change(
    request: Request, deps: Dependencies, contact: SignedInContact, nomination_id: UUID, change: Change
) -> Response:
    """Runs a change of one of the city's nominations; another city's is not found (404 page)."""
    data = await posted(request)
    if not csrf_ok(request, data):
        return message(request, 403, N_("Nothing saved"), N_("Session expired: please try again."))
    try:
        activity_id, notice, name = await change()
    except (NotFound, NotYourCity):
        return not_found(request)
    except RuleBroken as broken:
        activity_id = (await nominating.invitation(deps, nomination_id))[1].activity_id
        return await _activity(request, deps, contact, activity_id, code=422, problem=broken.field)
    t = PAGES.texts(PAGES.viewer(request))
    return _to_activity(request, activity_id, t(notice, name=name))
