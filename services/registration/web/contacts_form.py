"""The form that names a city's focal point and deputy, shared by the staff console's city page
(web/city_pages.py) and the city portal's own page (web/portal.py); its fields are drawn by
templates/contacts/fields.html. Both pages save it through workflows/cities.py `change_contacts`.

A field is named `<designation>_<name>` (`deputy_email`). The other contacts of the city are kept as
they are. The portal's form may also carry the city's working languages (checkboxes `languages`) and
its timezone (`city_timezone`); the staff form leaves them unchanged.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from babel import Locale
from pydantic import ValidationError

from services.registration.domain.cities import SIGNING_IN, City
from services.registration.domain.fields import N_
from services.registration.domain.reference import COUNTRY_TIMEZONES, LANGUAGES
from shared.web.pages.texts import PageTexts

FIELDS = ("name", "email", "language", "timezone", "role")
"""The fields of the focal point and the deputy on the contacts form (`focal_point_name`, ...)."""
WHOLE_FORM = "_form"
"""The key of a problem of the whole contact set (the same address twice)."""
FIELD_ERRORS = {
    "email": N_("Please enter a valid email address."),
    "language": N_("Please choose a language from the list."),
    "timezone": N_("Please choose a timezone from the list."),
    "languages": N_("Please choose at least one language from the list."),
}
"""A field's problem when the field is given but refused (other fields: on one line)."""
SAME_ADDRESS = N_("Each person needs an email address of their own.")


@dataclass(frozen=True)
class ContactsForm:
    """What the contacts form shows: the values (as posted, or the city's), the problem of each field."""

    values: dict[str, str]
    errors: dict[str, str] = field(default_factory=dict)
    languages: tuple[str, ...] = ()
    """The city's working languages as posted or saved (the portal's checkboxes)."""

    @classmethod
    def of(cls, city: City) -> ContactsForm:
        values = {"city_timezone": city.timezone}
        for designation in SIGNING_IN:
            contact = city.contact(designation)
            for name in FIELDS:
                values[f"{designation}_{name}"] = (getattr(contact, name) or "") if contact else ""
        return cls(values, languages=city.languages)

    def value(self, name: str) -> str:
        return self.values.get(name, "")

    def error(self, name: str) -> str | None:
        return self.errors.get(name)


@dataclass(frozen=True)
class Choices:
    """The languages (by name, in the viewer's language) and timezones a contact or city may have."""

    languages: tuple[tuple[str, str], ...]
    timezones: tuple[str, ...]

    @classmethod
    def of(cls, locale: str, city: City) -> Choices:
        names = Locale.parse(locale).languages
        languages = tuple(sorted(((c, names.get(c, c)) for c in LANGUAGES), key=lambda pair: pair[1].lower()))
        zones = {*COUNTRY_TIMEZONES.values(), city.timezone, *(c.timezone for c in city.contacts)}
        return cls(languages, tuple(sorted(zones)))


def wanted_contacts(city: City, data: dict[str, str]) -> tuple[list[dict[str, Any]], list[str]]:
    """The city's new contact set from the form (a deputy only if one is given; the other contacts as
    they are), and the form prefix of each of the first rows."""
    rows, prefixes = [], []
    for designation in SIGNING_IN:
        given = {name: data.get(f"{designation}_{name}", "").strip() for name in FIELDS}
        if designation == "focal_point" or any(given[name] for name in ("name", "email")):
            rows.append({"designation": designation} | {k: v or None for k, v in given.items()})
            prefixes.append(designation)
    rows += [
        {"designation": "contact", "name": c.name, "email": c.email, "language": c.language, "timezone": c.timezone,
         "role": c.role}
        for c in city.others()
    ]  # fmt: skip
    return rows, prefixes


def field_problem(t: PageTexts, field: str, kind: str) -> str:
    """A form field's problem in words (`kind`: the pydantic error type)."""
    if kind in ("missing", "string_too_short", "too_short") and field != "languages":
        return t(N_("This field is required."))
    if kind == "string_too_long":
        return t(N_("This text is too long."))
    return t(FIELD_ERRORS.get(field, N_("Please write this on one line.")))


def problems(error: ValidationError, prefixes: list[str], t: PageTexts) -> dict[str, str]:
    """The first problem of each form field in words; a problem of a city field (`languages`,
    `city_timezone`) under its name, and one of the whole set (the same address twice) under WHOLE_FORM."""
    found: dict[str, str] = {}
    for item in error.errors():
        loc = item["loc"]
        if len(loc) >= 3 and loc[0] == "contacts" and isinstance(loc[1], int) and loc[1] < len(prefixes):
            found.setdefault(f"{prefixes[loc[1]]}_{loc[2]}", field_problem(t, str(loc[2]), item["type"]))
        elif loc and loc[0] in ("languages", "timezone"):
            name = "languages" if loc[0] == "languages" else "city_timezone"
            found.setdefault(name, field_problem(t, str(loc[0]), item["type"]))
        else:
            found.setdefault(WHOLE_FORM, t(SAME_ADDRESS))
    return found
