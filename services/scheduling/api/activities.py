"""Activities and their timetable: public programme (JSON, ICS); staff create, change, cancel."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, HTTPException, Response, status
from pydantic import BaseModel, ConfigDict, Field, field_validator

from services.scheduling.api.access import UNKNOWN, Admin, RuntimeDep, context, links, transaction
from services.scheduling.domain.activities import DEFAULT_REMINDER_DAYS, as_utc, check_reminder_days
from services.scheduling.domain.invitations import activity_of, programme_event
from services.scheduling.storage import activities as activity_rows
from services.scheduling.workflows import planning
from shared.calendar import calendar
from shared.contracts import Activity, ActivityKind, EuLanguage, Name, Text, TimeZone, Titles

router = APIRouter(prefix="/api/v1", tags=["activities"])
EditableStatus = Annotated[str, Field(pattern="^(tentative|planned|confirmed|done)$")]
ICS_MEDIA = "text/calendar; charset=utf-8"
ICS = {200: {"content": {"text/calendar": {}}}}


def _with_english(titles: dict[str, str]) -> dict[str, str]:
    if "en" not in titles:
        raise ValueError("an English title is required (the fallback for every other language)")
    return titles


class ActivityIn(BaseModel):
    """Times without an offset are wall-clock times at the venue (`timezone`)."""

    model_config = ConfigDict(extra="forbid")

    kind: ActivityKind
    titles: Titles
    status: EditableStatus = "planned"
    tentative_note: Text | None = None
    host_city: Name
    country: Annotated[str, Field(pattern="^[A-Z]{2}$")]
    venue_name: Name
    venue_address: Text
    timezone: TimeZone
    starts_at: datetime
    ends_at: datetime
    nomination_deadline: datetime
    working_languages: tuple[EuLanguage, ...] = Field(default=("en",), min_length=1)
    interpretation: tuple[EuLanguage, ...] = ()
    capacity: int = Field(ge=1, le=10000)
    city_quota: int = Field(ge=1, le=10000)
    reminder_days: tuple[int, ...] = DEFAULT_REMINDER_DAYS

    _titles = field_validator("titles")(_with_english)


class ActivityPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")

    titles: Titles | None = None
    status: EditableStatus | None = None
    tentative_note: Text | None = None
    host_city: Name | None = None
    country: Annotated[str, Field(pattern="^[A-Z]{2}$")] | None = None
    venue_name: Name | None = None
    venue_address: Text | None = None
    timezone: TimeZone | None = None
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    nomination_deadline: datetime | None = None
    working_languages: tuple[EuLanguage, ...] | None = Field(default=None, min_length=1)
    interpretation: tuple[EuLanguage, ...] | None = None
    capacity: int | None = Field(default=None, ge=1, le=10000)
    city_quota: int | None = Field(default=None, ge=1, le=10000)
    reminder_days: tuple[int, ...] | None = None

    @field_validator("titles")
    @classmethod
    def _english(cls, value: dict | None) -> dict | None:
        return None if value is None else _with_english(value)


class CancelIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: Text


class SessionIn(BaseModel):
    """Times without an offset are wall-clock times at the venue."""

    model_config = ConfigDict(extra="forbid")

    starts_at: datetime
    ends_at: datetime
    room: Name
    titles: Titles
    speaker: Name | None = None

    _titles = field_validator("titles")(_with_english)


class SessionView(BaseModel):
    session_id: UUID
    starts_at: datetime
    ends_at: datetime
    room: str
    titles: dict[str, str]
    speaker: str | None


class ActivityView(BaseModel):
    activity: Activity
    reminder_days: tuple[int, ...]
    sessions: list[SessionView]


def database_values(body: BaseModel, timezone: str, *, partial: bool) -> dict[str, Any]:
    """The request's fields as columns: times in UTC, lists as lists, reminder days checked;
    `partial`: only the fields the client sent (a PATCH)."""
    values = body.model_dump(exclude_unset=True, exclude_none=True) if partial else body.model_dump()
    for name in ("starts_at", "ends_at", "nomination_deadline"):
        if name in values:
            values[name] = as_utc(values[name], timezone)
    for name in ("working_languages", "interpretation"):
        if name in values:
            values[name] = list(values[name])
    if "reminder_days" in values:
        values["reminder_days"] = list(check_reminder_days(values["reminder_days"]))
    return values


async def _view(conn, runtime, activity_id: UUID) -> ActivityView:
    row = await activity_rows.activity(conn, activity_id)
    if row is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no activity {activity_id}")
    sessions = [
        SessionView(session_id=s["id"], **{k: s[k] for k in ("starts_at", "ends_at", "room", "titles", "speaker")})
        for s in await activity_rows.sessions(conn, activity_id)
    ]
    return ActivityView(
        activity=activity_of(row, links(runtime)), reminder_days=tuple(row["reminder_days"]), sessions=sessions
    )


@router.get("/activities", response_model=list[Activity])
async def list_activities(runtime: RuntimeDep) -> list[Activity]:
    """The public programme, in date order (tentative dates say so in `tentative_note`)."""
    async with runtime.pool.acquire() as conn:
        return [activity_of(r, links(runtime)) for r in await activity_rows.activities(conn)]


@router.get("/activities/{activity_id}", response_model=ActivityView, responses=UNKNOWN)
async def get_activity(activity_id: UUID, runtime: RuntimeDep) -> ActivityView:
    async with runtime.pool.acquire() as conn:
        return await _view(conn, runtime, activity_id)


@router.get("/activities/{activity_id}/calendar.ics", response_class=Response, responses=ICS | UNKNOWN)
async def activity_calendar(activity_id: UUID, runtime: RuntimeDep, lang: EuLanguage = "en") -> Response:
    """Public ICS feed of one activity (titles in `lang`, English when missing)."""
    async with runtime.pool.acquire() as conn:
        row = await activity_rows.activity(conn, activity_id)
    if row is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no activity {activity_id}")
    text = calendar([programme_event(activity_of(row, links(runtime)), lang)], stamp=runtime.clock())
    return Response(text, media_type=ICS_MEDIA)


@router.get("/programme.ics", response_class=Response, responses=ICS)
async def programme_calendar(runtime: RuntimeDep, lang: EuLanguage = "en") -> Response:
    """Public ICS feed of the whole programme, to subscribe to."""
    async with runtime.pool.acquire() as conn:
        rows = await activity_rows.activities(conn)
    events = [programme_event(activity_of(r, links(runtime)), lang) for r in rows]
    return Response(calendar(events, stamp=runtime.clock(), name="PACTESUR 2"), media_type=ICS_MEDIA)


@router.post("/activities", status_code=201, response_model=ActivityView)
async def create_activity(body: ActivityIn, runtime: RuntimeDep, staff: Admin) -> ActivityView:
    values = database_values(body, body.timezone, partial=False)
    async with transaction(runtime) as conn:
        activity_id = await planning.schedule(conn, context(runtime, staff.name), values)
        return await _view(conn, runtime, activity_id)


@router.patch("/activities/{activity_id}", response_model=ActivityView, responses=UNKNOWN)
async def change_activity(activity_id: UUID, body: ActivityPatch, runtime: RuntimeDep, staff: Admin) -> ActivityView:
    """Reschedule or edit; invitations are re-issued with a higher SEQUENCE, reminders re-planned."""
    async with transaction(runtime) as conn:
        current = await activity_rows.activity(conn, activity_id)
        if current is None:
            raise HTTPException(status.HTTP_404_NOT_FOUND, f"no activity {activity_id}")
        values = database_values(body, body.timezone or current["timezone"], partial=True)
        await planning.change(conn, context(runtime, staff.name), activity_id, values)
        return await _view(conn, runtime, activity_id)


@router.post("/activities/{activity_id}/cancel", response_model=ActivityView, responses=UNKNOWN)
async def cancel_activity(activity_id: UUID, body: CancelIn, runtime: RuntimeDep, staff: Admin) -> ActivityView:
    async with transaction(runtime) as conn:
        await planning.cancel(conn, context(runtime, staff.name), activity_id, body.reason)
        return await _view(conn, runtime, activity_id)


@router.post("/activities/{activity_id}/sessions", status_code=201, response_model=ActivityView, responses=UNKNOWN)
async def add_session(activity_id: UUID, body: SessionIn, runtime: RuntimeDep, staff: Admin) -> ActivityView:
    async with transaction(runtime) as conn:
        session = body.model_dump() | {"id": runtime.new_id()}
        await planning.save_session(conn, context(runtime, staff.name), activity_id, session, is_new=True)
        return await _view(conn, runtime, activity_id)


@router.put("/activities/{activity_id}/sessions/{session_id}", response_model=ActivityView, responses=UNKNOWN)
async def change_session(
    activity_id: UUID, session_id: UUID, body: SessionIn, runtime: RuntimeDep, staff: Admin
) -> ActivityView:
    async with transaction(runtime) as conn:
        if await activity_rows.session(conn, activity_id, session_id) is None:
            raise HTTPException(status.HTTP_404_NOT_FOUND, f"no session {session_id}")
        session = body.model_dump() | {"id": session_id}
        await planning.save_session(conn, context(runtime, staff.name), activity_id, session, is_new=False)
        return await _view(conn, runtime, activity_id)


@router.delete("/activities/{activity_id}/sessions/{session_id}", response_model=ActivityView, responses=UNKNOWN)
async def delete_session(activity_id: UUID, session_id: UUID, runtime: RuntimeDep, staff: Admin) -> ActivityView:
    async with transaction(runtime) as conn:
        await planning.remove_session(conn, context(runtime, staff.name), activity_id, session_id)
        return await _view(conn, runtime, activity_id)
