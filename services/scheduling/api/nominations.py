"""Nominations: focal points (or admins) nominate and cancel, participants decline by signed link,
attendance is marked after the activity; staff and focal points read the list and the waitlist."""

from __future__ import annotations

import html
from datetime import datetime
from urllib.parse import parse_qs
from uuid import UUID

from fastapi import APIRouter, HTTPException, Request, Response, status
from fastapi.responses import HTMLResponse
from pydantic import BaseModel, ConfigDict, EmailStr, Field

from services.scheduling.api.access import (
    INVALID_LINK,
    UNKNOWN,
    AdminOrCity,
    ReaderOrCity,
    RuntimeDep,
    acting_city,
    actor_name,
    context,
    focal_city,
    links,
    transaction,
)
from services.scheduling.api.activities import ICS, ICS_MEDIA
from services.scheduling.domain import places
from services.scheduling.domain.invitations import (
    DECLINE_PURPOSE,
    INVITATION_ICS_PURPOSE,
    activity_of,
    invitation_event,
    invitation_of,
)
from services.scheduling.storage import activities as activity_rows
from services.scheduling.storage import nominations as nomination_rows
from services.scheduling.workflows import nominating
from shared.calendar import calendar
from shared.contracts import EuLanguage, Explanation, Name, Text, TimeZone
from shared.security import signing

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


def _view(row: dict, position: int | None = None) -> NominationView:
    return NominationView(
        nomination_id=row["id"],
        waitlist_position=position,
        **{k: row[k] for k in NominationView.model_fields if k in row and k not in ("nomination_id",)},
    )


@router.post("/activities/{activity_id}/nominations", status_code=201, response_model=NominationView, responses=UNKNOWN)
async def nominate(activity_id: UUID, body: NominationIn, runtime: RuntimeDep, who: AdminOrCity) -> NominationView:
    """Confirmed when capacity and the city's quota allow, else waitlisted; `explanation` says why."""
    async with transaction(runtime) as conn:
        city = await acting_city(conn, who, body.city_id)
        nominee = nominating.Nominee(**body.model_dump(exclude={"city_id"}))
        saved = await nominating.nominate(conn, context(runtime, actor_name(who)), activity_id, city, nominee)
    return _view(saved, saved["explanation"].waitlist_position)


@router.get("/activities/{activity_id}/nominations", response_model=list[NominationView], responses=UNKNOWN)
async def list_nominations(activity_id: UUID, runtime: RuntimeDep, who: ReaderOrCity) -> list[NominationView]:
    """Everyone nominated (a focal point sees its own city); waitlisted in the order places are offered."""
    async with runtime.pool.acquire() as conn:
        if await activity_rows.activity(conn, activity_id) is None:
            raise HTTPException(status.HTTP_404_NOT_FOUND, f"no activity {activity_id}")
        only = focal_city(who)
        if only is not None:
            await acting_city(conn, who, only)
        rows = await nomination_rows.nominations(conn, activity_id)
    active = [places.Seat(r["id"], r["city_id"], r["status"], r["waiting_since"]) for r in rows]
    order = {s.nomination_id: i for i, s in enumerate(places.waitlist_order(active), start=1)}
    return [_view(r, order.get(r["id"])) for r in rows if only is None or r["city_id"] == only]


async def _own_nomination(conn, who, nomination_id: UUID) -> dict:
    row = await nomination_rows.nomination(conn, nomination_id)
    if row is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no nomination {nomination_id}")
    await acting_city(conn, who, row["city_id"])
    return row


@router.post("/nominations/{nomination_id}/cancel", response_model=NominationView, responses=UNKNOWN)
async def cancel(nomination_id: UUID, body: CancelIn, runtime: RuntimeDep, who: AdminOrCity) -> NominationView:
    """Withdraw a nomination; a freed place goes to the next eligible waitlisted person."""
    async with transaction(runtime) as conn:
        await _own_nomination(conn, who, nomination_id)
        saved = await nominating.withdraw(
            conn, context(runtime, actor_name(who)), nomination_id, declined=False, reason=body.reason
        )
    return _view(saved)


