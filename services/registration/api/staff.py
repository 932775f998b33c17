"""Staff JSON API (bearer tokens, roles reviewer/admin): calls, review, decisions, export, audit, erasure."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal
from uuid import UUID

from fastapi import APIRouter, Depends, HTTPException, Query, status
from fastapi.responses import Response
from pydantic import BaseModel, EmailStr, Field, StringConstraints

from services.registration.api.refusals import not_found, refused
from services.registration.domain.applications import Application, NotEditable
from services.registration.domain.calls import CallSpec
from services.registration.domain.review import Status
from services.registration.domain.scoring import ReviewInput
from services.registration.workflows import applicant, calls, privacy, selection
from shared.dependencies import Dependencies
from shared.paging import DEFAULT_LIMIT, Window
from shared.refusals import NotFound, Refused
from shared.runtime import dependencies_of
from shared.security.auth import StaffMember
from shared.web.access import require_role
from shared.web.openapi import detail_answer
from shared.web.paged_answers import Limit, Offset, window_fields

router = APIRouter(prefix="/api/v1/staff", tags=["staff"], responses={401: {}, 403: {}})
Deps = Annotated[Dependencies, Depends(dependencies_of)]
Reviewer = Annotated[StaffMember, Depends(require_role("reviewer"))]
Admin = Annotated[StaffMember, Depends(require_role("admin"))]
Reason = Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000)]
Slug = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]{2,79}$")]
UNKNOWN = {404: detail_answer("No such call or application")}
REFUSED = {409: {"description": "The rules refuse it: `detail` says why"}}


class NewCall(CallSpec):
    slug: Slug

    def spec(self) -> CallSpec:
        """The call without its slug, as the workflow takes it."""
        return CallSpec.model_validate(self.model_dump(exclude={"slug"}))


class Move(BaseModel):
    status: Literal["under_review", "shortlisted"]
    reason: Reason | None = None


class MoreInformation(BaseModel):
    message: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=4000)]
    days: int = Field(default=selection.DEFAULT_MORE_INFO_DAYS, ge=1, le=90)


class StagedDecision(BaseModel):
    decision: Literal["selected", "waitlisted", "rejected"] | None = Field(description="null: unstage")
    reason: Reason | None = None


class Withdrawal(BaseModel):
    reason: Reason


class Erasure(BaseModel):
    email: EmailStr
    reason: Reason = "request of the person"


def csv_response(text: str, slug: str, now: datetime) -> Response:
    """A CSV download (UTF-8 with BOM, so that spreadsheets read accents right)."""
    filename = f"{slug}-applications-{now.date().isoformat()}.csv"
    return Response(
        "\ufeff" + text,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


async def _save_call(deps: Dependencies, spec: CallSpec, slug: str, who: StaffMember, created: bool) -> dict:
    try:
        await calls.save_call(deps, spec, slug, f"{who.role}:{who.name}", created=created)
    except NotFound as error:
        raise not_found(error) from None
    except Refused as error:
        raise HTTPException(status.HTTP_409_CONFLICT, str(error)) from None
    return {"slug": slug}


@router.post("/calls", status_code=status.HTTP_201_CREATED, responses=REFUSED)
async def create_call(body: NewCall, deps: Deps, who: Admin) -> dict:
    return await _save_call(deps, body.spec(), body.slug, who, created=True)


@router.put("/calls/{slug}", responses=UNKNOWN)
async def change_call(slug: str, spec: CallSpec, deps: Deps, who: Admin) -> dict:
    return await _save_call(deps, spec, slug, who, created=False)


def _summary(
    application: Application, score: float | None, reviewed_by_me: bool, rank: int | None = None
) -> dict[str, Any]:
    form = application.form
    return {
        "id": str(application.id),
        "city": form.city,
        "country": form.country,
        "region": form.region,
        "status": application.status.value,
        "staged_decision": application.staged_decision.value if application.staged_decision else None,
        "waitlist_position": application.waitlist_position,
        "submitted_at": application.submitted_at.isoformat(),
        "score": score,
        "rank": rank,
        "reviewed_by_me": reviewed_by_me,
    }


@router.get("/calls/{slug}/applications", responses=UNKNOWN)
async def list_applications(
    slug: str,
    deps: Deps,
    who: Reviewer,
    status_filter: Annotated[Status | None, Query(alias="status")] = None,
    country: str | None = None,
    limit: Limit = DEFAULT_LIMIT,
    offset: Offset = 0,
) -> dict[str, Any]:
    """Applications best first (ranking by weighted score) for admins; a reviewer gets the ones they scored
    ranked, then the others unranked in order of submission, their scores hidden until they score them.
    One window of that order at a time (`limit`, `offset`); `total` counts every match of the filters and
    `next_offset` is the next window's offset (null after the last)."""
    wanted = status_filter.value if status_filter else None
    try:
        found = await selection.call_applications(deps, slug, who, wanted, country, Window(offset, limit))
    except NotFound as error:
        raise not_found(error) from None
    page = found.page
    return {
        "call": slug,
        "quota": found.call.quota,
        **window_fields(page),
        "applications": [_summary(a.application, a.score, a.reviewed_by_me, a.rank) for a in page.items],
    }


