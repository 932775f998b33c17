"""Staff/ops HTTP API of notifications: the delivery log, previews, resending, explanations,
staff notification preferences. Authenticated with staff bearer tokens (shared.security.auth)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from datetime import datetime
from typing import Annotated, Any, Literal
from uuid import UUID
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from fastapi import APIRouter, Depends, HTTPException, Path, Query
from pydantic import BaseModel, EmailStr, Field, field_validator

from services.notifications.domain import emails
from services.notifications.domain.dead_letters import ReplayAction
from services.notifications.domain.delivery import Delivery, DeliveryQuery, Status
from services.notifications.domain.routes import STAFF_KINDS
from services.notifications.mail.rendering import email_templates
from services.notifications.workflows import delivery_log, preferences, previews
from services.notifications.workflows.explain import explain
from services.notifications.workflows.replay import replay_dead_letters, waiting_dead_letters
from shared.contracts import EU_LANGUAGES
from shared.dependencies import Dependencies
from shared.refusals import NotFound, Refused
from shared.runtime import Runtime, dependencies_of, runtime_of
from shared.security.auth import StaffMember
from shared.web.access import require_role
from shared.web.openapi import detail_answer

router = APIRouter(prefix="/api/v1", tags=["deliveries"])

Deps = Annotated[Dependencies, Depends(dependencies_of)]
RuntimeDep = Annotated[Runtime, Depends(runtime_of)]
Reviewer = Annotated[StaffMember, Depends(require_role("reviewer"))]
Admin = Annotated[StaffMember, Depends(require_role("admin"))]


BIGINT_MAX = 2**63 - 1
DeliveryId = Annotated[int, Path(ge=1, le=BIGINT_MAX, description="a delivery-log row id (PostgreSQL bigint)")]
"""Bounded so that an id beyond bigint is a 422, not a database overflow (500)."""


class DeliveryCounts(BaseModel):
    """How many emails are in each state of the delivery log (no personal data)."""

    counts: dict[str, int]


class DeliveryPage(BaseModel):
    deliveries: list[Delivery]
    next_before_id: int | None = Field(description="pass as before_id for the next page")


@dataclass(frozen=True)
class DeliveryDetail(Delivery):
    """One delivery with its bodies (the rest of the stored row stays internal)."""

    body_text: str
    body_html: str


class Preview(BaseModel):
    template: str
    language: str = Field(description="the language actually used after the fallback chain")
    subject: str
    text: str
    html: str


class StaffProfile(BaseModel):
    language: Literal[EU_LANGUAGES] = "en"  # type: ignore[valid-type]
    timezone: str = "Europe/Brussels"
    digest_kinds: list[str] = Field(default=[], description=f"kinds sent once a day instead of at once: {STAFF_KINDS}")

    @field_validator("timezone")
    @classmethod
    def _timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError("not an IANA timezone, e.g. Europe/Brussels") from None
        return value

    @field_validator("digest_kinds")
    @classmethod
    def _kinds(cls, value: list[str]) -> list[str]:
        unknown = sorted(set(value) - set(STAFF_KINDS))
        if unknown:
            raise ValueError(f"unknown kinds {unknown}; choose among {list(STAFF_KINDS)}")
        return sorted(set(value))


@router.get("/deliveries/counts", response_model=DeliveryCounts)
async def delivery_counts(deps: Deps, staff: Reviewer) -> DeliveryCounts:
    """Deliveries per status (monitoring without a token: notifications_deliveries on /metrics)."""
    return DeliveryCounts(counts=await delivery_log.counts(deps))


@router.get("/deliveries", response_model=DeliveryPage)
async def list_deliveries(
    deps: Deps,
    staff: Reviewer,
    recipient: EmailStr | None = None,
    event_id: UUID | None = None,
    status: Status | None = None,
    template: Annotated[str | None, Query(max_length=100)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    before_id: Annotated[int | None, Query(ge=1, le=BIGINT_MAX)] = None,
) -> DeliveryPage:
    query = DeliveryQuery(
        recipient=recipient, event_id=event_id, status=status, template=template, limit=limit, before_id=before_id
    )
    found = await delivery_log.page(deps, query)
    return DeliveryPage(deliveries=found, next_before_id=found[-1].id if len(found) == limit else None)


@router.get(
    "/deliveries/{delivery_id}", response_model=DeliveryDetail, responses={404: detail_answer("No such delivery")}
)
async def get_delivery(delivery_id: DeliveryId, deps: Deps, staff: Reviewer) -> DeliveryDetail:
    try:
        email = await delivery_log.detail(deps, delivery_id)
    except NotFound:
        raise HTTPException(404, "No such delivery.") from None
    return DeliveryDetail(**{f.name: getattr(email, f.name) for f in fields(DeliveryDetail)})


@router.post(
    "/deliveries/{delivery_id}/resend",
    response_model=Delivery,
    responses={409: detail_answer("No such delivery, being sent right now, or erased")},
)
async def resend(delivery_id: DeliveryId, deps: Deps, staff: Admin) -> Delivery:
    """Send the same email again (same Message-ID), e.g. after the recipient's mailbox was fixed."""
    try:
        resent = await delivery_log.resend(deps, delivery_id)
    except Refused as refusal:
        raise HTTPException(409, str(refusal)) from None
    return resent


