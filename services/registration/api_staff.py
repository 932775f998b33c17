"""Staff JSON API (bearer tokens, roles reviewer/admin): calls, review, decisions, export, audit, erasure."""

from __future__ import annotations

from typing import Annotated, Any, Literal
from uuid import UUID

from fastapi import APIRouter, Depends, HTTPException, Query, status
from fastapi.responses import Response
from pydantic import BaseModel, EmailStr, Field, StringConstraints

from services.registration.domain import messages
from services.registration.domain.applications import NotEditable
from services.registration.domain.calls import CallSpec
from services.registration.domain.review import Status
from services.registration.domain.scoring import ReviewInput, visible_reviews, weighted_score
from services.registration.emit import emit
from services.registration.export import applications_csv, csv_response
from services.registration.links import Links
from services.registration.storage import applications, audit, calls, reviews
from services.registration.workflows import applicant, selection
from services.registration.workflows.privacy import erase_person
from shared.logs import correlation_id
from shared.refusals import NotFound, Refused
from shared.runtime import Runtime, runtime_of
from shared.security.auth import StaffMember
from shared.web.access import require_role
from shared.web.openapi import detail_answer

router = APIRouter(prefix="/api/v1/staff", tags=["staff"], responses={401: {}, 403: {}})
RuntimeDep = Annotated[Runtime, Depends(runtime_of)]
Reviewer = Annotated[StaffMember, Depends(require_role("reviewer"))]
Admin = Annotated[StaffMember, Depends(require_role("admin"))]
Reason = Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000)]
Slug = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]{2,79}$")]
UNKNOWN = {404: detail_answer("No such call or application")}
REFUSED = {409: {"description": "The rules refuse it: `detail` says why"}}


class NewCall(CallSpec):
    slug: Slug


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


def refused(error: Refused) -> HTTPException:
    return HTTPException(status.HTTP_409_CONFLICT, {"code": error.code, "message": str(error)})


def missing(error: NotFound) -> HTTPException:
    return HTTPException(status.HTTP_404_NOT_FOUND, f"There is no {error.what}.")


async def _save_call(runtime: Runtime, spec: CallSpec, slug: str, who: StaffMember, created: bool) -> dict:
    now = runtime.clock()
    call = spec.to_call(slug)
    async with runtime.pool.acquire() as conn, conn.transaction():
        exists = await calls.get_call(conn, slug, lock=True)
        if created and exists:
            raise HTTPException(status.HTTP_409_CONFLICT, f"A call {slug!r} exists already.")
        if not created and not exists:
            raise HTTPException(status.HTTP_404_NOT_FOUND, f"There is no call {slug!r}.")
        await calls.upsert_call(conn, call)
        await emit(conn, messages.call_opened(call, Links(runtime.settings).form(slug)), key=slug, now=now)
        await audit.record(
            conn, at=now, actor=f"{who.role}:{who.name}", action="call.created" if created else "call.changed",
            subject=slug, details=spec.model_dump(mode="json"), correlation_id=correlation_id.get(),
        )  # fmt: skip
    return {"slug": slug}


@router.post("/calls", status_code=status.HTTP_201_CREATED, responses=REFUSED)
async def create_call(body: NewCall, runtime: RuntimeDep, who: Admin) -> dict:
    spec = CallSpec.model_validate(body.model_dump(exclude={"slug"}))
    return await _save_call(runtime, spec, body.slug, who, created=True)


@router.put("/calls/{slug}", responses=UNKNOWN)
async def change_call(slug: str, spec: CallSpec, runtime: RuntimeDep, who: Admin) -> dict:
    return await _save_call(runtime, spec, slug, who, created=False)


def _summary(application, score: float | None, reviewed_by_me: bool, who: StaffMember) -> dict[str, Any]:
    form = application.form
    show_score = who.role == "admin" or reviewed_by_me
    return {
        "id": str(application.id),
        "city": form.city,
        "country": form.country,
        "region": form.region,
        "status": application.status.value,
        "staged_decision": application.staged_decision.value if application.staged_decision else None,
        "waitlist_position": application.waitlist_position,
        "submitted_at": application.submitted_at.isoformat(),
        "score": score if show_score else None,
        "reviewed_by_me": reviewed_by_me,
    }


@router.get("/calls/{slug}/applications", responses=UNKNOWN)
async def list_applications(
    slug: str,
    runtime: RuntimeDep,
    who: Reviewer,
    status_filter: Annotated[Status | None, Query(alias="status")] = None,
    country: str | None = None,
) -> dict[str, Any]:
    """Applications best first (ranking by weighted score); others' scores hidden until you scored."""
    async with runtime.pool.acquire() as conn:
        call = await calls.get_call(conn, slug)
        if call is None:
            raise HTTPException(status.HTTP_404_NOT_FOUND, f"There is no call {slug!r}.")
        order, scores = await selection.call_ranking(conn, call)
        found = {
            a.id: a
            for a in await applications.list_applications(
                conn, slug, status_filter.value if status_filter else None, country
            )
        }
        by_application = await reviews.reviews_of_call(conn, slug)
    rows = [
        _summary(found[a], scores[a], any(r.reviewer == who.name for r in by_application.get(a, [])), who)
        for a in order
        if a in found
    ]
    return {"call": slug, "quota": call.quota, "applications": rows}


