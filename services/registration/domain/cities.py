"""The programme's cities: consortium members and associated cities, their sign-up and contacts."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, EmailStr, Field, model_validator

from services.registration.domain.applications import Application, Language, Line, OptionalLine
from shared.contracts import CityRole, EuLanguage, TimeZone

TERMS_VERSION = "pactesur-2-terms-2026-11"
Designation = Literal["focal_point", "deputy", "contact"]


@dataclass(frozen=True)
class CityContact:
    person_id: UUID
    designation: Designation
    name: str
    email: str
    language: str
    timezone: str
    role: str | None = None


@dataclass(frozen=True)
class City:
    id: UUID
    name: str
    country: str
    role: CityRole
    languages: tuple[str, ...]
    timezone: str
    contacts: tuple[CityContact, ...]
    region: str | None = None
    status: Literal["pending", "signed_up"] = "pending"
    application_id: UUID | None = None
    signed_up_at: datetime | None = None
    terms_version: str | None = None
    signup_due_at: datetime | None = None
    """A selected city's sign-up is due by then (its sign-up link expires then too)."""
    signup_reminded_at: datetime | None = None
    signup_overdue_at: datetime | None = None
    """When staff were told that the sign-up is overdue."""

    def contact(self, designation: Designation) -> CityContact | None:
        return next((c for c in self.contacts if c.designation == designation), None)

    def others(self) -> tuple[CityContact, ...]:
        return tuple(c for c in self.contacts if c.designation == "contact")


