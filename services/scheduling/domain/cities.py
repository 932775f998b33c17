"""Scheduling rules. For now: how registration's events shape scheduling's view of cities.

Pure: no I/O; times come from the events themselves.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from shared.contracts import ApplicationSubmitted


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
