"""The staff console's mail pages (admins only): the delivery log, one email as sent and resending
it, the explainer, dead letters and their replay, template previews.

Each page calls the same workflow as the staff API (api/deliveries.py); its words are in
web/staff_texts.py. Search forms are GET forms (a search can be bookmarked); resending and
replaying are POST forms with the CSRF token.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any, get_args
from urllib.parse import urlencode
from uuid import UUID

from fastapi import APIRouter, Depends, Path, Request, status
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import EmailStr, TypeAdapter, ValidationError

from services.notifications.domain.delivery import DeliveryQuery, Status
from services.notifications.mail.rendering import email_templates
from services.notifications.web.staff_texts import PAGES, StaffTexts
from services.notifications.workflows import delivery_log, previews
from services.notifications.workflows.explain import explain
from services.notifications.workflows.replay import replay_dead_letters, waiting_dead_letters
from shared.contracts import EU_LANGUAGES
from shared.dependencies import Dependencies
from shared.refusals import NotFound, Refused
from shared.runtime import Runtime, dependencies_of, runtime_of
from shared.security.auth import StaffMember
from shared.web.pages.forms import csrf_ok, posted
from shared.web.pages.guard import StaffPage
from shared.web.pages.rendering import kept_language
from shared.web.pages.texts import N_

router = APIRouter(prefix="/staff/mail", include_in_schema=False)
Deps = Annotated[Dependencies, Depends(dependencies_of)]
RuntimeDep = Annotated[Runtime, Depends(runtime_of)]
Admin = Annotated[StaffMember, Depends(StaffPage())]
DeliveryId = Annotated[int, Path(ge=1, le=2**63 - 1)]
PAGE_SIZE = 50
STATUSES: tuple[Status, ...] = get_args(Status)
ADDRESS = TypeAdapter(EmailStr)


def texts_of(request: Request) -> StaffTexts:
    return PAGES.texts(PAGES.viewer(request))  # type: ignore[return-value]


def render(request: Request, template: str, code: int = 200, **context: Any) -> HTMLResponse:
    return PAGES.render(request, template, code, current="mail", **context)


@dataclass(frozen=True)
class Search:
    """The delivery log's search form as typed, and what is wrong with it (field -> message)."""

    recipient: str = ""
    event_id: str = ""
    template: str = ""
    status: str = ""
    errors: tuple[tuple[str, str], ...] = ()

    def error(self, field: str) -> str:
        return next((message for name, message in self.errors if name == field), "")


def _search(request: Request, t: StaffTexts) -> tuple[Search, DeliveryQuery | None]:
    """The form's values and, when they are valid, the query they ask for."""
    asked = {key: (request.query_params.get(key) or "").strip() for key in ("recipient", "event_id", "template")}
    wanted_status = request.query_params.get("status") or ""
    errors = []
    if asked["recipient"] and not _is_address(asked["recipient"]):
        errors.append(("recipient", t("Write a whole email address, e.g. name@example.org.")))
    event_id = _uuid(asked["event_id"])
    if asked["event_id"] and event_id is None:
        errors.append(("event_id", t("An event id looks like 3f2b8c1e-1111-4e5b-9c1a-2b3c4d5e6f70.")))
    if asked["template"] and asked["template"] not in email_templates():
        errors.append(("template", t("Choose a kind of email from the list.")))
    if wanted_status and wanted_status not in STATUSES:
        errors.append(("status", t("Choose a state from the list.")))
    before = request.query_params.get("before") or ""
    form = Search(**asked, status=wanted_status, errors=tuple(errors))
    if errors:
        return form, None
    query = DeliveryQuery(
        recipient=asked["recipient"] or None,
        event_id=event_id,
        status=wanted_status or None,  # type: ignore[arg-type]
        template=asked["template"] or None,
        limit=PAGE_SIZE,
        before_id=int(before) if before.isdigit() and 0 < int(before) < 2**63 else None,
    )
    return form, query


def _is_address(text: str) -> bool:
    try:
        ADDRESS.validate_python(text)
    except ValidationError:
        return False
    return True


def _uuid(text: str) -> UUID | None:
    try:
        return UUID(text) if text else None
    except ValueError:
        return None


@router.get("", response_class=HTMLResponse)
async def delivery_log_page(request: Request, deps: Deps, who: Admin) -> Response:
    t = texts_of(request)
    form, query = _search(request, t)
    found = await delivery_log.page(deps, query) if query else []
    older = None
    if query and len(found) == PAGE_SIZE:
        kept = [(k, v) for k, v in request.query_params.multi_items() if k != "before"]
        older = f"/staff/mail?{urlencode([*kept, ('before', str(found[-1].id))])}"
    return render(
        request,
        "mail.html",
        400 if form.errors else 200,
        form=form,
        deliveries=found,
        older=older,
        statuses=STATUSES,
        templates=email_templates(),
        counts=await delivery_log.counts(deps),
        place="log",
    )