@router.get("/applications/{application_id}", responses=UNKNOWN)
async def application_detail(application_id: UUID, runtime: RuntimeDep, who: Reviewer) -> dict[str, Any]:
    async with runtime.pool.acquire() as conn:
        application = await applications.get_application(conn, application_id)
        if application is None:
            raise HTTPException(status.HTTP_404_NOT_FOUND, "There is no application.")
        call = await calls.get_call(conn, application.call_slug)
        every = await reviews.reviews_of(conn, application_id)
        log = await audit.entries(conn, str(application_id))
    shown = visible_reviews(every, who.name, who.role == "admin")
    return {
        **_summary(application, None, any(r.reviewer == who.name for r in every), who),
        "answers": application.form.answers(),
        "consent": {"version": application.consent.version, "given_at": application.consent.given_at.isoformat()},
        "more_info_until": application.more_info_until,
        "criteria": [c.model_dump(mode="json") for c in call.criteria],
        "reviews": [
            {
                "reviewer": r.reviewer,
                "scores": dict(r.scores),
                "weighted": weighted_score(r.scores, call.criteria),
                "comment": r.comment,
                "reviewed_at": r.reviewed_at.isoformat(),
            }
            for r in shown
        ],
        "reviews_hidden": len(every) - len(shown),
        "audit": log if who.role == "admin" else [],
    }


@router.post("/applications/{application_id}/status", responses=UNKNOWN | REFUSED)
async def move_application(application_id: UUID, body: Move, runtime: RuntimeDep, who: Admin) -> dict:
    try:
        entry = await selection.move(runtime, application_id, Status(body.status), who, body.reason)
    except NotFound as error:
        raise missing(error) from None
    except Refused as error:
        raise refused(error) from None
    return {"status": entry.status.value}


@router.post("/applications/{application_id}/more-information", responses=UNKNOWN | REFUSED)
async def ask_more_information(application_id: UUID, body: MoreInformation, runtime: RuntimeDep, who: Admin) -> dict:
    try:
        asked = await selection.request_more_information(runtime, application_id, body.message, body.days, who)
    except NotFound as error:
        raise missing(error) from None
    except Refused as error:
        raise refused(error) from None
    return {"status": asked.status.value, "respond_by": asked.more_info_until}


@router.put("/applications/{application_id}/review", responses=UNKNOWN)
async def score_application(application_id: UUID, body: ReviewInput, runtime: RuntimeDep, who: Reviewer) -> dict:
    try:
        own = await selection.score(runtime, application_id, body, who)
    except NotFound as error:
        raise missing(error) from None
    except Refused as error:
        field_error = {"loc": ["body", "scores"], "msg": str(error), "type": "value_error"}
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_ENTITY, [field_error]) from None
    return {"weighted_score": own}


@router.put("/applications/{application_id}/decision", responses=UNKNOWN | REFUSED)
async def stage_decision(application_id: UUID, body: StagedDecision, runtime: RuntimeDep, who: Admin) -> dict:
    """Stage (or unstage) a decision; applicants learn it only when decisions are released."""
    decision = Status(body.decision) if body.decision else None
    try:
        entry = await selection.stage(runtime, application_id, decision, who, body.reason)
    except NotFound as error:
        raise missing(error) from None
    except Refused as error:
        raise refused(error) from None
    return {"status": entry.status.value, "staged_decision": entry.staged.value if entry.staged else None}


@router.post("/calls/{slug}/release", responses=UNKNOWN | REFUSED)
async def release_decisions(slug: str, runtime: RuntimeDep, who: Admin) -> dict:
    try:
        released = await selection.release(runtime, slug, who)
    except NotFound as error:
        raise missing(error) from None
    except Refused as error:
        raise refused(error) from None
    return {"released": [{"id": str(a), "decision": d.value} for a, d in released]}


@router.post("/applications/{application_id}/withdrawal", responses=UNKNOWN | REFUSED)
async def withdraw_for_applicant(application_id: UUID, body: Withdrawal, runtime: RuntimeDep, who: Admin) -> dict:
    """Record a withdrawal the applicant asked for by other means (e.g. a selected city declining)."""
    try:
        promoted = await applicant.withdraw(runtime, application_id, actor=f"admin:{who.name}")
    except NotFound as error:
        raise missing(error) from None
    except (Refused, NotEditable) as error:
        raise HTTPException(status.HTTP_409_CONFLICT, f"Cannot withdraw: {error}") from None
    return {"status": "withdrawn", "promoted": str(promoted) if promoted else None}


@router.get(
    "/calls/{slug}/export.csv", response_class=Response, responses={200: {"content": {"text/csv": {}}}} | UNKNOWN
)
async def export_csv(slug: str, runtime: RuntimeDep, who: Admin) -> Response:
    """Applications and scores, best first (UTF-8 with BOM, so that spreadsheets read accents right)."""
    async with runtime.pool.acquire() as conn:
        call = await calls.get_call(conn, slug)
        if call is None:
            raise HTTPException(status.HTTP_404_NOT_FOUND, f"There is no call {slug!r}.")
        return csv_response(await applications_csv(conn, call), slug, runtime.clock())


@router.get("/audit")
async def audit_log(runtime: RuntimeDep, who: Admin, subject: str | None = None) -> list[dict[str, Any]]:
    async with runtime.pool.acquire() as conn:
        return await audit.entries(conn, subject)


@router.post("/people/erasure")
async def erase(body: Erasure, runtime: RuntimeDep, who: Admin) -> dict:
    """Anonymise everything about this email address here; PersonErased tells the other services."""
    now = runtime.clock()
    async with runtime.pool.acquire() as conn, conn.transaction():
        records = await erase_person(conn, str(body.email), now, f"admin:{who.name}", body.reason)
    return {"erased_records": records}
