"""Registration rules: calls for expressions of interest and the applications cities submit.

Pure: no I/O; the clock, new ids and the correlation id are passed in by the caller.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Annotated
from uuid import UUID
from zoneinfo import ZoneInfo

from pydantic import AfterValidator, BaseModel, ConfigDict, EmailStr, StringConstraints

from shared.contracts import ApplicationSubmitted
from shared.events import Event, new_event

PRODUCER = "registration"

EU_LANGUAGES: frozenset[str] = frozenset(
    "bg hr cs da nl en et fi fr de el hu ga it lv lt mt pl pt ro sk sl es sv".split()
)
EU_MEMBER_STATES = "AT BE BG HR CY CZ DK EE FI FR DE GR HU IE IT LV LT LU MT NL PL PT RO SK SI ES SE".split()
EEA_NON_EU = ["IS", "LI", "NO"]
CANDIDATE_COUNTRIES = ["AL", "BA", "GE", "MD", "ME", "MK", "RS", "TR", "UA"]
ELIGIBLE_COUNTRIES: frozenset[str] = frozenset(EU_MEMBER_STATES + EEA_NON_EU + CANDIDATE_COUNTRIES)


def _single_line(value: str) -> str:
    if any(c in value for c in "\r\n\t\x00"):
        raise ValueError("must be a single line of text")
    return value


def _eligible_country(value: str) -> str:
    code = value.upper()
    if code not in ELIGIBLE_COUNTRIES:
        raise ValueError("must be the ISO 3166-1 alpha-2 code of an EU, EEA or candidate country (e.g. FR, LV, NO, UA)")
    return code


def _eu_language(value: str) -> str:
    code = value.lower()
    if code not in EU_LANGUAGES:
        raise ValueError(f"must be an official EU language code (ISO 639-1): {', '.join(sorted(EU_LANGUAGES))}")
    return code


Line = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=120), AfterValidator(_single_line)
]
Country = Annotated[str, StringConstraints(strip_whitespace=True), AfterValidator(_eligible_country)]
Language = Annotated[str, StringConstraints(strip_whitespace=True), AfterValidator(_eu_language)]
LongText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=5000)]


class ApplicationForm(BaseModel):
    """What an applicant submits (JSON API and web form alike)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    city: Line
    country: Country
    contact_name: Line
    contact_email: EmailStr
    language: Language
    motivation: LongText


@dataclass(frozen=True)
class Call:
    slug: str
    title: dict[str, str]
    description: dict[str, str]
    opens_at: datetime
    closes_at: datetime
    timezone: str = "Europe/Brussels"
    quota: int = 11

    def title_in(self, language: str) -> str:
        return self.title.get(language) or self.title["en"]

    def is_open(self, now: datetime) -> bool:
        return self.opens_at <= now < self.closes_at


@dataclass(frozen=True)
class Application:
    id: UUID
    call_slug: str
    form: ApplicationForm
    status: str
    submitted_at: datetime


@dataclass(frozen=True)
class Submission:
    application: Application
    events: list[Event] = field(default_factory=list)


class CallClosed(Exception):
    """Submissions are refused outside the call's window."""

    def __init__(self, call: Call, now: datetime) -> None:
        self.call = call
        self.not_yet_open = now < call.opens_at
        local = ZoneInfo(call.timezone)
        if self.not_yet_open:
            when = call.opens_at.astimezone(local)
            message = f"The call opens on {when:%d %B %Y at %H:%M} ({call.timezone})."
        else:
            when = call.closes_at.astimezone(local)
            message = f"The call closed on {when:%d %B %Y at %H:%M} ({call.timezone})."
        super().__init__(message)


def submit_application(
    call: Call,
    form: ApplicationForm,
    *,
    now: datetime,
    application_id: UUID,
    event_id: UUID,
    correlation_id: str,
) -> Submission:
    """Accept an application into an open call and describe it as an ApplicationSubmitted event."""
    if not call.is_open(now):
        raise CallClosed(call, now)
    application = Application(id=application_id, call_slug=call.slug, form=form, status="submitted", submitted_at=now)
    payload = ApplicationSubmitted(
        application_id=application_id,
        call_id=call.slug,
        call_title=call.title_in(form.language),
        city=form.city,
        country=form.country,
        contact_name=form.contact_name,
        contact_email=form.contact_email,
        language=form.language,
        motivation=form.motivation,
        submitted_at=now,
        closes_at=call.closes_at,
        timezone=call.timezone,
    )
    event = new_event(
        payload,
        key=str(application_id),
        event_id=event_id,
        occurred_at=now,
        producer=PRODUCER,
        correlation_id=correlation_id,
    )
    return Submission(application=application, events=[event])
