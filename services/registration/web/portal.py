"""The city portal's own page, `/city`, where a focal point or deputy lands after signing in (web/sign_in.py):
the city and its sign-up (the focal point accepts the terms or gives the place back), and its contacts
(name or change the deputy, each one's language and timezone, the city's working languages and
timezone). The programme and nominations are scheduling's portal pages (/city/programme).

Every change goes through the workflows the JSON API calls (workflows/cities.py: `sign_up`,
`decline_place`, `change_contacts`), so the same events leave (CitySignedUp, ApplicationWithdrawn,
ContactChanged) and a replaced contact loses their sessions. Only the focal point may sign the city up
or give its place back; the focal point and the deputy may both keep the contacts up to date. Pages speak
the contact's language (24 EU languages; ?lang= switches), dates in the contact's timezone, else the city's.
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request, status
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from services.registration.domain.cities import SIGNING_IN, TERMS_VERSION, City, ContactsInput
from services.registration.domain.fields import N_
from services.registration.web.contacts_form import WHOLE_FORM, Choices, ContactsForm, problems, wanted_contacts
from services.registration.web.portal_texts import PAGES, PORTAL_LANGUAGES, PortalTexts
from services.registration.workflows import cities as city_flow
from shared.dependencies import Dependencies
from shared.refusals import NotFound, Refused
from shared.runtime import dependencies_of
from shared.security.sessions import SignedInContact
from shared.web.pages.contact_guard import ContactPage, seen_in_zone
from shared.web.pages.forms import csrf_ok, posted, posted_lists
from shared.web.pages.rendering import kept_language

router = APIRouter(prefix="/city", include_in_schema=False)
Deps = Annotated[Dependencies, Depends(dependencies_of)]
Contact = Annotated[SignedInContact, Depends(ContactPage())]
FocalPoint = Annotated[SignedInContact, Depends(ContactPage("focal_point"))]
SESSION_EXPIRED = N_("Session expired: please try again.")


PLACE = {"current": "city", "navigation_name": N_("City portal")}
"""Where the city portal's own page sits in the navigation."""


def _viewing(request: Request, contact: SignedInContact, city: City) -> PortalTexts:
    """The page's texts, dates in the contact's timezone or the city's."""
    seen_in_zone(request, contact, city.timezone)
    return PAGES.texts(PAGES.viewer(request))  # type: ignore[return-value]


def render(request: Request, template: str, code: int = 200, **context: Any) -> HTMLResponse:
    return PAGES.render(request, template, code, **PLACE, **context)


def message(request: Request, code: int, title: str, body: str) -> HTMLResponse:
    return PAGES.message(request, code, title, body, **PLACE)


def no_city(request: Request) -> HTMLResponse:
    body = N_("Your city's place in the programme was given back, or you no longer act for it.")
    return message(request, 404, N_("Your city is not in the programme"), body)


async def _city(deps: Dependencies, contact: SignedInContact) -> City | None:
    try:
        return await city_flow.city(deps, contact.city_id)
    except NotFound:
        return None


async def _page(
    request: Request, deps: Dependencies, contact: SignedInContact, code: int = 200, **shown: Any
) -> Response:
    """The city page; `shown` overrides what it shows by default (a form as posted, its problems)."""
    city = await _city(deps, contact)
    if city is None:
        return no_city(request)
    t = _viewing(request, contact, city)
    context = {
        "form": ContactsForm.of(city),
        "terms_problem": None,
        "problem": None,
        "notice": request.query_params.get("notice"),
    }
    return render(
        request,
        "city.html",
        code,
        city=city,
        choices=Choices.of(t.locale, city),
        city_languages=_languages(t),
        signing_in=SIGNING_IN,
        terms_version=TERMS_VERSION,
        **(context | shown),
    )


def _languages(t: PortalTexts) -> tuple[tuple[str, str], ...]:
    """The EU languages, by name in the viewer's language, in that language's order of names."""
    return tuple(sorted(((c, t.language_name(c)) for c in PORTAL_LANGUAGES), key=lambda pair: pair[1].lower()))


def _back(request: Request, notice: str) -> RedirectResponse:
    kept = (
        {"lang": (request.query_params.get("lang") or "").lower()} if kept_language(request, PORTAL_LANGUAGES) else {}
    )
    return RedirectResponse(f"/city?{urlencode({'notice': notice} | kept)}", status.HTTP_303_SEE_OTHER)


