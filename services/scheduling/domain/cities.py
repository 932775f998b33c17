"""How registration's events shape scheduling's view of cities.

`KnownCity`: every city heard of (applicants, then their role once signed up), for the public list.
`SignedUpCity`: the cities that may nominate, with their focal point and deputy, who alone act for it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from services.scheduling.domain.activities import RuleBroken
from shared.contracts import ApplicationSubmitted, CitySignedUp, Contact, ContactChanged
from shared.refusals import Refused


@dataclass(frozen=True)
class KnownCity:
    city_key: str
    city: str
    country: str
    status: str
    application_id: UUID | None
    contact_email: str | None
    language: str | None
    seen_at: datetime


@dataclass(frozen=True)
class ListedCity:
    """A city as the public list shows it: names and countries only."""

    city: str
    country: str
    status: str
    first_seen_at: datetime


def city_key(city: str, country: str) -> str:
    """The same city spelled with other capitals is the same city."""
    return f"{city.strip().casefold()}|{country.upper()}"


def city_from_application(payload: ApplicationSubmitted, seen_at: datetime) -> KnownCity:
    return KnownCity(
        city_key=city_key(payload.city, payload.country),
        city=payload.city,
        country=payload.country,
        status="applicant",
        application_id=payload.application_id,
        contact_email=str(payload.contact_email),
        language=payload.language,
        seen_at=seen_at,
    )


@dataclass(frozen=True)
class SignedUpCity:
    """A city of the programme that may nominate, with the people who may act for it."""

    city_id: UUID
    name: str
    country: str
    role: str
    languages: tuple[str, ...]
    timezone: str
    focal_point: Contact
    deputy: Contact | None
    updated_at: datetime

    def may_act(self, person_id: UUID) -> bool:
        """The focal point and the deputy act for the city (nominate, cancel, mark attendance)."""
        return person_id == self.focal_point.person_id or (
            self.deputy is not None and person_id == self.deputy.person_id
        )

    def contact(self, *, deputy: bool) -> Contact:
        """The focal point, or the deputy, to give an access token to."""
        if not deputy:
            return self.focal_point
        if self.deputy is None:
            raise RuleBroken("deputy", "This city has no deputy.")
        return self.deputy


def signed_up_city(payload: CitySignedUp | ContactChanged, seen_at: datetime) -> SignedUpCity:
    return SignedUpCity(
        city_id=payload.city_id,
        name=payload.name,
        country=payload.country,
        role=payload.role,
        languages=tuple(payload.languages),
        timezone=payload.timezone,
        focal_point=payload.focal_point,
        deputy=payload.deputy,
        updated_at=seen_at,
    )


def known_city_of(city: SignedUpCity) -> KnownCity:
    """The row of the public city list for a signed-up city (its status becomes its role)."""
    return KnownCity(
        city_key=city_key(city.name, city.country),
        city=city.name,
        country=city.country,
        status=city.role,
        application_id=None,
        contact_email=None,
        language=city.languages[0],
        seen_at=city.updated_at,
    )


@dataclass(frozen=True)
class Actor:
    """Who acts: a staff member (for every city), or a city's focal point or deputy (`city_id` set:
    only for that city, and only while registration says they hold the role). `name` is recorded."""

    name: str
    city_id: UUID | None = None
    person_id: UUID | None = None


class NotYourCity(Refused):
    """A focal point acting for another city, or no longer its focal point or deputy (403)."""

    def __init__(self) -> None:
        super().__init__("not_your_city", "This token acts only for its own city's focal point.")


def acting_city(actor: Actor, city_id: UUID, city: SignedUpCity | None) -> SignedUpCity:
    """The signed-up city `actor` acts for; only coordinator, partner and associated cities nominate."""
    if actor.city_id is not None and (city_id != actor.city_id or city is None or not city.may_act(actor.person_id)):
        raise NotYourCity()
    if city is None:
        raise RuleBroken(
            "city_id", "This city has not signed up to the programme: only coordinator, partner and "
            "associated cities may nominate.",
        )  # fmt: skip
    return city