@router.get("/applications/{application_id}", responses=UNKNOWN)
async def application_detail(application_id: UUID, deps: Deps, who: Reviewer) -> dict[str, Any]:
    try:
        file = await selection.application_file(deps, application_id, who)
    except NotFound as error:
        raise not_found(error) from None
    application, call = file.application, file.call
    return {
        **_summary(application, None, file.reviewed_by_me),
        "answers": application.form.answers(),
        "consent": {"version": application.consent.version, "given_at": application.consent.given_at.isoformat()},
        "more_info_until": application.more_info_until,
        "criteria": [c.model_dump(mode="json") for c in call.criteria],
        "reviews": [
            {
                "reviewer": shown.review.reviewer,
                "scores": dict(shown.review.scores),
                "weighted": shown.weighted,
                "weighted_from": list(shown.computed_from),
                "comment": shown.review.comment,
                "reviewed_at": shown.review.reviewed_at.isoformat(),
            }
            for shown in file.reviews
        ],
        "reviews_hidden": file.hidden,
        "questions": [
            {
                "question": q.question,
                "asked_by": q.asked_by,
                "asked_at": q.asked_at.isoformat(),
                "respond_by": q.respond_by.isoformat(),
                "answer": q.answer,
                "answered_at": q.answered_at.isoformat() if q.answered_at else None,
            }
            for q in file.questions
        ],  # fmt: skip
        "audit": file.log,
    }


@router.post("/applications/{application_id}/status", responses=UNKNOWN | REFUSED)
async def move_application(application_id: UUID, body: Move, deps: Deps, who: Admin) -> dict:
    try:
        entry = await selection.move(deps, application_id, Status(body.status), who, body.reason)
    except NotFound as error:
        raise not_found(error) from None
    except Refused as error:
        raise refused(error) from None
    return {"status": entry.status.value}


@router.post("/applications/{application_id}/more-information", responses=UNKNOWN | REFUSED)
async def ask_more_information(application_id: UUID, body: MoreInformation, deps: Deps, who: Admin) -> dict:
    try:
        asked = await selection.request_more_information(deps, application_id, body.message, body.days, who)
    except NotFound as error:
        raise not_found(error) from None
    except Refused as error:
        raise refused(error) from None
    return {"status": asked.status.value, "respond_by": asked.more_info_until}


@router.put("/applications/{application_id}/review", responses=UNKNOWN)
async def score_application(application_id: UUID, body: ReviewInput, deps: Deps, who: Reviewer) -> dict:
    try:
        own = await selection.score(deps, application_id, body, who)
    except NotFound as error:
        raise not_found(error) from None
    except Refused as error:
        field_error = {"loc": ["body", "scores"], "msg": str(error), "type": "value_error"}
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_ENTITY, [field_error]) from None
    return {"weighted_score": own}


@router.put("/applications/{application_id}/decision", responses=UNKNOWN | REFUSED)
async def stage_decision(application_id: UUID, body: StagedDecision, deps: Deps, who: Admin) -> dict:
    """Stage (or unstage) a decision; applicants learn it only when decisions are released."""
    decision = Status(body.decision) if body.decision else None
    try:
        entry = await selection.stage(deps, application_id, decision, who, body.reason)
    except NotFound as error:
        raise not_found(error) from None
    except Refused as error:
        raise refused(error) from None
    return {"status": entry.status.value, "staged_decision": entry.staged.value if entry.staged else None}


@router.post("/calls/{slug}/release", responses=UNKNOWN | REFUSED)
async def release_decisions(slug: str, deps: Deps, who: Admin) -> dict:
    try:
        released = await selection.release(deps, slug, who)
    except NotFound as error:
        raise not_found(error) from None
    except Refused as error:
        raise refused(error) from None
    return {"released": [{"id": str(a), "decision": d.value} for a, d in released]}


@router.post("/applications/{application_id}/withdrawal", responses=UNKNOWN | REFUSED)
async def withdraw_for_applicant(application_id: UUID, body: Withdrawal, deps: Deps, who: Admin) -> dict:
    """Record a withdrawal the applicant asked for by other means (e.g. a selected city declining)."""
    try:
        promoted = await applicant.withdraw(deps, application_id, actor=f"admin:{who.name}")
    except NotFound as error:
        raise not_found(error) from None
    except (Refused, NotEditable) as error:
        raise HTTPException(status.HTTP_409_CONFLICT, f"Cannot withdraw: {error}") from None
    return {"status": "withdrawn", "promoted": str(promoted) if promoted else None}


@router.get(
    "/calls/{slug}/export.csv", response_class=Response, responses={200: {"content": {"text/csv": {}}}} | UNKNOWN
)
async def export_csv(slug: str, deps: Deps, who: Admin) -> Response:
    """Applications and scores, best first (UTF-8 with BOM, so that spreadsheets read accents right)."""
    try:
        text = await selection.export_applications(deps, slug)
    except NotFound as error:
        raise not_found(error) from None
    return csv_response(text, slug, deps.now())


@router.get("/audit")
async def audit_log(deps: Deps, who: Admin, subject: str | None = None) -> list[dict[str, Any]]:
    return await privacy.audit_log(deps, subject)


@router.post("/people/erasure")
async def erase(body: Erasure, deps: Deps, who: Admin) -> dict:
    """Anonymise everything about this email address here; PersonErased tells the other services."""
    records = await privacy.erase_person(deps, str(body.email), f"admin:{who.name}", body.reason)
    return {"erased_records": records}
