"""Admins create and edit calls through pages: window (entered in the call's own timezone), timezone,
quota, criteria with weights, translated title and description.

The form is validated by the same models as the JSON API (api/staff.NewCall, domain/calls.CallSpec) and
saved by the same workflow (workflows/calls.save_call); a refused form comes back as a 422 page with
the values kept and each message beside its field.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Annotated, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from fastapi import APIRouter, Depends, Request, status
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from services.registration.api.staff import NewCall
from services.registration.domain.calls import Call, CallSpec, Criterion
from services.registration.domain.reference import EU_CAPITAL_TIMEZONES, FORM_LANGUAGES
from services.registration.web.form_errors import Location, field_errors
from services.registration.web.staff_texts import PAGES, StaffTexts
from services.registration.workflows import calls
from shared.dependencies import Dependencies
from shared.refusals import NotFound, Refused
from shared.runtime import dependencies_of
from shared.security.auth import StaffMember
from shared.web.pages.forms import csrf_ok, posted_lists
from shared.web.pages.guard import StaffPage
from shared.web.pages.rendering import kept_language
from shared.web.pages.texts import N_

CALL_FORM_LANGUAGES = ("en", "fr", *(language for language in FORM_LANGUAGES if language not in ("en", "fr")))
"""The form's languages, English and French first (shown open; the others under "Other languages")."""

router = APIRouter(prefix="/staff", include_in_schema=False)
Deps = Annotated[Dependencies, Depends(dependencies_of)]
Admin = Annotated[StaffMember, Depends(StaffPage())]
NEW_CALL_PATH = "/staff/new-call"
"""Not /staff/calls/new: 'new' is a valid call slug."""
CRITERION_LANGUAGES = ("en", "fr")
"""The languages a criterion's name is entered in on the page (others a call holds are kept on edit)."""
MIN_CRITERION_ROWS = 4
SPARE_CRITERION_ROWS = 2
LOCAL_INPUT = "%Y-%m-%dT%H:%M"


@dataclass(frozen=True)
class CriterionRow:
    """One row of the criteria table, as typed (blank rows are ignored)."""

    key: str = ""
    names: dict[str, str] = field(default_factory=dict)
    weight: str = ""

    def blank(self) -> bool:
        return not (self.key.strip() or self.weight.strip() or any(v.strip() for v in self.names.values()))

    @classmethod
    def of(cls, criterion: Criterion) -> CriterionRow:
        weight = f"{criterion.weight:g}"
        return cls(criterion.key, {lang: criterion.name.get(lang, "") for lang in CRITERION_LANGUAGES}, weight)


@dataclass(frozen=True)
class CallForm:
    """The call form's values as text (what the page shows back) and its errors (field name -> message)."""

    creating: bool
    slug: str = ""
    titles: dict[str, str] = field(default_factory=dict)
    descriptions: dict[str, str] = field(default_factory=dict)
    opens_at: str = ""
    closes_at: str = ""
    timezone: str = "Europe/Brussels"
    quota: str = "11"
    rows: tuple[CriterionRow, ...] = ()
    errors: dict[str, str] = field(default_factory=dict)

    @property
    def shown_rows(self) -> tuple[CriterionRow, ...]:
        """The typed rows and blank ones after them: at least MIN_CRITERION_ROWS, always some spare."""
        count = max(MIN_CRITERION_ROWS, len(self.rows) + SPARE_CRITERION_ROWS)
        return self.rows + tuple(CriterionRow() for _ in range(count - len(self.rows)))

    @classmethod
    def of_call(cls, call: Call) -> CallForm:
        zone = ZoneInfo(call.timezone)
        return cls(
            creating=False,
            slug=call.slug,
            titles=dict(call.title),
            descriptions=dict(call.description),
            opens_at=call.opens_at.astimezone(zone).strftime(LOCAL_INPUT),
            closes_at=call.closes_at.astimezone(zone).strftime(LOCAL_INPUT),
            timezone=call.timezone,
            quota=str(call.quota),
            rows=tuple(CriterionRow.of(c) for c in call.criteria),
        )

    @classmethod
    def of_post(cls, data: dict[str, list[str]], creating: bool, slug: str = "") -> CallForm:
        def one(name: str) -> str:
            return (data.get(name) or [""])[-1].strip()

        keys, weights = data.get("criterion_key", []), data.get("criterion_weight", [])
        names = {lang: data.get(f"criterion_name_{lang}", []) for lang in CRITERION_LANGUAGES}
        rows = tuple(
            CriterionRow(
                key.strip(),
                {lang: (names[lang][i] if i < len(names[lang]) else "").strip() for lang in CRITERION_LANGUAGES},
                (weights[i] if i < len(weights) else "").strip(),
            )
            for i, key in enumerate(keys)
        )
        return cls(
            creating=creating,
            slug=one("slug") if creating else slug,
            titles={lang: one(f"title_{lang}") for lang in FORM_LANGUAGES},
            descriptions={lang: one(f"description_{lang}") for lang in FORM_LANGUAGES},
            opens_at=one("opens_at"),
            closes_at=one("closes_at"),
            timezone=one("timezone"),
            quota=one("quota"),
            rows=tuple(row for row in rows if not row.blank()),
        )

    def body(self, kept: Call | None) -> dict[str, Any]:
        """What the models validate: blank translations left out, the window in the call's timezone.
        On edit, criterion names in languages this page does not show are kept from the call."""
        old = {c.key: c.name for c in kept.criteria} if kept else {}
        criteria = [
            {
                "key": row.key,
                "name": {k: v for k, v in old.get(row.key, {}).items() if k not in CRITERION_LANGUAGES}
                | {lang: name for lang, name in row.names.items() if name},
                "weight": row.weight or None,
            }
            for row in self.rows
        ]
        return {
            "title": {lang: text for lang, text in self.titles.items() if text},
            "description": {lang: text for lang, text in self.descriptions.items() if text},
            "opens_at": _moment(self.opens_at, self.timezone),
            "closes_at": _moment(self.closes_at, self.timezone),
            "timezone": self.timezone,
            "quota": self.quota or None,
            "criteria": criteria,
        } | ({"slug": self.slug} if self.creating else {})

    def refused(self, errors: dict[str, str]) -> CallForm:
        return CallForm(**{**self.__dict__, "errors": errors})


