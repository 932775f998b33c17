"""Registration's events: calls, applications, cities and their contacts, erasure (topic
`topics.REGISTRATION`).

They carry everything an email needs (recipient, language, timezone, call titles in every language
and in the recipient's, links, UTC dates), so no service ever queries another.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal
from uuid import UUID

from pydantic import AwareDatetime, EmailStr, Field

from shared.contracts import topics
from shared.contracts.common import (
    ERASED_EMAIL,
    ERASED_NAME,
    ERASED_TEXT,
    EU_LANGUAGES,
    CityRole,
    Contact,
    CountryCode,
    Decision,
    EuLanguage,
    LanguageCode,
    Name,
    PersonalData,
    ReviewStatus,
    Text,
    TimeZone,
    Titles,
    Url,
    person_id_for_email,
)
from shared.contracts.events import Payload


class _RegistrationPayload(Payload):
    """Every registration event goes to registration's topic."""

    TOPIC = topics.REGISTRATION.name


# --- Calls -------------------------------------------------------------------------------------


class CallOpened(_RegistrationPayload):
    """A call for expressions of interest was created or (re)scheduled (key: call slug)."""

    TYPE = "CallOpened"
    VERSION = 1

    call_id: Name = Field(description="the call's slug")
    call_titles: Titles
    call_descriptions: dict[EuLanguage, Text]
    opens_at: AwareDatetime
    closes_at: AwareDatetime
    call_timezone: TimeZone
    quota: int = Field(ge=1, description="how many cities will be selected")
    form_url: Url = Field(description="the public application form")


class CallClosed(_RegistrationPayload):
    """The application deadline of a call passed (key: call slug)."""

    TYPE = "CallClosed"
    VERSION = 1

    call_id: Name
    call_titles: Titles
    closed_at: AwareDatetime
    call_timezone: TimeZone
    applications: int = Field(ge=0, description="applications received and not withdrawn")


# --- Applications ------------------------------------------------------------------------------


class ApplicationSubmittedV1(_RegistrationPayload, PersonalData):
    """v1, kept so that events already on the topic stay readable; `upcast()` makes the v2 that
    handlers receive (shared.contracts.registry.parse_event)."""

    TYPE = "ApplicationSubmitted"
    VERSION = 1
    PERSONAL = {"contact_name": ERASED_NAME, "contact_email": ERASED_EMAIL, "motivation": ERASED_TEXT}
    SUBJECT = "contact_email"

    application_id: UUID
    call_id: Name
    call_title: Name
    city: Name
    country: CountryCode
    contact_name: Name
    contact_email: EmailStr
    language: LanguageCode
    motivation: Text
    submitted_at: datetime
    closes_at: datetime
    timezone: Name

    def upcast(self) -> ApplicationSubmittedV2:
        """v2 from v1: the call's title is known in the applicant's language only (falling back to
        English for a language outside the EU's), the call's timezone is the one v1 showed dates in."""
        language = self.language if self.language in EU_LANGUAGES else "en"
        return ApplicationSubmittedV2(
            **self.model_dump(),
            call_titles={language: self.call_title},
            call_timezone=self.timezone,
            contact_person_id=person_id_for_email(str(self.contact_email)),
        )


class ApplicationSubmittedV2(_RegistrationPayload, PersonalData):
    """A city applied to a call for expressions of interest (key: application id).

    v2 keeps every v1 field with its meaning: `call_title` is in the applicant's `language` and
    `timezone` is where dates are shown to the applicant (in v1, always the call's timezone).
    """

    TYPE = "ApplicationSubmitted"
    VERSION = 2
    PERSONAL = ApplicationSubmittedV1.PERSONAL | {"contact_role": None}
    SUBJECT = "contact_email"

    application_id: UUID
    call_id: Name
    call_title: Name
    city: Name
    country: CountryCode
    contact_name: Name
    contact_email: EmailStr
    language: LanguageCode
    motivation: Text
    submitted_at: AwareDatetime
    closes_at: AwareDatetime
    timezone: Name
    call_titles: Titles
    call_timezone: Name
    region: Name | None = None
    population: int | None = Field(default=None, ge=0)
    contact_person_id: UUID
    contact_role: Name | None = None
    edit_url: Url | None = Field(
        default=None, description="signed link to view/edit/withdraw, valid until closes_at (None only in upcast v1)"
    )


ApplicationSubmitted = ApplicationSubmittedV2
"""The latest version: what publishers build and handlers receive."""


class _ApplicationEvent(_RegistrationPayload):
    """What every later application event repeats, so that its email needs nothing else."""

    application_id: UUID
    call_id: Name
    call_titles: Titles
    call_title: Name = Field(description="the call's title in the recipient's language")
    call_timezone: TimeZone
    city: Name
    country: CountryCode
    recipient: Contact = Field(description="the application's official contact")


class ApplicationUpdated(_ApplicationEvent):
    """The applicant changed their application through the edit link (key: application id)."""

    TYPE = "ApplicationUpdated"
    VERSION = 1

    updated_at: AwareDatetime
    changed_fields: tuple[Name, ...]
    edit_url: Url
    editable_until: AwareDatetime
    answers_more_information_request: bool = Field(
        description="True when this update answers a 'more information requested' message"
    )


