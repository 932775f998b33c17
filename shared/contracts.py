"""Event contracts: every payload that crosses a service boundary, with its schema version.

Changing a payload's fields changes its JSON schema; tests/test_contracts.py compares every schema
with its snapshot, so a change without a VERSION bump fails. Old versions stay registered while
any consumer may still read them.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from uuid import UUID

from pydantic import EmailStr, StringConstraints

from shared import topics
from shared.events import Payload

Text = Annotated[str, StringConstraints(min_length=1, max_length=5000)]
Name = Annotated[str, StringConstraints(min_length=1, max_length=200)]
CountryCode = Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}$")]
LanguageCode = Annotated[str, StringConstraints(pattern=r"^[a-z]{2}$")]


class ApplicationSubmitted(Payload):
    """A city applied to a call for expressions of interest (key: application id)."""

    TYPE = "ApplicationSubmitted"
    VERSION = 1
    TOPIC = topics.REGISTRATION.name

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


CONTRACTS: dict[tuple[str, int], type[Payload]] = {(c.TYPE, c.VERSION): c for c in (ApplicationSubmitted,)}
