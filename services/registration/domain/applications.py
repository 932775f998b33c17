"""Applications: the form cities fill in, and when the applicant may still edit or withdraw."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Annotated, Literal
from uuid import UUID

from pydantic import AfterValidator, BaseModel, ConfigDict, EmailStr, Field, StringConstraints, model_validator

from services.registration.domain.calls import Call
from services.registration.domain.fields import N_, FormField, Input, LabelledAnswer, Section, Shown, form_fields
from services.registration.domain.reference import COUNTRY_TIMEZONES, ELIGIBLE_COUNTRIES, LANGUAGES
from services.registration.domain.review import Status
from shared.contracts import TimeZone

CONSENT_VERSION = "2026-11"
"""Version of the data-processing consent text; stored with each application with the text shown."""


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
    if code not in LANGUAGES:
        raise ValueError(f"must be an official EU language code (ISO 639-1): {', '.join(sorted(LANGUAGES))}")
    return code


def _no_nul(value: str) -> str:
    if "\x00" in value:
        raise ValueError("must not contain NUL characters")
    return value


Line = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=120), AfterValidator(_single_line)
]
OptionalLine = Annotated[
    str | None,
    StringConstraints(strip_whitespace=True, max_length=120),
    AfterValidator(lambda v: _single_line(v) if v else None),
]
Country = Annotated[str, StringConstraints(strip_whitespace=True), AfterValidator(_eligible_country)]
Language = Annotated[str, StringConstraints(strip_whitespace=True), AfterValidator(_eu_language)]
LongText = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=5000), AfterValidator(_no_nul)
]
Answer = Annotated[str, StringConstraints(strip_whitespace=True, max_length=3000), AfterValidator(_no_nul)]
Phone = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^\+?[0-9 ()./-]{6,30}$")]

CITY, CONTACT, APPLICATION = Section.CITY, Section.CONTACT, Section.APPLICATION
CONSENT = N_(
    "I agree that Efus processes the data in this form to run the PACTESUR 2 call for expressions of "
    "interest and to contact me about it. If my city is not selected, my personal data are erased "
    "%(days)s days after the call closes."
)
"""The consent's label: the text an applicant agrees to, stored with the application (see CONSENT_VERSION)."""


class ApplicationForm(BaseModel):
    """What an applicant submits (JSON API and web form alike). Unknown fields are refused.

    The one definition of the form's fields: each one's type and how the form shows it (see domain/fields.py).
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    city: Annotated[Line, Shown(CITY, N_("City"), autocomplete="address-level2")]
    country: Annotated[
        Country, Shown(CITY, N_("Country"), Input.CHOICE, choices="countries", empty=N_("Choose a country"))
    ]
    region: Annotated[OptionalLine, Shown(CITY, N_("Region"))] = None
    population: Annotated[int | None, Shown(CITY, N_("Population"), Input.NUMBER, hint=N_("Number of inhabitants"))] = (
        Field(default=None, ge=1, le=50_000_000)
    )
    contact_name: Annotated[Line, Shown(CONTACT, N_("Name"), autocomplete="name")]
    contact_role: Annotated[OptionalLine, Shown(CONTACT, N_("Position"), autocomplete="organization-title")] = None
    contact_email: Annotated[EmailStr, Shown(CONTACT, N_("Email"), Input.EMAIL, autocomplete="email")]
    contact_phone: Annotated[Phone | None, Shown(CONTACT, N_("Phone"), Input.TEL, autocomplete="tel")] = None
    language: Annotated[
        Language,
        Shown(
            CONTACT,
            N_("Preferred language"),
            Input.CHOICE,
            hint=N_("We will write to you in this language."),
            choices="languages",
            empty=N_("Choose a language"),
        ),
    ] = Field(description="preferred language of every message (ISO 639-1, EU)")
    timezone: Annotated[
        TimeZone | None,
        Shown(CONTACT, N_("Time zone"), Input.CHOICE, choices="timezones", empty=N_("The time zone of your country")),
    ] = Field(default=None, description="IANA; default: the country's timezone")
    motivation: Annotated[
        LongText,
        Shown(
            APPLICATION, N_("Motivation"), Input.AREA, hint=N_("Why does your city want to take part in PACTESUR 2?")
        ),
    ]
    experience: Annotated[Answer, Shown(APPLICATION, N_("Experience in protecting public spaces"), Input.AREA)] = Field(
        default="", description="experience in protecting public spaces"
    )
    public_events: Annotated[Answer, Shown(APPLICATION, N_("Large public events your city hosts"), Input.AREA)] = Field(
        default="", description="large public events the city hosts"
    )
    public_private_cooperation: Annotated[
        Answer, Shown(APPLICATION, N_("Public-private security cooperation today"), Input.AREA)
    ] = Field(default="", description="public-private security cooperation today")
    commit_police_academies: Annotated[
        bool, Shown(APPLICATION, N_("Our city commits to attend the three Police Academies."), Input.CHECKBOX)
    ] = False
    commit_host_exchange: Annotated[
        bool, Shown(APPLICATION, N_("Our city is willing to host a police exchange."), Input.CHECKBOX)
    ] = False
    consent: Annotated[
        Literal[True], Shown(Section.DATA_PROTECTION, CONSENT, Input.CHECKBOX, editable=False, in_csv=False)
    ] = Field(description="explicit consent to the processing of these data")

    @model_validator(mode="after")
    def _default_timezone(self) -> ApplicationForm:
        if self.timezone is None:
            object.__setattr__(self, "timezone", COUNTRY_TIMEZONES[self.country])
        return self

    def answers(self) -> dict:
        """The answers kept and compared on an edit, as JSON values (everything but the consent)."""
        return self.model_dump(mode="json", include=set(EDITABLE_FIELDS))

    def labelled_answers(self) -> tuple[LabelledAnswer, ...]:
        """The answers with their fields, in the form's order, for a page to label."""
        return tuple(LabelledAnswer(field, getattr(self, field.name)) for field in FIELDS if field.editable)