@router.get("/deliveries/{delivery_id}", response_class=HTMLResponse)
async def delivery_page(delivery_id: DeliveryId, request: Request, deps: Deps, who: Admin) -> Response:
    notice = texts_of(request)(N_("The email is being sent again.")) if request.query_params.get("resent") else None
    return await _delivery_view(request, deps, delivery_id, notice)


async def _delivery_view(
    request: Request,
    deps: Dependencies,
    delivery_id: int,
    notice: str | None,
    error: str | None = None,
    code: int = 200,
) -> Response:
    try:
        email = await delivery_log.detail(deps, delivery_id)
    except NotFound:
        t = texts_of(request)
        return render(request, "message.html", 404, title=t("No such email"), body=t("No email has this number."))
    return render(request, "delivery.html", code, email=email, notice=notice, error=error, place="log")


@router.post("/deliveries/{delivery_id}/resend")
async def resend(delivery_id: DeliveryId, request: Request, deps: Deps, who: Admin) -> Response:
    data = await posted(request)
    t = texts_of(request)
    if not csrf_ok(request, data):
        return await _delivery_view(request, deps, delivery_id, None, t("Session expired: please try again."), 403)
    try:
        await delivery_log.resend(deps, delivery_id)
    except Refused:
        why = t("This email cannot be sent again now: it is being sent, or its recipient's data was erased.")
        return await _delivery_view(request, deps, delivery_id, None, why, 409)
    kept = {"lang": t.language} if kept_language(request) else {}
    target = f"/staff/mail/deliveries/{delivery_id}?{urlencode({'resent': '1'} | kept)}"
    return RedirectResponse(target, status.HTTP_303_SEE_OTHER)


@router.get("/explain", response_class=HTMLResponse)
async def explain_page(request: Request, deps: Deps, who: Admin) -> Response:
    t = texts_of(request)
    recipient = (request.query_params.get("recipient") or "").strip()
    event_text = (request.query_params.get("event_id") or "").strip()
    event_id = _uuid(event_text)
    errors = []
    if recipient and not _is_address(recipient):
        errors.append(("recipient", t("Write a whole email address, e.g. name@example.org.")))
    if event_text and event_id is None:
        errors.append(("event_id", t("An event id looks like 3f2b8c1e-1111-4e5b-9c1a-2b3c4d5e6f70.")))
    form = Search(recipient=recipient, event_id=event_text, errors=tuple(errors))
    answer = await explain(deps, recipient, event_id) if recipient and not errors else None
    return render(request, "explain.html", 400 if errors else 200, form=form, answer=answer, place="explain")


@router.get("/dead-letters", response_class=HTMLResponse)
async def dead_letters_page(request: Request, deps: Deps, who: Admin) -> Response:
    return await _dead_letters_view(request, deps, None)


async def _dead_letters_view(
    request: Request, deps: Dependencies, notice: str | None, error: str | None = None, code: int = 200
) -> Response:
    letters = await waiting_dead_letters(deps)
    return render(request, "dead_letters.html", code, letters=letters, notice=notice, error=error, place="dead_letters")


@router.post("/dead-letters/replay")
async def replay(request: Request, runtime: RuntimeDep, who: Admin) -> Response:
    data = await posted(request)
    t = texts_of(request)
    deps = runtime.dependencies
    if not csrf_ok(request, data):
        return await _dead_letters_view(request, deps, None, t("Session expired: please try again."), 403)
    report = await replay_dead_letters(deps, runtime.producer)
    notice = t(
        N_("Replayed: %(republished)s processed again, %(resent)s emails sent again, %(skipped)s left alone."),
        republished=t.number(report.republished),
        resent=t.number(report.resent),
        skipped=t.number(report.skipped),
    )
    return await _dead_letters_view(request, deps, notice)


@router.get("/previews", response_class=HTMLResponse)
async def previews_page(request: Request, who: Admin) -> Response:
    t = texts_of(request)
    templates = email_templates()
    template = request.query_params.get("template") or templates[0]
    language = request.query_params.get("language") or "en"
    errors = []
    if template not in templates:
        errors.append(("template", t("Choose a kind of email from the list.")))
    if language not in EU_LANGUAGES:
        errors.append(("language", t("Choose a language from the list.")))
    form = Search(template=template, errors=tuple(errors))
    email = None if errors else previews.preview(template, language)
    return render(
        request,
        "previews.html",
        400 if errors else 200,
        form=form,
        language=language,
        email=email,
        templates=templates,
        email_languages=EU_LANGUAGES,
        place="previews",
    )