class ApplicationWithdrawn(_ApplicationEvent):
    """The applicant withdrew (key: application id). `was_selected`: a place is free again."""

    TYPE = "ApplicationWithdrawn"
    VERSION = 1

    withdrawn_at: AwareDatetime
    was_selected: bool


class EditLinkRequested(_ApplicationEvent):
    """Someone asked for the edit link again (e.g. after a duplicate submission): it goes only to the
    application's own contact, never in the HTTP answer (key: application id)."""

    TYPE = "EditLinkRequested"
    VERSION = 1

    requested_at: AwareDatetime
    edit_url: Url
    editable_until: AwareDatetime


class MoreInformationRequested(_ApplicationEvent, PersonalData):
    """Staff asked the applicant for more information; editing is open again (key: application id)."""

    TYPE = "MoreInformationRequested"
    VERSION = 1
    PERSONAL = {"message": ERASED_TEXT}
    SUBJECT = "recipient.email"

    message: Text = Field(description="staff's question, as written (usually English)")
    requested_by: Name
    requested_at: AwareDatetime
    respond_by: AwareDatetime
    edit_url: Url = Field(description="signed link valid until respond_by")


class MoreInformationProvided(_ApplicationEvent, PersonalData):
    """The applicant answered staff's request for more information from their application's page; the
    application is under review again (key: application id). For staff."""

    TYPE = "MoreInformationProvided"
    VERSION = 1
    PERSONAL = {"question": ERASED_TEXT, "answer": ERASED_TEXT}
    SUBJECT = "recipient.email"

    question: Text = Field(description="staff's question, as written")
    answer: Text = Field(description="the applicant's answer, as written")
    asked_at: AwareDatetime
    answered_at: AwareDatetime


class ApplicationReviewed(_ApplicationEvent):
    """A reviewer scored an application (key: application id). For staff; applicants are not told."""

    TYPE = "ApplicationReviewed"
    VERSION = 1

    reviewer: Name
    reviewed_at: AwareDatetime
    reviewer_score: float = Field(ge=1, le=5, description="this reviewer's weighted score")
    average_score: float = Field(ge=1, le=5, description="weighted score over every review so far")
    review_count: int = Field(ge=1)


class ApplicationMoved(_ApplicationEvent, PersonalData):
    """Staff moved an application in the review (key: application id). For staff and other consumers;
    applicants are told only of released decisions."""

    TYPE = "ApplicationMoved"
    VERSION = 1
    PERSONAL = {"reason": None}
    SUBJECT = "recipient.email"

    moved_from: Name
    moved_to: ReviewStatus
    moved_by: Name
    moved_at: AwareDatetime
    reason: Text | None = None


class DecisionStaged(_ApplicationEvent, PersonalData):
    """Staff staged a decision, or took it back (`decision` None), until the call's release (key:
    application id). Nobody outside staff is told until DecisionReleased."""

    TYPE = "DecisionStaged"
    VERSION = 1
    PERSONAL = {"reason": None}
    SUBJECT = "recipient.email"

    decision: Decision | None
    staged_by: Name
    staged_at: AwareDatetime
    reason: Text | None = None


class DecisionReleased(_ApplicationEvent):
    """The decision on one application, released together with all the others of the call."""

    TYPE = "DecisionReleased"
    VERSION = 1

    decision: Decision
    released_at: AwareDatetime
    waitlist_position: int | None = Field(default=None, ge=1, description="for waitlisted: 1 = next in line")
    city_id: UUID | None = Field(default=None, description="for selected: the new associated city")
    signup_url: Url | None = Field(default=None, description="for selected: signed link to confirm the sign-up")
    signup_expires_at: AwareDatetime | None = None


class PlaceOffered(_ApplicationEvent):
    """A selected city withdrew and this waitlisted one takes its place (key: application id)."""

    TYPE = "PlaceOffered"
    VERSION = 1

    offered_at: AwareDatetime
    replaces_city: Name
    city_id: UUID
    signup_url: Url
    signup_expires_at: AwareDatetime


# --- Cities ------------------------------------------------------------------------------------


class _CityEvent(_RegistrationPayload):
    """A city of the programme with its full contact set (consumers keep a projection of it)."""

    city_id: UUID = Field(description="stable key of the city across services")
    name: Name
    country: CountryCode
    region: Name | None = None
    role: CityRole
    languages: tuple[EuLanguage, ...] = Field(min_length=1, description="working languages, preferred first")
    timezone: TimeZone
    focal_point: Contact
    deputy: Contact | None = None
    other_contacts: tuple[Contact, ...] = ()


class CitySignedUp(_CityEvent):
    """A city joined the programme: consortium member from the seed, or a selected city confirming."""

    TYPE = "CitySignedUp"
    VERSION = 1

    signed_up_at: AwareDatetime
    terms_version: Name
    application_id: UUID | None = Field(default=None, description="the application it was selected from")


