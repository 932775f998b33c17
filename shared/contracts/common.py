"""What every contract uses: the field types (names, languages, timezones, URLs...), `Contact`
(a person to write to) and the base of the models inside payloads.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Annotated, ClassVar, Literal
from uuid import UUID
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AfterValidator, BaseModel, ConfigDict, EmailStr, Field, StringConstraints

Text = Annotated[str, StringConstraints(min_length=1, max_length=5000)]
Name = Annotated[str, StringConstraints(min_length=1, max_length=200)]
CountryCode = Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}$")]
LanguageCode = Annotated[str, StringConstraints(pattern=r"^[a-z]{2}$")]

EU_LANGUAGES: tuple[str, ...] = tuple("bg hr cs da nl en et fi fr de el hu ga it lv lt mt pl pt ro sk sl es sv".split())
"""The 24 official languages of the EU (ISO 639-1): every person is written to in one of them."""

EuLanguage = Literal[
    "bg", "hr", "cs", "da", "nl", "en", "et", "fi", "fr", "de", "el", "hu",
    "ga", "it", "lv", "lt", "mt", "pl", "pt", "ro", "sk", "sl", "es", "sv",
]  # fmt: skip


def _known_timezone(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"{value!r} is not an IANA timezone (e.g. Europe/Brussels)") from None
    return value


TimeZone = Annotated[str, StringConstraints(min_length=1, max_length=64), AfterValidator(_known_timezone)]
"""An IANA timezone name, e.g. Europe/Riga: where dates are shown to a person."""
Url = Annotated[str, StringConstraints(pattern=r"^https?://", max_length=2000)]
Titles = dict[EuLanguage, Name]
"""A text per language (at least English); `title_in(titles, language)` picks one."""
CityRole = Literal["coordinator", "partner", "associated"]
Decision = Literal["selected", "waitlisted", "rejected"]
ReviewStatus = Literal["submitted", "under_review", "more_info_requested", "shortlisted"]
"""Where staff may move an application during the review (decisions are staged, then released)."""


ERASED_EMAIL = "erased+{kid}@erased.pactesur.efus.eu"
"""What an email field reads once its person's key is destroyed: unique per key, never delivered."""
ERASED_TEXT = "[erased]"
ERASED_NAME = "Erased person"


def is_erased_address(address: str) -> bool:
    return address.lower().endswith("@erased.pactesur.efus.eu")


class PersonalData(BaseModel):
    """A model whose `PERSONAL` fields are personal data of one person, the one its `SUBJECT` (a dotted
    path to an email address) names. On Kafka those fields are sealed with that person's key
    (shared.privacy): each field reads its placeholder in PERSONAL until a consumer opens the seal, and
    for ever once the person is erased and the key destroyed. Placeholders keep the event valid."""

    PERSONAL: ClassVar[Mapping[str, object]] = {}
    SUBJECT: ClassVar[str] = "email"


class FrozenModel(BaseModel):
    """Base of the models inside payloads: frozen, strict about unknown fields (as `Payload` is)."""

    model_config = ConfigDict(frozen=True, extra="forbid")


class PersonDetails(FrozenModel, PersonalData):
    """What Contact and Participant share: who someone is, in which language and timezone to write to them."""

    PERSONAL = {"name": ERASED_NAME, "email": ERASED_EMAIL}

    person_id: UUID = Field(description="stable id of the person in registration; PersonErased names it")
    name: Name
    email: EmailStr
    language: EuLanguage
    timezone: TimeZone


class Contact(PersonDetails):
    """A person to write to: who, in which language, in which timezone."""

    PERSONAL = PersonDetails.PERSONAL | {"role": None}

    role: Name | None = Field(default=None, description="the person's function, e.g. 'Head of municipal police'")


def title_in(titles: dict[str, str], language: str) -> str:
    """The text in `language`, else English, else any: every call has at least one title."""
    return titles.get(language) or titles.get("en") or next(iter(titles.values()))


def person_id_for_email(email: str) -> UUID:
    """The person id given to a contact known only by email (upcast v1 events, seed data)."""
    return uuid.uuid5(uuid.NAMESPACE_URL, f"mailto:{email.strip().lower()}")