class ContactInput(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    designation: Designation
    name: Line
    email: EmailStr
    language: Language
    timezone: TimeZone | None = Field(default=None, description="default: the city's timezone")
    role: OptionalLine = None


class ContactsInput(BaseModel):
    """The full new contact set of a city: one focal point, at most one deputy, others; and, if given,
    the city's working languages (preferred first) and timezone (else they stay as they are)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    contacts: tuple[ContactInput, ...] = Field(min_length=1, max_length=20)
    languages: tuple[EuLanguage, ...] | None = Field(default=None, min_length=1, max_length=24)
    timezone: TimeZone | None = Field(default=None, description="the city's; default: unchanged")

    @model_validator(mode="after")
    def _one_focal_point(self) -> ContactsInput:
        designations = [c.designation for c in self.contacts]
        if designations.count("focal_point") != 1:
            raise ValueError("contacts: exactly one focal_point is required")
        if designations.count("deputy") > 1:
            raise ValueError("contacts: at most one deputy")
        emails = [str(c.email).lower() for c in self.contacts]
        if len(set(emails)) != len(emails):
            raise ValueError("contacts: each email address only once")
        if self.languages is not None and len(set(self.languages)) != len(self.languages):
            raise ValueError("languages: each language only once")
        return self


class AlreadySignedUp(Exception):
    pass


SIGNUP_REMINDER_LEAD = timedelta(days=14)
"""How long before its sign-up is due a selected city's focal point is reminded."""
FollowUp = Literal["remind", "overdue"]


def signup_follow_up(city: City, now: datetime) -> FollowUp | None:
    """What a pending sign-up needs now: a reminder to the focal point (once, in the last
    SIGNUP_REMINDER_LEAD before it is due), or staff told it is overdue (once); else nothing."""
    if city.status != "pending" or city.signup_due_at is None:
        return None
    if now >= city.signup_due_at:
        return "overdue" if city.signup_overdue_at is None else None
    if city.signup_reminded_at is None and now >= city.signup_due_at - SIGNUP_REMINDER_LEAD:
        return "remind"
    return None


def followed_up(city: City, step: FollowUp, now: datetime) -> City:
    return replace(city, signup_reminded_at=now) if step == "remind" else replace(city, signup_overdue_at=now)


class NotOverdue(Exception):
    """The place of a city may go to the waiting list only once its sign-up is overdue."""


def ensure_place_may_be_given_on(city: City, now: datetime) -> None:
    """NotOverdue unless the city is selected, not signed up, and its sign-up is past due."""
    if city.status != "pending" or city.application_id is None or city.signup_due_at is None:
        raise NotOverdue("this city signed up, or was never selected")
    if now < city.signup_due_at:
        raise NotOverdue(f"the sign-up is due on {city.signup_due_at:%Y-%m-%d %H:%M} UTC")


def city_from_selection(application: Application, *, city_id: UUID, signup_due_at: datetime) -> City:
    """A selected application becomes an associated city awaiting its focal point's sign-up."""
    form = application.form
    languages = tuple(dict.fromkeys([form.language, "en"]))
    focal_point = CityContact(
        application.contact_person_id,
        "focal_point",
        form.contact_name,
        str(form.contact_email),
        form.language,
        form.timezone,
        form.contact_role,
    )
    return City(
        id=city_id,
        name=form.city,
        country=form.country,
        region=form.region,
        role="associated",
        languages=languages,
        timezone=form.timezone,
        contacts=(focal_point,),
        application_id=application.id,
        signup_due_at=signup_due_at,
    )


def confirm_signup(city: City, now: datetime) -> City:
    """The focal point accepts the terms; a second confirmation changes nothing (AlreadySignedUp)."""
    if city.status == "signed_up":
        raise AlreadySignedUp
    return replace(city, status="signed_up", signed_up_at=now, terms_version=TERMS_VERSION)


def replace_contacts(
    city: City, wanted: ContactsInput, new_id: Callable[[], UUID]
) -> tuple[City, tuple[CityContact, ...]]:
    """The city with its new contact set (and languages and timezone, if given), and the contacts removed.
    A known email keeps its person id; a contact without a timezone gets the city's."""
    city = replace(city, languages=wanted.languages or city.languages, timezone=wanted.timezone or city.timezone)
    known = {c.email.lower(): c.person_id for c in city.contacts}
    contacts = tuple(
        CityContact(
            known.get(str(c.email).lower()) or new_id(),
            c.designation,
            c.name,
            str(c.email),
            c.language,
            c.timezone or city.timezone,
            c.role,
        )
        for c in wanted.contacts
    )
    kept = {c.person_id for c in contacts}
    removed = tuple(c for c in city.contacts if c.person_id not in kept)
    return replace(city, contacts=contacts), removed


SIGNING_IN: tuple[Designation, ...] = ("focal_point", "deputy")
"""The contacts who sign in to the city portal (other contacts are only written to)."""


def contact_signing_in(cities: Sequence[City], email: str) -> tuple[City, CityContact] | None:
    """The city and contact an address signs in as: a focal point before a deputy, then the city first
    by name (one session names one city); None when the address is neither."""
    found = [
        (SIGNING_IN.index(c.designation), city.name.lower(), city, c)
        for city in cities
        for c in city.contacts
        if c.designation in SIGNING_IN and c.email.lower() == email.strip().lower()
    ]
    return min(found, key=lambda f: f[:2])[2:] if found else None


def signed_in_contact(city: City | None, person_id: UUID, designation: str) -> CityContact | None:
    """The contact a session or link names, if they are still that city's focal point or deputy."""
    if city is None:
        return None
    return next((c for c in city.contacts if c.person_id == person_id and c.designation == designation), None)


def no_longer_signing_in(before: City, after: City) -> tuple[CityContact, ...]:
    """The focal point and deputy of `before` who are not that any more in `after` (replaced, removed
    or given another designation): their sessions for the city end."""
    return tuple(
        c
        for c in before.contacts
        if c.designation in SIGNING_IN and signed_in_contact(after, c.person_id, c.designation) is None
    )


def sorted_contacts(contacts: Sequence[CityContact]) -> tuple[CityContact, ...]:
    order = {"focal_point": 0, "deputy": 1, "contact": 2}
    return tuple(sorted(contacts, key=lambda c: (order[c.designation], c.name)))