FIELDS: tuple[FormField, ...] = form_fields(ApplicationForm)
"""Every field of the form, in the form's order."""
EDITABLE_FIELDS: tuple[str, ...] = tuple(f.name for f in FIELDS if f.editable)
"""The answers: what an applicant may change through the edit link."""


@dataclass(frozen=True)
class Consent:
    version: str
    text: str
    given_at: datetime


@dataclass(frozen=True)
class Application:
    id: UUID
    call_slug: str
    form: ApplicationForm
    status: Status
    submitted_at: datetime
    updated_at: datetime
    contact_person_id: UUID
    consent: Consent
    more_info_until: datetime | None = None
    staged_decision: Status | None = None
    waitlist_position: int | None = None
    withdrawn_at: datetime | None = None
    released_at: datetime | None = None
    erased_at: datetime | None = None


EDITABLE_STATUSES = frozenset({Status.SUBMITTED, Status.UNDER_REVIEW, Status.MORE_INFO_REQUESTED})
WITHDRAWABLE_AFTER_DEADLINE = frozenset({Status.SELECTED, Status.WAITLISTED})


class NotEditable(Exception):
    """The application can no longer be changed or withdrawn; `reason` is a short code."""

    def __init__(self, reason: Literal["deadline", "status", "erased"]) -> None:
        super().__init__(reason)
        self.reason = reason


def edit_deadline(application: Application, call: Call) -> datetime:
    """Until when the edit link works: the call's deadline, or later while more information is awaited."""
    if application.status == Status.MORE_INFO_REQUESTED and application.more_info_until:
        return max(call.closes_at, application.more_info_until)
    return call.closes_at


def new_application(
    call_slug: str,
    form: ApplicationForm,
    *,
    now: datetime,
    application_id: UUID,
    contact_person_id: UUID,
    consent_text: str,
) -> Application:
    """An application as submitted to the call `call_slug`; whether the call takes it is
    `domain.calls.ensure_open`'s to say (the workflow reads the call in the statement inserting this)."""
    return Application(
        id=application_id,
        call_slug=call_slug,
        form=form,
        status=Status.SUBMITTED,
        submitted_at=now,
        updated_at=now,
        contact_person_id=contact_person_id,
        consent=Consent(CONSENT_VERSION, consent_text, now),
    )


def ensure_editable(application: Application, call: Call, now: datetime) -> None:
    if application.erased_at is not None:
        raise NotEditable("erased")
    if application.status not in EDITABLE_STATUSES:
        raise NotEditable("status")
    if now >= edit_deadline(application, call):
        raise NotEditable("deadline")


def update_application(
    application: Application, call: Call, form: ApplicationForm, now: datetime
) -> tuple[Application, tuple[str, ...]]:
    """The edited application and the names of the fields that changed.

    Answering a 'more information requested' message puts the application back under review.
    """
    ensure_editable(application, call, now)
    before, after = application.form.answers(), form.answers()
    changed = tuple(name for name in EDITABLE_FIELDS if before.get(name) != after.get(name))
    status = Status.UNDER_REVIEW if application.status == Status.MORE_INFO_REQUESTED else application.status
    return replace(application, form=form, updated_at=now, status=status, more_info_until=None), changed


@dataclass(frozen=True)
class InformationRequest:
    """Staff's question to the applicant ("more information requested") and, once given, the answer."""

    id: UUID
    application_id: UUID
    question: str
    asked_by: str
    asked_at: datetime
    respond_by: datetime
    answer: str | None = None
    answered_at: datetime | None = None


class AnswerInput(BaseModel):
    """What the applicant sends to answer staff's question."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    answer: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=5000)]


def answer_information_request(
    application: Application, call: Call, request: InformationRequest, answer: str, now: datetime
) -> tuple[Application, InformationRequest]:
    """The applicant answers the open question (NotEditable once answered, or after its due date): the
    application goes back under review, as answering by editing it does."""
    ensure_editable(application, call, now)
    if application.status != Status.MORE_INFO_REQUESTED or request.answer is not None:
        raise NotEditable("status")
    back = replace(application, status=Status.UNDER_REVIEW, more_info_until=None, updated_at=now)
    return back, replace(request, answer=answer, answered_at=now)


def withdraw(application: Application, call: Call, now: datetime) -> Application:
    """Withdraw until the edit deadline; after it, only to decline a place (selected or waitlisted)."""
    if application.erased_at is not None:
        raise NotEditable("erased")
    if application.status in (Status.WITHDRAWN, Status.REJECTED):
        raise NotEditable("status")
    before_deadline = now < edit_deadline(application, call)
    if not before_deadline and application.status not in WITHDRAWABLE_AFTER_DEADLINE:
        raise NotEditable("deadline")
    return replace(
        application,
        status=Status.WITHDRAWN,
        withdrawn_at=now,
        updated_at=now,
        staged_decision=None,
        waitlist_position=None,
    )
