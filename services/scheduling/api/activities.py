"""Activities and their timetable: public programme (JSON, ICS); staff create, change, cancel."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Response
from pydantic import BaseModel, ConfigDict, Field, field_validator

from services.scheduling.api.access import UNKNOWN, Admin, Deps, links
from services.scheduling.domain import messages
from services.scheduling.domain.activities import DEFAULT_REMINDER_DAYS, Timetable
from services.scheduling.workflows import planning
from shared.calendar import calendar, programme_event
from shared.contracts import Activity, ActivityKind, EuLanguage, Name, Text, TimeZone, Titles
from shared.dependencies import Dependencies

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

    @classmethod
    def of(cls, timetable: Timetable, deps: Dependencies) -> ActivityView:
        activity = timetable.activity
        return cls(
            activity=messages.activity(activity, links(deps)),
            reminder_days=activity.reminder_days,
            sessions=[
                SessionView(session_id=s.id, starts_at=s.starts_at, ends_at=s.ends_at, room=s.room,
                            titles=dict(s.titles), speaker=s.speaker)
                for s in timetable.sessions
            ],
        )  # fmt: skip


@router.get("/activities", response_model=list[Activity])
async def list_activities(deps: Deps) -> list[Activity]:
    """The public programme, in date order (tentative dates say so in `tentative_note`)."""
    return [messages.activity(a, links(deps)) for a in await planning.programme(deps)]


@router.get("/activities/{activity_id}", response_model=ActivityView, responses=UNKNOWN)
async def get_activity(activity_id: UUID, deps: Deps) -> ActivityView:
    return ActivityView.of(await planning.timetable(deps, activity_id), deps)


@router.get("/activities/{activity_id}/calendar.ics", response_class=Response, responses=ICS | UNKNOWN)
async def activity_calendar(activity_id: UUID, deps: Deps, lang: EuLanguage = "en") -> Response:
    """Public ICS feed of one activity (titles in `lang`, English when missing)."""
    activity = messages.activity((await planning.timetable(deps, activity_id)).activity, links(deps))
    return Response(calendar([programme_event(activity, lang)], stamp=deps.now()), media_type=ICS_MEDIA)


@router.get("/programme.ics", response_class=Response, responses=ICS)
async def programme_calendar(deps: Deps, lang: EuLanguage = "en") -> Response:
    """Public ICS feed of the whole programme, to subscribe to."""
    events = [programme_event(messages.activity(a, links(deps)), lang) for a in await planning.programme(deps)]
    return Response(calendar(events, stamp=deps.now(), name="PACTESUR 2"), media_type=ICS_MEDIA)


@router.post("/activities", status_code=201, response_model=ActivityView)
async def create_activity(body: ActivityIn, deps: Deps, staff: Admin) -> ActivityView:
    return ActivityView.of(await planning.schedule(deps, body.model_dump(), staff.name), deps)


@router.patch("/activities/{activity_id}", response_model=ActivityView, responses=UNKNOWN)
async def change_activity(activity_id: UUID, body: ActivityPatch, deps: Deps, staff: Admin) -> ActivityView:
    """Reschedule or edit; invitations are re-issued with a higher SEQUENCE, reminders re-planned."""
    changes = body.model_dump(exclude_unset=True, exclude_none=True)
    return ActivityView.of(await planning.change(deps, activity_id, changes, staff.name), deps)


@router.post("/activities/{activity_id}/cancel", response_model=ActivityView, responses=UNKNOWN)
async def cancel_activity(activity_id: UUID, body: CancelIn, deps: Deps, staff: Admin) -> ActivityView:
    return ActivityView.of(await planning.cancel(deps, activity_id, body.reason, staff.name), deps)


@router.post("/activities/{activity_id}/sessions", status_code=201, response_model=ActivityView, responses=UNKNOWN)
async def add_session(activity_id: UUID, body: SessionIn, deps: Deps, staff: Admin) -> ActivityView:
    return ActivityView.of(await planning.add_session(deps, activity_id, body.model_dump(), staff.name), deps)


@router.put("/activities/{activity_id}/sessions/{session_id}", response_model=ActivityView, responses=UNKNOWN)
async def change_session(
    activity_id: UUID, session_id: UUID, body: SessionIn, deps: Deps, staff: Admin
) -> ActivityView:
    timetable = await planning.change_session(deps, activity_id, session_id, body.model_dump(), staff.name)
    return ActivityView.of(timetable, deps)


@router.delete("/activities/{activity_id}/sessions/{session_id}", response_model=ActivityView, responses=UNKNOWN)
async def delete_session(activity_id: UUID, session_id: UUID, deps: Deps, staff: Admin) -> ActivityView:
    return ActivityView.of(await planning.remove_session(deps, activity_id, session_id, staff.name), deps)