@router.post("/nominations/{nomination_id}/attendance", response_model=NominationView, responses=UNKNOWN)
async def attendance(nomination_id: UUID, body: AttendanceIn, runtime: RuntimeDep, who: AdminOrCity) -> NominationView:
    async with transaction(runtime) as conn:
        await _own_nomination(conn, who, nomination_id)
        saved = await nominating.record_attendance(
            conn, context(runtime, actor_name(who)), nomination_id, body.attended
        )
    return _view(saved)


def _verified(runtime, purpose: str, token: str) -> UUID:
    try:
        return UUID(signing.verify(runtime.settings.signing_key, purpose, token, now=runtime.clock())["n"])
    except signing.InvalidToken as error:
        raise HTTPException(status.HTTP_403_FORBIDDEN, error.reason) from None


@router.get(
    "/nominations/{nomination_id}/invitation.ics",
    response_class=Response,
    responses=ICS | INVALID_LINK,
)
async def invitation_ics(nomination_id: UUID, token: str, runtime: RuntimeDep) -> Response:
    """One participant's invitation as ICS (the signed link from their email)."""
    if _verified(runtime, INVITATION_ICS_PURPOSE, token) != nomination_id:
        raise HTTPException(status.HTTP_403_FORBIDDEN, "this link is not valid")
    async with runtime.pool.acquire() as conn:
        row = await nomination_rows.nomination(conn, nomination_id)
        activity = activity_of(await activity_rows.activity(conn, row["activity_id"]), links(runtime))
    invitation = invitation_of(activity, row, links(runtime))
    text = calendar([invitation_event(activity, invitation)], stamp=runtime.clock(), method=invitation.ics_method)
    return Response(text, media_type=ICS_MEDIA)


_PAGE = """<!doctype html><html lang="en"><meta charset="utf-8"><title>PACTESUR 2</title>
<body style="font-family:sans-serif;max-width:40em;margin:2em auto"><h1>PACTESUR 2</h1>{body}</body></html>"""


@router.get("/nominations/decline", response_class=HTMLResponse, responses=INVALID_LINK)
async def decline_page(token: str, runtime: RuntimeDep) -> HTMLResponse:
    """Asks for confirmation: mail scanners follow links, so only the POST declines."""
    nomination_id = _verified(runtime, DECLINE_PURPOSE, token)
    async with runtime.pool.acquire() as conn:
        row = await nomination_rows.nomination(conn, nomination_id)
        activity = await activity_rows.activity(conn, row["activity_id"])
    title = html.escape(activity["titles"].get(row["language"]) or activity["titles"]["en"])
    form = (
        f"<p>{html.escape(row['name'])}: {title}</p><form method=post><input type=hidden name=token "
        f'value="{html.escape(token)}"><button>Decline my place</button></form>'
    )
    return HTMLResponse(_PAGE.format(body=form))


@router.post(
    "/nominations/decline",
    response_class=HTMLResponse,
    responses=INVALID_LINK | {409: {"description": "Already released", "content": {"text/html": {}}}},
)
async def decline(request: Request, runtime: RuntimeDep) -> HTMLResponse:
    """The participant declines (the page's form posts the token); the place goes to the next
    eligible waitlisted person."""
    form = parse_qs((await request.body()).decode(errors="replace"))
    nomination_id = _verified(runtime, DECLINE_PURPOSE, (form.get("token") or [""])[0])
    try:
        async with transaction(runtime) as conn:
            await nominating.withdraw(conn, context(runtime, "participant"), nomination_id, declined=True)
    except HTTPException as refused:
        if refused.status_code != status.HTTP_422_UNPROCESSABLE_ENTITY:
            raise
        return HTMLResponse(_PAGE.format(body="<p>This place was already released.</p>"), status_code=409)
    return HTMLResponse(_PAGE.format(body="<p>Your place was released. Thank you for letting us know.</p>"))