@router.get("/templates", response_model=list[str])
async def templates(staff: Reviewer) -> list[str]:
    return email_templates()


@router.get("/templates/{template}/preview", response_model=Preview, responses={404: detail_answer("No such template")})
async def preview(
    template: str, staff: Reviewer, language: Annotated[str, Query(pattern=r"^[a-zA-Z]{2}([-_][a-zA-Z]{2})?$")] = "en"
) -> Preview:
    """Render any template in any language with sample data (with an example unsubscribe link)."""
    try:
        email = previews.preview(template, language)
    except NotFound:
        raise HTTPException(404, f"Unknown template; known: {', '.join(email_templates())}.") from None
    return Preview(template=template, language=email.language, subject=email.subject, text=email.text, html=email.html)


@router.get("/explain")
async def explain_delivery(
    deps: Deps, staff: Reviewer, recipient: EmailStr, event_id: UUID | None = None
) -> dict[str, Any]:
    """Why did `recipient` (not) get the emails of `event_id` (or their latest emails)?"""
    return (await explain(deps, recipient, event_id)).answer()


class Replay(BaseModel):
    republished: int = Field(description="poison or failed messages produced again to their source topic")
    resent: int = Field(description="finally failed emails made due again")
    skipped: int


class DeadLetterView(BaseModel):
    topic: str
    partition: int
    offset: int
    dead_lettered_at: datetime
    consumer: str
    source: str
    reason: str
    action: ReplayAction = Field(description="what the next replay does with it")


@router.get("/dead-letters", response_model=list[DeadLetterView])
async def dead_letters(deps: Deps, staff: Admin) -> list[DeadLetterView]:
    """The dead letters the next replay would act on (since the last replay), oldest first."""
    return [DeadLetterView(**asdict(letter)) for letter in await waiting_dead_letters(deps)]


@router.post("/dead-letters/replay", response_model=Replay)
async def replay(runtime: RuntimeDep, staff: Admin) -> Replay:
    """Give everything notifications dead-lettered (since the last replay) another go."""
    report = await replay_dead_letters(runtime.dependencies, runtime.producer)
    return Replay(republished=report.republished, resent=report.resent, skipped=report.skipped)


@router.put("/staff-profiles/{email}", response_model=StaffProfile)
async def save_staff_profile(email: EmailStr, profile: StaffProfile, deps: Deps, staff: Admin) -> StaffProfile:
    """A staff member's language, timezone and which workflow notices go into the daily digest."""
    saved = emails.StaffProfile(email, profile.language, profile.timezone, tuple(profile.digest_kinds))
    try:
        await preferences.save_staff_profile(deps, saved)
    except Refused as refusal:
        raise HTTPException(422, [{"loc": ["path", "email"], "msg": str(refusal), "type": "value_error"}]) from None
    return profile
