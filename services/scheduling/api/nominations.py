"""Nominations: focal points (or admins) nominate and cancel, attendance is marked after the
activity; staff and focal points read the list and the waitlist; a participant's signed ICS link."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from fastapi import APIRouter, HTTPException, Response, status
from pydantic import BaseModel, ConfigDict, EmailStr, Field

from services.scheduling.api.access import (
    INVALID_LINK,
    UNKNOWN,
    AdminOrCity,
    Deps,
    ReaderOrCity,
    actor,
    links,
    verified,
)
from services.scheduling.api.activities import ICS, ICS_MEDIA
from services.scheduling.domain import messages
from services.scheduling.domain.links import INVITATION_ICS_PURPOSE
from services.scheduling.domain.nominations import Nomination, Nominee
from services.scheduling.workflows import nominating
from shared.calendar import calendar, invitation_event
from shared.contracts import EuLanguage, Explanation, Name, Text, TimeZone

router = APIRouter(prefix="/api/v1", tags=["nominations"])


class NominationIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    city_id: UUID = Field(description="the nominating city (a focal point may only give its own)")
    name: Name
    email: EmailStr
    rank: Name | None = Field(default=None, description="role or rank")
    language: EuLanguage
    timezone: TimeZone
    accessibility_needs: Text | None = None


class CancelIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: Text | None = None


class AttendanceIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    attended: bool


class NominationView(BaseModel):
    nomination_id: UUID
    activity_id: UUID
    city_id: UUID
    city_name: str
    name: str
    email: str
    rank: str | None
    language: str
    timezone: str
    accessibility_needs: str | None
    status: str
    waiting_since: datetime
    waitlist_position: int | None = None
    attended: bool | None
    explanation: Explanation | None = None


VIEWED = tuple(name for name in NominationView.model_fields if name in Nomination.__dataclass_fields__)
"""The view's fields a nomination holds under the same name."""


def _view(
    nomination: Nomination, position: int | None = None, explanation: Explanation | None = None
) -> NominationView:
    return NominationView(
        nomination_id=nomination.id,
        waitlist_position=position,
        explanation=explanation,
        **{name: getattr(nomination, name) for name in VIEWED},
    )


@router.post("/activities/{activity_id}/nominations", status_code=201, response_model=NominationView, responses=UNKNOWN)
async def nominate(activity_id: UUID, body: NominationIn, deps: Deps, who: AdminOrCity) -> NominationView:
    """Confirmed when capacity and the city's quota allow, else waitlisted; `explanation` says why."""
    nominee = Nominee(**body.model_dump(exclude={"city_id"}))
    decision = await nominating.nominate(deps, activity_id, body.city_id, nominee, actor(who))
    explanation = decision.explanation
    return _view(decision.nomination, explanation.waitlist_position, explanation)


@router.get("/activities/{activity_id}/nominations", response_model=list[NominationView], responses=UNKNOWN)
async def list_nominations(activity_id: UUID, deps: Deps, who: ReaderOrCity) -> list[NominationView]:
    """Everyone nominated (a focal point sees its own city); waitlisted in the order places are offered."""
    return [_view(n, position) for n, position in await nominating.listing(deps, activity_id, actor(who))]


@router.post("/nominations/{nomination_id}/cancel", response_model=NominationView, responses=UNKNOWN)
async def cancel(nomination_id: UUID, body: CancelIn, deps: Deps, who: AdminOrCity) -> NominationView:
    """Withdraw a nomination; a freed place goes to the next eligible waitlisted person."""
    return _view(await nominating.cancel(deps, nomination_id, actor(who), body.reason))


@router.post("/nominations/{nomination_id}/attendance", response_model=NominationView, responses=UNKNOWN)
async def attendance(nomination_id: UUID, body: AttendanceIn, deps: Deps, who: AdminOrCity) -> NominationView:
    return _view(await nominating.record_attendance(deps, nomination_id, body.attended, actor(who)))


@router.get(
    "/nominations/{nomination_id}/invitation.ics",
    response_class=Response,
    responses=ICS | INVALID_LINK,
)
async def invitation_ics(nomination_id: UUID, token: str, deps: Deps) -> Response:
    """One participant's invitation as ICS (the signed link from their email)."""
    if verified(deps, INVITATION_ICS_PURPOSE, token) != nomination_id:
        raise HTTPException(status.HTTP_403_FORBIDDEN, "this link is not valid")
    activity, nomination = await nominating.invitation(deps, nomination_id)
    invitation = messages.invitation(activity, nomination, links(deps))
    event = invitation_event(messages.activity(activity, links(deps)), invitation)
    return Response(calendar([event], stamp=deps.now(), method=invitation.ics_method), media_type=ICS_MEDIA)