def _moment(value: str, zone: str) -> datetime | str | None:
    """A datetime-local value as a moment in the call's timezone (UTC while the timezone is unknown)."""
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return value
    try:
        place = ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        place = ZoneInfo("UTC")
    return moment if moment.tzinfo else moment.replace(tzinfo=place)


def _field_of(location: Location, kind: str) -> tuple[str, str]:
    """Where the page shows a model error (see CallForm.body for the shape validated)."""
    head = str(location[0]) if location else ""
    if head in ("title", "description"):
        language = str(location[1]) if len(location) > 1 else "en"
        return f"{head}_{language}", "title" if kind == "value_error" else "too_long"
    if head == "criteria" and len(location) >= 3:
        row, part = location[1], str(location[2])
        if part == "name":
            language = str(location[3]) if len(location) > 3 else "en"
            return f"criterion_{row}_name_{language}", "criterion_name"
        return f"criterion_{row}_{part}", part if part in ("key", "weight") else "criteria"
    if head in ("opens_at", "closes_at"):
        return head, "closes_at" if kind == "value_error" else "moment"
    if head in ("slug", "timezone", "quota", "criteria"):
        return head, head
    return "form", "criteria"


def texts_of(request: Request) -> StaffTexts:
    return PAGES.texts(PAGES.viewer(request))  # type: ignore[return-value]


def _form_page(request: Request, form: CallForm, code: int = 200, csrf_failed: bool = False) -> HTMLResponse:
    return PAGES.render(
        request,
        "call_form.html",
        code,
        current="calls",
        form=form,
        languages_of_form=CALL_FORM_LANGUAGES,
        criterion_languages=CRITERION_LANGUAGES,
        timezones=EU_CAPITAL_TIMEZONES,
        csrf_failed=csrf_failed,
    )


def _no_such(request: Request, slug: str) -> HTMLResponse:
    t = texts_of(request)
    return PAGES.render(request, "message.html", 404, current="calls", title=t(N_("No such call")), body=slug)


@router.get(NEW_CALL_PATH.removeprefix("/staff"), response_class=HTMLResponse)
async def new_call_page(request: Request, who: Admin) -> Response:
    return _form_page(request, CallForm(creating=True))


@router.get("/calls/{slug}/edit", response_class=HTMLResponse)
async def edit_call_page(slug: str, request: Request, deps: Deps, who: Admin) -> Response:
    try:
        call = await calls.get_call(deps, slug)
    except NotFound:
        return _no_such(request, slug)
    return _form_page(request, CallForm.of_call(call))


@router.post(NEW_CALL_PATH.removeprefix("/staff"), response_class=HTMLResponse)
async def create_call(request: Request, deps: Deps, who: Admin) -> Response:
    return await _save(request, deps, who, None)


@router.post("/calls/{slug}/edit", response_class=HTMLResponse)
async def edit_call(slug: str, request: Request, deps: Deps, who: Admin) -> Response:
    return await _save(request, deps, who, slug)


async def _save(request: Request, deps: Dependencies, who: StaffMember, slug: str | None) -> Response:
    """Validate like the API, save with its workflow; a refused form is the same page, values kept (422)."""
    data = await posted_lists(request)
    form = CallForm.of_post(data, creating=slug is None, slug=slug or "")
    if not csrf_ok(request, {key: values[-1] for key, values in data.items()}):
        return _form_page(request, form, status.HTTP_403_FORBIDDEN, csrf_failed=True)
    kept = None
    if slug is not None:
        try:
            kept = await calls.get_call(deps, slug)
        except NotFound:
            return _no_such(request, slug)
    t = texts_of(request)
    try:
        body = form.body(kept)
        spec = NewCall.model_validate(body).spec() if slug is None else CallSpec.model_validate(body)
    except ValidationError as error:
        return _form_page(request, form.refused(field_errors(error, _field_of, t)), 422)
    target = slug or body["slug"]
    try:
        await calls.save_call(deps, spec, target, f"{who.role}:{who.name}", created=slug is None)
    except NotFound:
        return _no_such(request, target)
    except Refused as error:
        message = t.field_error("exists") if error.code == "exists" else t.refusal(error)
        field = "quota" if error.code == "quota_below_taken" else "slug"
        return _form_page(request, form.refused({field: message}), status.HTTP_409_CONFLICT)
    return RedirectResponse(f"/staff/calls/{target}{kept_language(request)}", status.HTTP_303_SEE_OTHER)
