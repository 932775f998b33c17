"""The city registry pages of the staff console.

`/staff/cities` lists the consortium and associated cities; `/staff/cities/{id}` shows one, with a form
for its focal point and deputy (the other contacts are kept as they are) and buttons that email the
focal point or the deputy a sign-in link. Reviewers read; admins change and send. The pages call the
workflows the JSON API calls (workflows/cities.py `change_contacts`, workflows/sign_in.py).

The form itself (its fields, reading it, its problems) is web/contacts_form.py's, shared with the city
portal's own page (web/portal.py).
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode
from uuid import UUID

from fastapi import APIRouter, Depends, Request, status
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from services.registration.domain.cities import SIGNING_IN, ContactsInput
from services.registration.domain.fields import N_
from services.registration.web.city_texts import CITY_PAGES, CityTexts
from services.registration.web.contacts_form import Choices, ContactsForm, problems, wanted_contacts
from services.registration.workflows import cities as city_flow
from services.registration.workflows import sign_in as sign_in_flow
from shared.dependencies import Dependencies
from shared.refusals import NotFound, Refused
from shared.runtime import dependencies_of
from shared.security.auth import StaffMember
from shared.web.pages.forms import csrf_ok, posted
from shared.web.pages.guard import StaffPage
from shared.web.pages.rendering import kept_language

router = APIRouter(include_in_schema=False)
SESSION_EXPIRED = N_("Session expired: please try again.")
Deps = Annotated[Dependencies, Depends(dependencies_of)]
Reviewer = Annotated[StaffMember, Depends(StaffPage("reviewer"))]
Admin = Annotated[StaffMember, Depends(StaffPage())]


def texts_of(request: Request) -> CityTexts:
    return CITY_PAGES.texts(CITY_PAGES.viewer(request))  # type: ignore[return-value]


def render(request: Request, template: str, code: int = 200, **context: Any) -> HTMLResponse:
    return CITY_PAGES.render(request, template, code, current="cities", **context)


@router.get("/staff/cities", response_class=HTMLResponse)
async def registry(request: Request, deps: Deps, who: Reviewer) -> Response:
    return render(request, "cities.html", cities=await city_flow.list_cities(deps))


async def _city_view(
    request: Request, deps: Dependencies, city_id: UUID, form: ContactsForm | None = None, code: int = 200
) -> Response:
    t = texts_of(request)
    try:
        city = await city_flow.city(deps, city_id)
    except NotFound:
        return render(request, "message.html", 404, title=t(N_("No such city")), body=str(city_id))
    return render(
        request,
        "city.html",
        code,
        city=city,
        form=form or ContactsForm.of(city),
        choices=Choices.of(t.locale, city),
        signing_in=SIGNING_IN,
        notice=request.query_params.get("notice"),
        now=deps.now(),
    )


@router.get("/staff/cities/{city_id}", response_class=HTMLResponse)
async def city_page(city_id: UUID, request: Request, deps: Deps, who: Reviewer) -> Response:
    return await _city_view(request, deps, city_id)


def _back(request: Request, city_id: UUID, notice: str) -> Response:
    kept = {"lang": texts_of(request).language} if kept_language(request) else {}
    target = f"/staff/cities/{city_id}?{urlencode({'notice': notice} | kept)}"
    return RedirectResponse(target, status.HTTP_303_SEE_OTHER)


@router.post("/staff/cities/{city_id}/contacts", response_class=HTMLResponse)
async def change_contacts(city_id: UUID, request: Request, deps: Deps, who: Admin) -> Response:
    data = await posted(request)
    t = texts_of(request)
    try:
        city = await city_flow.city(deps, city_id)
    except NotFound:
        return render(request, "message.html", 404, title=t(N_("No such city")), body=str(city_id))
    submitted = {k: v for k, v in data.items() if k != "csrf_token"}
    if not csrf_ok(request, data):
        form = ContactsForm(submitted, {"_form": t(N_("Session expired: please try again."))})
        return await _city_view(request, deps, city_id, form, 403)
    rows, prefixes = wanted_contacts(city, data)
    try:
        wanted = ContactsInput.model_validate({"contacts": rows})
    except ValidationError as error:
        return await _city_view(request, deps, city_id, ContactsForm(submitted, problems(error, prefixes, t)), 422)
    await city_flow.change_contacts(deps, city_id, wanted, f"{who.role}:{who.name}")
    return _back(request, city_id, t(N_("The contacts are saved.")))


@router.post("/staff/cities/{city_id}/place-release", response_class=HTMLResponse)
async def give_place_to_waitlist(city_id: UUID, request: Request, deps: Deps, who: Admin) -> Response:
    """The place of a city whose sign-up is overdue goes to the waiting list (same workflow as the API)."""
    data = await posted(request)
    t = texts_of(request)
    if not csrf_ok(request, data):
        return render(request, "message.html", 403, title=t(N_("Nothing changed")), body=t(SESSION_EXPIRED))
    try:
        offered = await city_flow.give_place_to_waitlist(deps, city_id, f"{who.role}:{who.name}")
    except NotFound:
        return render(request, "message.html", 404, title=t(N_("No such city")), body=str(city_id))
    except Refused:
        body = t(N_("The place can be given on only once the sign-up is overdue."))
        return render(request, "message.html", 409, title=t(N_("Nothing changed")), body=body)
    body = (
        N_("The place was offered to the next city on the waiting list.")
        if offered
        else N_("The application was withdrawn; nobody is on the waiting list.")
    )
    return render(request, "message.html", title=t(N_("The place is free again")), body=t(body))


@router.post("/staff/cities/{city_id}/sign-in-link", response_class=HTMLResponse)
async def send_sign_in_link(city_id: UUID, request: Request, deps: Deps, who: Admin) -> Response:
    data = await posted(request)
    t = texts_of(request)
    if not csrf_ok(request, data):
        body = t(SESSION_EXPIRED)
        return render(request, "message.html", 403, title=t(N_("Nothing sent")), body=body)
    try:
        contact = await sign_in_flow.send_city_link(deps, city_id, data.get("designation", ""), who)
    except NotFound:
        return render(request, "message.html", 404, title=t(N_("Nothing sent")), body=t(N_("No such contact.")))
    except sign_in_flow.LinkHeldBack:
        body = t(N_("This person was sent too many sign-in links in the last 15 minutes: try again later."))
        return render(request, "message.html", 429, title=t(N_("Nothing sent")), body=body)
    return _back(request, city_id, t(N_("A sign-in link is on its way to %(name)s."), name=contact.name))