@router.get("", response_class=HTMLResponse)
async def city_page(request: Request, deps: Deps, contact: Contact) -> Response:
    return await _page(request, deps, contact)


@router.post("/sign-up", response_class=HTMLResponse)
async def sign_up(request: Request, deps: Deps, contact: FocalPoint) -> Response:
    """The focal point accepts the terms (the checkbox is required); confirming twice changes nothing."""
    data = await posted(request)
    t = PAGES.texts(PAGES.viewer(request))
    if not csrf_ok(request, data):
        return await _page(request, deps, contact, 403, terms_problem=t(SESSION_EXPIRED))
    if data.get("accept_terms") != "yes":
        problem = t(N_("Please accept the terms to confirm the sign-up."))
        return await _page(request, deps, contact, 422, terms_problem=problem)
    try:
        await city_flow.sign_up(deps, contact.city_id)
    except NotFound:
        return no_city(request)
    return _back(request, t(N_("Your city has signed up. Welcome to PACTESUR 2!")))


@router.get("/decline", response_class=HTMLResponse)
async def decline_page(request: Request, deps: Deps, contact: FocalPoint) -> Response:
    """Asks for confirmation before the place is given back (a link alone never declines)."""
    city = await _city(deps, contact)
    if city is None:
        return no_city(request)
    _viewing(request, contact, city)
    return render(request, "decline.html", city=city, problem=None)


@router.post("/decline", response_class=HTMLResponse)
async def decline(request: Request, deps: Deps, contact: FocalPoint) -> Response:
    """The focal point of a city that has not signed up gives its place back; the next waitlisted
    city is offered it. The session's city is gone afterwards, so the answer is a page of its own."""
    data = await posted(request)
    city = await _city(deps, contact)
    if city is None:
        return no_city(request)
    t = _viewing(request, contact, city)
    if not csrf_ok(request, data):
        return render(request, "decline.html", 403, city=city, problem=t(SESSION_EXPIRED))
    try:
        await city_flow.decline_place(deps, city)
    except Refused as refused:
        problem = t(N_("Your city has signed up already: please write to the programme team to leave it."))
        if refused.code != "signed_up":
            problem = t(N_("The place can no longer be given back: please write to the programme team."))
        return render(request, "decline.html", 409, city=city, problem=problem)
    body = N_("Thank you for telling us. The place is offered to the next city on the waiting list.")
    return message(request, 200, N_("Your city has given its place back"), body)


@router.post("/contacts", response_class=HTMLResponse)
async def change_contacts(request: Request, deps: Deps, contact: Contact) -> Response:
    """Saves the focal point and deputy (name, address, language, timezone, position) and the city's
    working languages and timezone, as PUT /api/v1/cities/{token}/contacts does (same workflow)."""
    data = await posted(request)
    chosen = tuple((await posted_lists(request)).get("languages", []))
    city = await _city(deps, contact)
    if city is None:
        return no_city(request)
    t = _viewing(request, contact, city)
    submitted = {k: v for k, v in data.items() if k not in ("csrf_token", "languages")}
    if not csrf_ok(request, data):
        form = ContactsForm(submitted, {WHOLE_FORM: t(SESSION_EXPIRED)}, chosen)
        return await _page(request, deps, contact, 403, form=form)
    rows, prefixes = wanted_contacts(city, data)
    kept_first = tuple(code for code in city.languages if code in chosen) + tuple(
        code for code in chosen if code not in city.languages
    )
    body = {"contacts": rows, "languages": kept_first, "timezone": data.get("city_timezone", "").strip() or None}
    try:
        wanted = ContactsInput.model_validate(body)
    except ValidationError as error:
        form = ContactsForm(submitted, problems(error, prefixes, t), chosen)
        return await _page(
            request, deps, contact, 422, form=form, problem=t(N_("Nothing was saved: see the messages below."))
        )
    try:
        await city_flow.change_contacts(deps, city.id, wanted, f"{contact.name} ({contact.kind.replace('_', ' ')})")
    except NotFound:
        return no_city(request)
    return _back(request, t(N_("The contacts are saved.")))
