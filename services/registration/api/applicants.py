"""Public JSON API: calls, and what applicants do (same operations as the web form)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, Header, HTTPException, status
from pydantic import BaseModel

from services.registration.api.refusals import not_found, refusing_bad_links
from services.registration.domain.applications import (
    AnswerInput,
    Application,
    ApplicationForm,
    NotEditable,
    edit_deadline,
)
from services.registration.domain.calls import Call, CallNotOpen
from services.registration.storage.applications import DuplicateApplication
from services.registration.web import texts as words
from services.registration.web.texts import Texts
from services.registration.workflows import applicant, calls
from shared.dependencies import Dependencies
from shared.refusals import NotFound, Refused
from shared.runtime import dependencies_of

router = APIRouter(prefix="/api/v1", tags=["applicants"])
Deps = Annotated[Dependencies, Depends(dependencies_of)]
AcceptLanguage = Annotated[str | None, Header()]


class CallView(BaseModel):
    slug: str
    title: dict[str, str]
    description: dict[str, str]
    opens_at: datetime
    closes_at: datetime
    timezone: str
    quota: int
    is_open: bool
    criteria: list[dict[str, Any]]


class ApplicationReceipt(BaseModel):
    id: UUID
    call_id: str
    status: str
    submitted_at: datetime
    message: str


class ApplicationView(BaseModel):
    id: UUID
    call_id: str
    call_title: str
    status: str
    submitted_at: datetime
    updated_at: datetime
    editable: bool
    editable_until: datetime
    answers: dict[str, Any]
    question: str | None = None
    """Staff's question awaiting an answer (POST .../answer), if any."""


class LinkRequest(BaseModel):
    city: str
    country: str


def call_view(call: Call, now: datetime) -> CallView:
    return CallView(
        slug=call.slug,
        title=call.title,
        description=call.description,
        opens_at=call.opens_at,
        closes_at=call.closes_at,
        timezone=call.timezone,
        quota=call.quota,
        is_open=call.is_open(now),
        criteria=[c.model_dump(mode="json") for c in call.criteria],
    )


def not_editable(error: NotEditable, texts: Texts) -> HTTPException:
    reason = {
        "deadline": texts("The deadline to change this application has passed."),
        "status": texts("This application can no longer be changed."),
        "erased": texts("This application can no longer be changed."),
    }[error.reason]
    return HTTPException(status.HTTP_409_CONFLICT, reason)


@router.get("/calls", response_model=list[CallView])
async def list_calls(deps: Deps) -> list[CallView]:
    return [call_view(c, deps.now()) for c in await calls.list_calls(deps)]


@router.get("/calls/{call_id}", response_model=CallView, responses={404: {"description": "Unknown call"}})
async def get_call(call_id: str, deps: Deps) -> CallView:
    try:
        call = await calls.get_call(deps, call_id)
    except NotFound as error:
        raise not_found(error) from None
    return call_view(call, deps.now())


@router.post(
    "/calls/{call_id}/applications",
    status_code=status.HTTP_201_CREATED,
    response_model=ApplicationReceipt,
    responses={
        404: {"description": "Unknown call"},
        409: {"description": "Call not open (message in the applicant's language and timezone), or already applied"},
        413: {"description": "Body too large"},
        429: {"description": "Too many requests from this client"},
    },
)
async def submit(call_id: str, form: ApplicationForm, deps: Deps) -> ApplicationReceipt:
    """Apply to a call. The edit link is sent by email (never in this answer)."""
    texts = Texts(form.language)
    consent = words.consent_text(texts, deps.settings.rejected_retention_days)
    try:
        application, call = await applicant.submit(deps, call_id, form, consent)
    except NotFound as error:
        raise not_found(error) from None
    except CallNotOpen as closed:
        detail = words.call_not_open(texts, closed.not_yet_open, closed.when, form.timezone)
        raise HTTPException(status.HTTP_409_CONFLICT, detail) from None
    except DuplicateApplication:
        raise HTTPException(status.HTTP_409_CONFLICT, words.already_applied(texts, form.city, form.country)) from None
    message = texts("Thank you: your application was received. We have sent you an email with a link to view it.")
    return ApplicationReceipt(
        id=application.id,
        call_id=call.slug,
        status=application.status.value,
        submitted_at=application.submitted_at,
        message=message,
    )


@router.post("/calls/{call_id}/link-requests", status_code=status.HTTP_202_ACCEPTED)
async def request_link(call_id: str, body: LinkRequest, deps: Deps, accept_language: AcceptLanguage = None):
    """Send the edit link again to the contact of that city's application. The answer is the same
    whether or not such an application exists."""
    await applicant.resend_link(deps, call_id, body.city.strip(), body.country.strip())
    texts = Texts(words.language_of(None, accept_language))
    return {"detail": texts("If this city has applied, its contact person will receive the link by email in a moment.")}


def _view(application: Application, call: Call, editable: bool) -> ApplicationView:
    return ApplicationView(
        id=application.id,
        call_id=call.slug,
        call_title=call.title_in(application.form.language),
        status=application.status.value,
        submitted_at=application.submitted_at,
        updated_at=application.updated_at,
        editable=editable,
        editable_until=edit_deadline(application, call),
        answers=application.form.answers(),
    )


@router.get("/applications/{token}", response_model=ApplicationView, responses={404: {}, 410: {}})
async def view_application(token: str, deps: Deps) -> ApplicationView:
    with refusing_bad_links():
        opened = await applicant.open_by_token(deps, token)
    view = _view(opened.application, opened.call, opened.editable)
    return view.model_copy(update={"question": opened.question.question if opened.question else None})


@router.post("/applications/{token}/answer", response_model=ApplicationView, responses={404: {}, 409: {}, 410: {}})
async def answer_question(token: str, body: AnswerInput, deps: Deps, accept_language: AcceptLanguage = None):
    """Answer staff's request for more information; the application is under review again."""
    texts = Texts(words.language_of(None, accept_language))
    with refusing_bad_links():
        try:
            answered = await applicant.answer_question(deps, token, body.answer)
            opened = await applicant.open_by_token(deps, token)
        except NotEditable as error:
            raise not_editable(error, texts) from None
    return _view(answered, opened.call, opened.editable)


@router.put("/applications/{token}", response_model=ApplicationView, responses={404: {}, 409: {}, 410: {}})
async def edit_application(token: str, form: ApplicationForm, deps: Deps) -> ApplicationView:
    texts = Texts(form.language)
    with refusing_bad_links():
        try:
            changed = await applicant.edit(deps, token, form)
            opened = await applicant.open_by_token(deps, token)
        except NotEditable as error:
            raise not_editable(error, texts) from None
        except DuplicateApplication:
            detail = words.already_applied(texts, form.city, form.country)
            raise HTTPException(status.HTTP_409_CONFLICT, detail) from None
    return _view(changed, opened.call, opened.editable)


@router.post("/applications/{token}/withdrawal", responses={404: {}, 409: {}, 410: {}})
async def withdraw_application(token: str, deps: Deps, accept_language: AcceptLanguage = None):
    texts = Texts(words.language_of(None, accept_language))
    with refusing_bad_links():
        try:
            await applicant.withdraw_by_token(deps, token)
        except NotEditable as error:
            raise not_editable(error, texts) from None
        except Refused as error:
            raise HTTPException(status.HTTP_409_CONFLICT, str(error)) from None
    return {"status": "withdrawn", "detail": texts("Your application has been withdrawn.")}