class CitySignUpReminder(_CityEvent):
    """A selected city has not signed up and its sign-up is due soon: its focal point is reminded, with a
    fresh sign-up link (key: city id)."""

    TYPE = "CitySignUpReminder"
    VERSION = 1

    signup_url: Url
    signup_due_at: AwareDatetime
    reminded_at: AwareDatetime


class CitySignUpOverdue(_CityEvent):
    """A selected city did not sign up by the due date: staff are told; an admin may give the place to the
    waiting list (key: city id)."""

    TYPE = "CitySignUpOverdue"
    VERSION = 1

    signup_due_at: AwareDatetime
    application_id: UUID
    noticed_at: AwareDatetime


class ContactChanged(_CityEvent):
    """A city's contacts were added, changed or removed; carries the full new set (key: city id)."""

    TYPE = "ContactChanged"
    VERSION = 1

    changed_at: AwareDatetime
    changed_by: Name = Field(description="staff member's name, or 'focal point'")
    removed: tuple[Contact, ...] = Field(default=(), description="people no longer contacts of this city")


# --- People and sign-in -------------------------------------------------------------------------


class SignInLinkRequestedV1(_RegistrationPayload):
    """v1 (staff only), kept so that events already on the topic stay readable; `upcast()` makes v2."""

    TYPE = "SignInLinkRequested"
    VERSION = 1

    recipient: Contact
    person_kind: Literal["staff"] = Field(description="who signs in: staff")
    link: Url = Field(description="the one-time sign-in link")
    expires_at: AwareDatetime
    requested_at: AwareDatetime
    invited_by: Name | None = Field(default=None, description="the admin who invited the person, for a first link")

    def upcast(self) -> SignInLinkRequestedV2:
        return SignInLinkRequestedV2(**self.model_dump())


class SignInLinkRequestedV2(_RegistrationPayload):
    """A person asked to sign in, or was invited or sent a link by staff: their one-time sign-in link,
    for their inbox only (key: person id). The link is a secret until used or expired (15 minutes): it is
    in the event and in the email, nowhere else in clear.

    v2 adds city focal points and deputies as kinds of person; every v1 field keeps its meaning."""

    TYPE = "SignInLinkRequested"
    VERSION = 2

    recipient: Contact
    person_kind: Literal["staff", "focal_point", "deputy"] = Field(
        description="who signs in: staff, or a city's focal point or deputy"
    )
    link: Url = Field(description="the one-time sign-in link")
    expires_at: AwareDatetime
    requested_at: AwareDatetime
    invited_by: Name | None = Field(
        default=None, description="the staff member who invited the person or sent them the link"
    )
    city: Name | None = Field(default=None, description="the city a focal point or deputy signs in for")


SignInLinkRequested = SignInLinkRequestedV2


class SessionsEnded(_RegistrationPayload):
    """Sign-in sessions of a person ended (key: person id): registration owns the sessions, and the
    services that only verify the session cookie's signature refuse these from now on.

    `session_ids` are the sessions ended; `ended_before`, when set, also ends every session of the
    person that began before that moment (deactivation, role change). Both may be given; an ended
    session stays ended, so applying an event twice or out of order is harmless."""

    TYPE = "SessionsEnded"
    VERSION = 1

    person_id: UUID
    session_ids: tuple[UUID, ...] = Field(default=(), max_length=1000, description="the sessions ended (may be empty)")
    ended_before: AwareDatetime | None = Field(
        default=None, description="every session of the person that began before this moment is ended too"
    )
    ended_at: AwareDatetime
    reason: Literal["sign_out", "deactivated", "role_changed", "contact_replaced"]


# --- Privacy -----------------------------------------------------------------------------------


class PersonErasedV1(_RegistrationPayload, PersonalData):
    """v1, kept so that events already on the topic stay readable; `upcast()` makes v2 (no names)."""

    TYPE = "PersonErased"
    VERSION = 1
    PERSONAL = {"email": ERASED_EMAIL}
    SUBJECT = "email"

    person_id: UUID
    email: EmailStr = Field(description="match on this too: other services may not know the person id")
    erased_at: AwareDatetime
    reason: Literal["request", "retention"]

    def upcast(self) -> PersonErasedV2:
        return PersonErasedV2(**self.model_dump())


class PersonErasedV2(_RegistrationPayload, PersonalData):
    """Erase this person's personal data everywhere (GDPR). Key: person id. Its email and names are
    sealed with the person's key, which opens only this event from the erasure on, until it is destroyed.
    `names` are the names the person was known by, so that emails that mention them (to staff, to a
    focal point) are erased too."""

    TYPE = "PersonErased"
    VERSION = 2
    PERSONAL = {"email": ERASED_EMAIL, "names": ()}
    SUBJECT = "email"

    person_id: UUID
    email: EmailStr = Field(description="match on this too: other services may not know the person id")
    names: tuple[Name, ...] = Field(default=(), max_length=50, description="the names the person was known by")
    erased_at: AwareDatetime
    reason: Literal["request", "retention"]


PersonErased = PersonErasedV2
"""The latest version: what publishers build and handlers receive."""
