"""The city registry pages of the staff console, and the page a city's focal point or deputy lands on.

`/staff/cities` lists the consortium and associated cities; `/staff/cities/{id}` shows one, with a form
for its focal point and deputy (the other contacts are kept as they are) and buttons that email the
focal point or the deputy a sign-in link. Reviewers read; admins change and send. The pages call the
workflows the JSON API calls (workflows/cities.py `change_contacts`, workflows/sign_in.py).

`/city` is where a focal point or deputy lands after signing in (web/sign_in.py): who they are, which
city, in their language (the applicant catalogue `messages`, every form language); the city portal
comes next.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated, Any
from urllib.parse import urlencode
from uuid import UUID

from babel import Locale
from fastapi import APIRouter, Depends, Request, status
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from services.registration.domain.cities import SIGNING_IN, City, ContactsInput
from services.registration.domain.fields import N_
from services.registration.domain.reference import COUNTRY_TIMEZONES, LANGUAGES
from services.registration.web import public
from services.registration.web.city_texts import CITY_PAGES, CityTexts
from services.registration.workflows import cities as city_flow
from services.registration.workflows import sign_in as sign_in_flow
from shared.dependencies import Dependencies
from shared.refusals import NotFound
from shared.runtime import dependencies_of
from shared.security.auth import StaffMember
from shared.web.access import session_contact
from shared.web.pages.forms import csrf_ok, posted
from shared.web.pages.guard import StaffPage
from shared.web.pages.rendering import kept_language

router = APIRouter(include_in_schema=False)
Deps = Annotated[Dependencies, Depends(dependencies_of)]
Reviewer = Annotated[StaffMember, Depends(StaffPage("reviewer"))]
Admin = Annotated[StaffMember, Depends(StaffPage())]
FIELDS = ("name", "email", "language", "timezone", "role")
"""The fields of the focal point and the deputy on the contacts form (`focal_point_name`, ...)."""


@dataclass(frozen=True)
class ContactsForm:
    """What the contacts form shows: the values (as posted, or the city's), the problem of each field."""

    values: dict[str, str]
    errors: dict[str, str] = field(default_factory=dict)

    @classmethod
    def of(cls, city: City) -> ContactsForm:
        values = {}
        for designation in SIGNING_IN:
            contact = city.contact(designation)
            for name in FIELDS:
                values[f"{designation}_{name}"] = (getattr(contact, name) or "") if contact else ""
        return cls(values)

    def value(self, name: str) -> str:
        return self.values.get(name, "")

    def error(self, name: str) -> str | None:
        return self.errors.get(name)


@dataclass(frozen=True)
class Choices:
    """The languages (by name, in the viewer's language) and timezones a contact may have."""

    languages: tuple[tuple[str, str], ...]
    timezones: tuple[str, ...]

    @classmethod
    def of(cls, t: CityTexts, city: City) -> Choices:
        names = Locale.parse(t.locale).languages
        languages = tuple(sorted(((c, names.get(c, c)) for c in LANGUAGES), key=lambda pair: pair[1].lower()))
        zones = {*COUNTRY_TIMEZONES.values(), city.timezone, *(c.timezone for c in city.contacts)}
        return cls(languages, tuple(sorted(zones)))


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
        choices=Choices.of(t, city),
        signing_in=SIGNING_IN,
        notice=request.query_params.get("notice"),
    )


@router.get("/staff/cities/{city_id}", response_class=HTMLResponse)
async def city_page(city_id: UUID, request: Request, deps: Deps, who: Reviewer) -> Response:
    return await _city_view(request, deps, city_id)


def _back(request: Request, city_id: UUID, notice: str) -> Response:
    kept = {"lang": texts_of(request).language} if kept_language(request) else {}
    target = f"/staff/cities/{city_id}?{urlencode({'notice': notice} | kept)}"
    return RedirectResponse(target, status.HTTP_303_SEE_OTHER)


def _wanted(city: City, data: dict[str, str]) -> tuple[list[dict[str, Any]], list[str]]:
    """The city's new contact set from the form (a deputy only if one is given; the other contacts as
    they are), and the form prefix of each of the first rows."""
    rows, prefixes = [], []
    for designation in SIGNING_IN:
        given = {name: data.get(f"{designation}_{name}", "").strip() for name in FIELDS}
        if designation == "focal_point" or any(given[name] for name in ("name", "email")):
            rows.append({"designation": designation} | {k: v or None for k, v in given.items()})
            prefixes.append(designation)
    rows += [
        {"designation": "contact", "name": c.name, "email": c.email, "language": c.language, "timezone": c.timezone,
         "role": c.role}
        for c in city.others()
    ]  # fmt: skip
    return rows, prefixes


def _problems(error: ValidationError, prefixes: list[str], t: CityTexts) -> dict[str, str]:
    """The first problem of each form field; a problem of the whole set (the same address twice) as '_form'."""
    found: dict[str, str] = {}
    for item in error.errors():
        loc = item["loc"]
        if len(loc) >= 3 and isinstance(loc[1], int) and loc[1] < len(prefixes):
            found.setdefault(f"{prefixes[loc[1]]}_{loc[2]}", t.field_error(str(loc[2]), item["type"]))
        else:
            found.setdefault("_form", t(N_("Each person needs an email address of their own.")))
    return found


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
    rows, prefixes = _wanted(city, data)
    try:
        wanted = ContactsInput.model_validate({"contacts": rows})
    except ValidationError as error:
        return await _city_view(request, deps, city_id, ContactsForm(submitted, _problems(error, prefixes, t)), 422)
    await city_flow.change_contacts(deps, city_id, wanted, f"{who.role}:{who.name}")
    return _back(request, city_id, t(N_("The contacts are saved.")))


@router.post("/staff/cities/{city_id}/sign-in-link", response_class=HTMLResponse)
async def send_sign_in_link(city_id: UUID, request: Request, deps: Deps, who: Admin) -> Response:
    data = await posted(request)
    t = texts_of(request)
    if not csrf_ok(request, data):
        body = t("Session expired: please try again.")
        return render(request, "message.html", 403, title=t(N_("Nothing sent")), body=body)
    try:
        contact = await sign_in_flow.send_city_link(deps, city_id, data.get("designation", ""), who)
    except NotFound:
        return render(request, "message.html", 404, title=t(N_("Nothing sent")), body=t(N_("No such contact.")))
    except sign_in_flow.LinkHeldBack:
        body = t(N_("This person was sent too many sign-in links in the last 15 minutes: try again later."))
        return render(request, "message.html", 429, title=t(N_("Nothing sent")), body=body)
    return _back(request, city_id, t(N_("A sign-in link is on its way to %(name)s."), name=contact.name))


# --- The focal point's or deputy's landing page (applicant catalogue, every form language) ----------


@router.get("/city", response_class=HTMLResponse)
async def city_home(request: Request, deps: Deps) -> Response:
    contact = await session_contact(request)
    if contact is None:
        return RedirectResponse("/sign-in", status.HTTP_303_SEE_OTHER)
    city = await city_flow.city(deps, contact.city_id)
    language = public.lang_of(request, contact.language)
    return public.page(request, language, "city_home.html", contact=contact, city=city)
